"""Rate limits of the private order endpoints, as ENDPOINTS.md lists them."""

import pytest

pytestmark = pytest.mark.django_db


def test_each_endpoint_reports_its_limit(private, paid_order):
    order = paid_order.pk
    calls = [
        ("GET", "/orders", None, "240"),
        ("GET", f"/orders/{order}", None, "240"),
        ("PATCH", f"/orders/{order}", {"internalNotes": "x"}, "120"),
        ("POST", f"/orders/{order}/fulfill", {"notifyCustomer": False}, "60"),
        (
            "POST",
            f"/orders/{order}/refund",
            {"amount": 1, "notifyCustomer": False},
            "30",
        ),
        ("POST", f"/orders/{order}/cancel", {"notifyCustomer": False}, "30"),
    ]
    for method, path, body, limit in calls:
        response = private.request(method, path, body)
        assert response["X-RateLimit-Limit"] == limit, (method, path)


def test_the_31st_refund_in_a_minute_is_429(private, paid_order):
    for _ in range(30):
        response = private.post(
            f"/orders/{paid_order.pk}/refund", {"amount": 1, "notifyCustomer": False}
        )
        assert response.status_code == 200
    response = private.post(f"/orders/{paid_order.pk}/refund", {"amount": 1})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    paid_order.refresh_from_db()
    assert paid_order.refunded_amount == 30

"""GET and PATCH /orders/{order}: the private view, tenancy, updates and their refusals."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order, OrderEvent

from .conftest import events_of, lines_of

pytestmark = pytest.mark.django_db

NEW_ADDRESS = {
    "firstName": "Sam",
    "lastName": "Buyer",
    "line1": "10 Downing Street",
    "city": "London",
    "postcode": "sw1a2aa",
    "countryCode": "GB",
    "phone": "+447700900123",
}


def test_the_private_view_has_payment_refunded_notes_metadata_and_progress(
    private, paid_order
):
    paid_order.internal_notes = "VIP"
    paid_order.metadata = {"source": "pos"}
    paid_order.save()
    body = private.get(f"/orders/{paid_order.pk}").json()["data"]
    assert body["id"] == paid_order.pk and body["orderNumber"] == "1001"
    assert body["type"] == "order"
    assert body["payment"] == {
        "gateway": "offline",
        "paymentIntentId": paid_order.payment_intent_id,
        "status": "succeeded",
    }
    assert body["refunded"] == {"amount": 0, "currency": "GBP", "formatted": "£0.00"}
    assert body["internalNotes"] == "VIP" and body["metadata"] == {"source": "pos"}
    assert (
        body["fulfilledAt"] is None and body["cancelledAt"] is None and body["paidAt"]
    )
    assert [i["quantityFulfilled"] for i in body["items"]] == [0, 0]
    assert body["refunds"] == [] and body["fulfillments"] == []
    assert [entry["type"] for entry in body["timeline"]] == ["paid"]
    assert body["timeline"][0]["actor"] == {
        "type": "system",
        "id": None,
        "label": "Test payments",
    }
    assert body["totals"]["total"]["formatted"] == "£50.50"


def test_other_stores_other_modes_carts_and_bad_ids_are_404(
    private, shop, other_shop, make_order, api_client_for
):
    theirs = make_order(other_shop.store, reserve=False)
    live = make_order(shop.store, reserve=False, mode="live")
    cart = Order.objects.create(store=shop.store, cart_token="c", currency="GBP")
    for order_id in (theirs.pk, live.pk, cart.pk, "ord_missing", "prod_x", "x" * 60):
        for method, path, body in (
            ("GET", "", None),
            ("PATCH", "", {"internalNotes": "x"}),
            ("POST", "/fulfill", {}),
            ("POST", "/refund", {}),
            ("POST", "/cancel", {}),
        ):
            response = private.request(method, f"/orders/{order_id}{path}", body)
            assert response.status_code == 404, (order_id, method, path)
            assert response.json()["error"]["code"] == "not_found"
    assert (
        api_client_for("private", shop.live_sk).get(f"/orders/{live.pk}").status_code
        == 200
    )
    theirs.refresh_from_db()
    assert theirs.internal_notes == "" and theirs.payment_status == "pending"


def test_detail_query_count_does_not_grow_with_lines_refunds_and_fulfilments(
    private, shop, make_paid_order, make_variant
):
    small = make_paid_order(shop.store)
    assert private.post(f"/orders/{small.pk}/fulfill", {}).status_code == 200
    assert (
        private.post(f"/orders/{small.pk}/refund", {"amount": 100}).status_code == 200
    )
    big = make_paid_order(
        shop.store,
        lines=[(make_variant(shop.store, name=f"Item {i}"), 1) for i in range(6)],
    )
    for line in lines_of(big)[:3]:
        assert (
            private.post(
                f"/orders/{big.pk}/fulfill", {"items": [{"id": line.pk, "quantity": 1}]}
            ).status_code
            == 200
        )
        assert (
            private.post(f"/orders/{big.pk}/refund", {"amount": 100}).status_code == 200
        )

    def count(order):
        with CaptureQueriesContext(connection) as queries:
            assert private.get(f"/orders/{order.pk}").status_code == 200
        return len(queries)

    assert count(big) == count(small) <= 10


def test_patch_updates_notes_and_replaces_metadata(private, paid_order):
    paid_order.metadata = {"a": 1, "b": 2}
    paid_order.save()
    response = private.patch(
        f"/orders/{paid_order.pk}",
        {
            "internalNotes": "Called customer, confirmed delivery window",
            "metadata": {"c": "3"},
        },
    )
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["internalNotes"] == "Called customer, confirmed delivery window"
    assert body["metadata"] == {"c": "3"}
    assert [e["type"] for e in body["timeline"]] == ["paid", "note", "updated"]
    note = body["timeline"][1]
    assert (
        note["message"] == "Internal notes: Called customer, confirmed delivery window"
    )
    assert note["actor"]["type"] == "api_key" and note["actor"]["label"].startswith(
        "sk_test_"
    )
    [event] = events_of(paid_order, "order.updated")
    assert event["metadata"] == {"c": "3"} and event["internalNotes"].startswith(
        "Called"
    )
    # The same values again change nothing and record nothing.
    again = private.patch(f"/orders/{paid_order.pk}", {"metadata": {"c": "3"}})
    assert again.status_code == 200
    assert len(events_of(paid_order, "order.updated")) == 1
    assert OrderEvent.objects.filter(order=paid_order).count() == 3
    cleared = private.patch(f"/orders/{paid_order.pk}", {"internalNotes": None})
    assert cleared.json()["data"]["internalNotes"] is None


def test_patch_validates_the_shipping_address_like_checkout(private, paid_order):
    response = private.patch(
        f"/orders/{paid_order.pk}", {"shippingAddress": NEW_ADDRESS}
    )
    assert response.status_code == 200
    address = response.json()["data"]["shippingAddress"]
    assert address["line1"] == "10 Downing Street" and address["postcode"] == "SW1A 2AA"
    assert (
        response.json()["data"]["timeline"][-1]["message"] == "Updated shipping address"
    )
    bad = [
        ({**NEW_ADDRESS, "countryCode": "ZZ"}, "shippingAddress.countryCode"),
        (
            {**NEW_ADDRESS, "countryCode": "JP", "state": "13"},
            "shippingAddress.countryCode",
        ),
        (
            {**NEW_ADDRESS, "countryCode": "US", "postcode": "94103"},
            "shippingAddress.state",
        ),
        (
            {**NEW_ADDRESS, "countryCode": "US", "state": "ZZ", "postcode": "94103"},
            "shippingAddress.state",
        ),
        ({**NEW_ADDRESS, "postcode": "123"}, "shippingAddress.postcode"),
        ({**NEW_ADDRESS, "phone": "0770"}, "shippingAddress.phone"),
        (
            {k: v for k, v in NEW_ADDRESS.items() if k != "line1"},
            "shippingAddress.line1",
        ),
        ("221B Baker Street", "shippingAddress"),
    ]
    for address, field in bad:
        response = private.patch(
            f"/orders/{paid_order.pk}", {"shippingAddress": address}
        )
        assert response.status_code == 422, address
        assert field in response.json()["error"]["fields"], response.json()
    us = {**NEW_ADDRESS, "countryCode": "US", "state": "us-ca", "postcode": "94103"}
    ok = private.patch(f"/orders/{paid_order.pk}", {"shippingAddress": us})
    assert ok.json()["data"]["shippingAddress"]["state"] == "CA"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"metadata": ["a"]}, "metadata"),
        ({"metadata": {str(i): i for i in range(51)}}, "metadata"),
        ({"metadata": {"k": "a\u0000b"}}, "metadata"),
        ({"internalNotes": 12}, "internalNotes"),
        ({"internalNotes": "x" * 10001}, "internalNotes"),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(private, paid_order, body, field):
    response = private.patch(f"/orders/{paid_order.pk}", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    paid_order.refresh_from_db()
    assert paid_order.metadata == {} and paid_order.internal_notes == ""


def test_shipping_address_is_409_once_anything_shipped(private, paid_order):
    line = lines_of(paid_order)[0]
    private.post(
        f"/orders/{paid_order.pk}/fulfill", {"items": [{"id": line.pk, "quantity": 1}]}
    )
    response = private.patch(
        f"/orders/{paid_order.pk}", {"shippingAddress": NEW_ADDRESS}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_fulfilled"
    paid_order.refresh_from_db()
    assert paid_order.shipping_address["line1"] == "221B Baker Street"
    # Notes and metadata can still change.
    assert (
        private.patch(
            f"/orders/{paid_order.pk}", {"internalNotes": "Shipped part"}
        ).status_code
        == 200
    )


def test_patch_billing_address_any_time(private, paid_order):
    private.post(f"/orders/{paid_order.pk}/fulfill", {})
    billing = {
        **NEW_ADDRESS,
        "countryCode": "JP",
        "state": "13",
        "postcode": "100-0001",
    }
    response = private.patch(f"/orders/{paid_order.pk}", {"billingAddress": billing})
    assert response.status_code == 200, response.json()
    body = response.json()["data"]
    assert (
        body["billingAddress"]["countryCode"] == "JP"
    )  # billing is not limited to shipping
    assert body["timeline"][-1]["data"] == {"fields": ["billingAddress"]}

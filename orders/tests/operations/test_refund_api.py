"""POST /orders/{order}/refund: arithmetic, restock rules and audit rows, the gateway call,
failures, idempotency and refusals."""

import pytest
import stripe
from django.core import mail

from catalog.models import InventoryAdjustment, Variant
from orders import services
from orders.gateways import OfflineGateway, PaymentGatewayError
from orders.models import OfflineRefund, Order, Refund

from .conftest import events_of, lines_of

pytestmark = pytest.mark.django_db


def stock(line) -> int:
    """What test mode can buy (the orders are test-mode orders)."""
    return Variant.objects.get(pk=line.variant_id).available_stock("test")


def state(order):
    order.refresh_from_db()
    return order.payment_status, order.refunded_amount


def test_partial_refund_answers_as_the_reference_shows(private, paid_order):
    response = private.post(
        f"/orders/{paid_order.pk}/refund",
        {"amount": 2400, "reason": "customer_request"},
    )
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["id"] == paid_order.pk
    assert body["paymentStatus"] == "partially_refunded"
    assert body["refunded"] == {
        "amount": 2400,
        "currency": "GBP",
        "formatted": "£24.00",
    }
    refund = body["refund"]
    assert refund["id"].startswith("ref_")
    assert refund["amount"] == {
        "amount": 2400,
        "currency": "GBP",
        "formatted": "£24.00",
    }
    assert refund["reason"] == "customer_request" and refund["createdAt"]
    assert refund["status"] == "succeeded" and refund["items"] == []
    assert body["refunds"] == [refund]
    row = Refund.objects.get(pk=refund["id"])
    assert row.gateway == "offline" and row.gateway_refund_id.startswith("re_test_")
    offline = OfflineRefund.objects.get(pk=row.gateway_refund_id)
    assert offline.idempotency_key == f"order-{paid_order.pk}-refund-{row.pk}"
    assert (offline.amount, offline.reason) == (2400, "customer_request")
    [event] = events_of(paid_order, "order.refunded")
    assert (
        event["refunded"]["amount"] == 2400
        and event["paymentStatus"] == "partially_refunded"
    )
    assert body["timeline"][-1]["message"] == "Refunded £24.00 (customer request)"


def test_two_partial_refunds_then_one_too_many_is_422_and_changes_nothing(
    private, paid_order
):
    assert (
        private.post(f"/orders/{paid_order.pk}/refund", {"amount": 2000}).status_code
        == 200
    )
    assert (
        private.post(f"/orders/{paid_order.pk}/refund", {"amount": 3000}).status_code
        == 200
    )
    assert state(paid_order) == ("partially_refunded", 5000)
    response = private.post(f"/orders/{paid_order.pk}/refund", {"amount": 51})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "refund_exceeds_remaining"
    assert error["fields"] == {
        "amount": ["The refund (£0.51) is more than what remains refundable (£0.50)."]
    }
    assert state(paid_order) == ("partially_refunded", 5000)
    assert Refund.objects.filter(order=paid_order).count() == 2
    assert len(events_of(paid_order, "order.refunded")) == 2
    # The rest, by default, completes the refund.
    rest = private.post(f"/orders/{paid_order.pk}/refund", {})
    assert rest.json()["data"]["refund"]["amount"]["amount"] == 50
    assert state(paid_order) == ("refunded", 5050)
    nothing = private.post(f"/orders/{paid_order.pk}/refund", {"amount": 1})
    assert (nothing.status_code, nothing.json()["error"]["code"]) == (
        409,
        "order_refunded",
    )


def test_a_full_refund_restocks_every_line_with_audit_rows(private, paid_order):
    candles, matches = lines_of(paid_order)
    assert (stock(candles), stock(matches)) == (8, 4)
    body = private.post(f"/orders/{paid_order.pk}/refund", {"reason": "other"}).json()[
        "data"
    ]
    assert body["paymentStatus"] == "refunded"
    assert (stock(candles), stock(matches)) == (10, 5)
    assert [i["quantityRefunded"] for i in body["items"]] == [2, 1]
    assert body["refund"]["items"] == [
        {"itemId": candles.pk, "quantity": 2, "restocked": True},
        {"itemId": matches.pk, "quantity": 1, "restocked": True},
    ]
    rows = InventoryAdjustment.objects.filter(source="refund", reference=paid_order.pk)
    assert sorted(
        (r.variant_id, r.stock_before, r.stock_after) for r in rows
    ) == sorted([(candles.variant_id, 8, 10), (matches.variant_id, 4, 5)])
    assert all(r.reason == f"Refund {body['refund']['id']}" for r in rows)
    paid_order.refresh_from_db()
    assert paid_order.stock_reserved is False


def test_a_partial_amount_restocks_the_items_named_and_nothing_without_items(
    private, paid_order
):
    candles, matches = lines_of(paid_order)
    private.post(f"/orders/{paid_order.pk}/refund", {"amount": 1000})
    assert (stock(candles), stock(matches)) == (8, 4)
    assert not InventoryAdjustment.objects.filter(source="refund").exists()
    body = private.post(
        f"/orders/{paid_order.pk}/refund",
        {"amount": 2400, "items": [{"id": candles.pk, "quantity": 1}]},
    ).json()["data"]
    assert (stock(candles), stock(matches)) == (9, 4)
    assert body["items"][0]["quantityRefunded"] == 1
    [row] = InventoryAdjustment.objects.filter(source="refund")
    assert (row.variant_id, row.stock_before, row.stock_after) == (
        candles.variant_id,
        8,
        9,
    )
    too_many = private.post(
        f"/orders/{paid_order.pk}/refund",
        {"amount": 100, "items": [{"id": candles.pk, "quantity": 2}]},
    )
    assert too_many.status_code == 422
    assert too_many.json()["error"]["fields"] == {
        "items[0].quantity": ["Only 1 unit of Hand-poured candle left to refund."]
    }
    # The completing refund covers (and restocks) only what was not refunded yet.
    private.post(f"/orders/{paid_order.pk}/refund", {})
    assert (stock(candles), stock(matches)) == (10, 5)


def test_restock_false_records_units_but_leaves_stock(private, paid_order):
    candles, _ = lines_of(paid_order)
    body = private.post(
        f"/orders/{paid_order.pk}/refund",
        {
            "amount": 2400,
            "restock": False,
            "items": [{"id": candles.pk, "quantity": 1}],
        },
    ).json()["data"]
    assert body["refund"]["restock"] is False
    assert body["refund"]["items"] == [
        {"itemId": candles.pk, "quantity": 1, "restocked": False}
    ]
    assert stock(candles) == 8
    assert not InventoryAdjustment.objects.filter(source="refund").exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": "100"}, "amount"),
        ({"amount": 10.5}, "amount"),
        ({"reason": "changed_mind"}, "reason"),
        ({"restock": "yes"}, "restock"),
        ({"notifyCustomer": 1}, "notifyCustomer"),
        ({"items": [{"id": "oitm_x"}]}, "items[0].quantity"),
    ],
)
def test_bad_refund_input_is_422(private, paid_order, body, field):
    response = private.post(f"/orders/{paid_order.pk}/refund", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert state(paid_order) == ("paid", 0)


def test_unpaid_and_cancelled_orders_cannot_be_refunded(
    private, shop, make_order, transfer_order
):
    response = private.post(f"/orders/{transfer_order.pk}/refund", {})
    assert (response.status_code, response.json()["error"]["code"]) == (
        409,
        "order_not_paid",
    )
    services.order_cancel(order=transfer_order, notify_customer=False)
    response = private.post(f"/orders/{transfer_order.pk}/refund", {})
    assert (response.status_code, response.json()["error"]["code"]) == (
        409,
        "order_cancelled",
    )
    assert Refund.objects.count() == 0


def test_a_double_submitted_refund_with_one_idempotency_key_refunds_once(
    private, paid_order
):
    first = private.post(
        f"/orders/{paid_order.pk}/refund", {"amount": 1000}, idempotency_key="refund-1"
    )
    second = private.post(
        f"/orders/{paid_order.pk}/refund", {"amount": 1000}, idempotency_key="refund-1"
    )
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Refund.objects.filter(order=paid_order).count() == 1
    assert OfflineRefund.objects.count() == 1
    assert state(paid_order) == ("partially_refunded", 1000)
    assert len([m for m in mail.outbox if "refunded" in m.subject]) == 1


def test_a_gateway_failure_is_kept_and_a_retry_reuses_its_idempotency_key(
    private, paid_order, monkeypatch
):
    calls = []
    real = OfflineGateway.refund_create

    def flaky(self, **kwargs):
        calls.append(kwargs["idempotency_key"])
        if len(calls) == 1:
            raise PaymentGatewayError(
                "The payment provider could not be reached. Retry the request."
            ) from stripe.APIConnectionError("timed out")
        return real(self, **kwargs)

    monkeypatch.setattr(OfflineGateway, "refund_create", flaky)
    failed = private.post(f"/orders/{paid_order.pk}/refund", {"amount": 1500})
    assert failed.status_code == 502
    assert failed.json()["error"]["code"] == "payment_gateway_error"
    assert state(paid_order) == ("paid", 0)
    [attempt] = Refund.objects.filter(order=paid_order)
    assert (
        attempt.status == "failed" and "could not be reached" in attempt.failure_message
    )
    listed = private.get(f"/orders/{paid_order.pk}").json()["data"]
    assert (
        listed["refunds"][0]["status"] == "failed" and listed["refunded"]["amount"] == 0
    )
    assert mail.outbox == [] and events_of(paid_order, "order.refunded") == []
    retry = private.post(f"/orders/{paid_order.pk}/refund", {"amount": 1500})
    assert retry.status_code == 200
    assert retry.json()["data"]["refund"]["id"] == attempt.pk
    assert calls[0] == calls[1] == f"order-{paid_order.pk}-refund-{attempt.pk}"
    assert state(paid_order) == ("partially_refunded", 1500)


def test_an_order_paid_by_bank_transfer_records_a_manual_refund(
    private, transfer_order
):
    services.order_mark_paid(order=transfer_order)
    body = private.post(f"/orders/{transfer_order.pk}/refund", {"amount": 800}).json()[
        "data"
    ]
    refund = Refund.objects.get(pk=body["refund"]["id"])
    assert (refund.gateway, refund.status, refund.gateway_refund_id) == (
        "manual",
        "succeeded",
        "",
    )
    assert body["paymentStatus"] == "partially_refunded"


def test_refund_email(private, paid_order):
    candles, _ = lines_of(paid_order)
    private.post(
        f"/orders/{paid_order.pk}/refund",
        {"amount": 2400, "items": [{"id": candles.pk, "quantity": 1}]},
    )
    [message] = mail.outbox
    assert message.to == ["sam@example.com"]
    assert message.subject == "Acme Candles has refunded £24.00 on order #1001"
    assert "We have refunded £24.00 on your order #1001." in message.body
    assert "1 x Hand-poured candle" in message.body
    assert "Refunded so far: £24.00 of £50.50." in message.body
    assert "£24.00" in message.alternatives[0][0]
    private.post(f"/orders/{paid_order.pk}/refund", {"notifyCustomer": False})
    assert len(mail.outbox) == 1


def test_refund_with_a_total_of_zero_has_nothing_to_refund(private, shop, make_order):
    order = make_order(shop.store, lines=[], payment_method="bank_transfer")
    services.order_mark_paid(order=order)
    response = private.post(f"/orders/{order.pk}/refund", {})
    assert (response.status_code, response.json()["error"]["code"]) == (
        409,
        "nothing_to_refund",
    )
    assert Order.objects.get(pk=order.pk).payment_status == "paid"


def test_a_line_whose_product_was_deleted_is_refunded_without_restocking(
    private, paid_order
):
    candles, matches = lines_of(paid_order)
    Variant.objects.get(pk=matches.variant_id).product.delete()
    body = private.post(f"/orders/{paid_order.pk}/refund", {}).json()["data"]
    assert body["paymentStatus"] == "refunded"
    assert body["refund"]["items"] == [
        {"itemId": candles.pk, "quantity": 2, "restocked": True},
        {"itemId": matches.pk, "quantity": 1, "restocked": False},
    ]
    assert stock(candles) == 10

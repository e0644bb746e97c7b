"""POST /orders/{order}/cancel: void or refund the payment, restock, email; refusals."""

import pytest
from django.core import mail

from carts.models import Discount, DiscountRedemption
from catalog.models import InventoryAdjustment, Variant
from core.exceptions import Conflict
from orders import services
from orders.models import OfflinePaymentIntent, OfflineRefund, Order, Refund

from .conftest import events_of, lines_of

pytestmark = pytest.mark.django_db


def stock(line) -> int:
    """What test mode can buy (the orders are test-mode orders)."""
    return Variant.objects.get(pk=line.variant_id).available_stock("test")


def test_cancel_a_pending_bank_transfer_order(private, shop, transfer_order):
    discount = Discount.objects.create(
        store=shop.store, code="SAVE5", type="fixed", value=500, test_usage_count=1
    )
    DiscountRedemption.objects.create(
        store=shop.store, discount=discount, order=transfer_order
    )
    [line] = lines_of(transfer_order)
    assert stock(line) == 8
    response = private.post(
        f"/orders/{transfer_order.pk}/cancel", {"reason": "Out of stock"}
    )
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["paymentStatus"] == "cancelled" and body["cancelledAt"]
    assert body["refunded"]["amount"] == 0 and body["refunds"] == []
    assert stock(line) == 10
    [row] = InventoryAdjustment.objects.filter(
        source="cancel", reference=transfer_order.pk
    )
    assert (row.stock_before, row.stock_after) == (8, 10)
    assert row.reason == "Order cancelled: Out of stock"
    discount.refresh_from_db()
    assert discount.test_usage_count == 0 and not DiscountRedemption.objects.exists()
    entry = body["timeline"][-1]
    assert entry["type"] == "cancelled"
    assert entry["message"] == "Cancelled: Out of stock; 2 units restocked"
    assert entry["data"]["reason"] == "Out of stock"
    [event] = events_of(transfer_order, "order.cancelled")
    assert event["paymentStatus"] == "cancelled"
    [message] = mail.outbox
    assert message.subject == "Your Acme Candles order #1001 has been cancelled"
    assert "No payment was taken for this order." in message.body
    assert "Out of stock" not in message.body  # the reason is internal
    transfer_order.refresh_from_db()
    assert transfer_order.stock_reserved is False
    assert (
        private.get("/orders", query={"status": "cancelled"}).json()["meta"]["total"]
        == 1
    )


def test_cancel_a_paid_order_refunds_it_in_full(private, paid_order):
    candles, matches = lines_of(paid_order)
    response = private.post(f"/orders/{paid_order.pk}/cancel", {})
    body = response.json()["data"]
    assert body["paymentStatus"] == "cancelled"
    assert body["refunded"] == {
        "amount": 5050,
        "currency": "GBP",
        "formatted": "£50.50",
    }
    [refund] = body["refunds"]
    assert refund["amount"]["amount"] == 5050 and refund["status"] == "succeeded"
    assert OfflineRefund.objects.get().amount == 5050
    assert (stock(candles), stock(matches)) == (10, 5)
    assert (
        body["timeline"][-1]["message"]
        == "Cancelled; refunded £50.50; 3 units restocked"
    )
    assert events_of(paid_order, "order.refunded") == []
    [message] = mail.outbox
    assert "We have refunded £50.50 to your original payment method" in message.body


def test_cancel_after_a_partial_refund_refunds_the_rest_and_restocks_once(
    private, paid_order
):
    candles, matches = lines_of(paid_order)
    private.post(
        f"/orders/{paid_order.pk}/refund",
        {
            "amount": 2400,
            "items": [{"id": candles.pk, "quantity": 1}],
            "notifyCustomer": False,
        },
    )
    assert stock(candles) == 9
    body = private.post(
        f"/orders/{paid_order.pk}/cancel", {"notifyCustomer": False}
    ).json()["data"]
    assert [r["amount"]["amount"] for r in body["refunds"]] == [2400, 2650]
    assert body["refunded"]["amount"] == 5050
    assert (stock(candles), stock(matches)) == (10, 5)
    assert mail.outbox == []


def test_cancel_voids_a_payment_waiting_for_3d_secure(private, shop, make_order, pay):
    order = pay(make_order(shop.store), "pm_card_authenticationRequired")
    assert (
        order.payment_status == "pending"
        and order.payment_intent_status == "requires_action"
    )
    body = private.post(f"/orders/{order.pk}/cancel", {}).json()["data"]
    assert (
        body["paymentStatus"] == "cancelled" and body["payment"]["status"] == "canceled"
    )
    assert (
        OfflinePaymentIntent.objects.get(pk=order.payment_intent_id).status
        == "canceled"
    )
    assert Refund.objects.count() == 0
    assert (
        body["timeline"][-1]["message"]
        == "Cancelled; payment voided; 2 units restocked"
    )


def test_a_failed_order_is_cancelled_without_restocking_again(
    private, shop, make_order, pay
):
    order = pay(make_order(shop.store), "pm_card_chargeDeclined")
    assert order.payment_status == "failed"
    [line] = lines_of(order)
    assert stock(line) == 10
    body = private.post(f"/orders/{order.pk}/cancel", {}).json()["data"]
    assert body["paymentStatus"] == "cancelled"
    assert stock(line) == 10
    assert not InventoryAdjustment.objects.filter(source="cancel").exists()


def test_fulfilled_and_cancelled_orders_cannot_be_cancelled(
    private, paid_order, transfer_order
):
    line = lines_of(paid_order)[0]
    private.post(
        f"/orders/{paid_order.pk}/fulfill", {"items": [{"id": line.pk, "quantity": 1}]}
    )
    response = private.post(f"/orders/{paid_order.pk}/cancel", {})
    assert (response.status_code, response.json()["error"]["code"]) == (
        409,
        "order_fulfilled",
    )
    assert Order.objects.get(pk=paid_order.pk).payment_status == "paid"
    assert private.post(f"/orders/{transfer_order.pk}/cancel", {}).status_code == 200
    again = private.post(f"/orders/{transfer_order.pk}/cancel", {})
    assert (again.status_code, again.json()["error"]["code"]) == (
        409,
        "order_cancelled",
    )
    assert InventoryAdjustment.objects.filter(source="cancel").count() == 1


def test_a_cancelled_order_cannot_be_marked_paid_later(private, transfer_order):
    private.post(f"/orders/{transfer_order.pk}/cancel", {})
    with pytest.raises(Conflict) as refused:
        services.order_mark_paid(order=transfer_order)
    assert refused.value.code == "order_cancelled"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"reason": 5}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"notifyCustomer": "no"}, "notifyCustomer"),
    ],
)
def test_bad_cancel_input_is_422(private, transfer_order, body, field):
    response = private.post(f"/orders/{transfer_order.pk}/cancel", body)
    assert response.status_code == 422 and field in response.json()["error"]["fields"]
    assert Order.objects.get(pk=transfer_order.pk).payment_status == "pending"

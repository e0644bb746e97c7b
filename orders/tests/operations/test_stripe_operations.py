"""Refunds and cancellations through StripeGateway, against the local Stripe double."""

import pytest

from orders import services
from orders.models import Order, OrderEvent, Refund

from .conftest import events_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_paid(stripe_double, shop, make_paid_order):
    order = make_paid_order(shop.store)
    assert order.payment_gateway == "stripe" and order.payment_intent_id.startswith(
        "pi_"
    )
    assert order.payment_status == "paid"
    return order


def test_a_refund_goes_to_stripe_with_the_refunds_idempotency_key(
    private, stripe_double, stripe_paid
):
    response = private.post(
        f"/orders/{stripe_paid.pk}/refund",
        {"amount": 1200, "reason": "customer_request"},
    )
    assert response.status_code == 200
    refund_id = response.json()["data"]["refund"]["id"]
    [request] = stripe_double.posts("/v1/refunds")
    assert request["idempotency_key"] == f"order-{stripe_paid.pk}-refund-{refund_id}"
    assert request["params"] == {
        "payment_intent": stripe_paid.payment_intent_id,
        "amount": "1200",
        "reason": "requested_by_customer",
    }
    [stripe_refund] = stripe_double.refunds.values()
    refund = Refund.objects.get(pk=refund_id)
    assert (refund.gateway, refund.gateway_refund_id, refund.status) == (
        "stripe",
        stripe_refund["id"],
        "succeeded",
    )
    # Stripe's charge.refunded webhook for the same refund changes nothing.
    services.order_refunds_sync(order=stripe_paid, amount_refunded=1200)
    stripe_paid.refresh_from_db()
    assert stripe_paid.refunded_amount == 1200
    assert len(events_of(stripe_paid, "order.refunded")) == 1
    assert OrderEvent.objects.filter(order=stripe_paid, type="refunded").count() == 1
    # A refund made in Stripe's dashboard later is recorded by the same webhook.
    services.order_refunds_sync(order=stripe_paid, amount_refunded=2000)
    entry = OrderEvent.objects.filter(order=stripe_paid, type="refunded").last()
    assert entry.actor_label == "Stripe" and "£20.00 refunded in total" in entry.message
    other = private.post(f"/orders/{stripe_paid.pk}/refund", {"reason": "other"})
    assert other.json()["data"]["refunded"]["amount"] == 4800
    assert "reason" not in stripe_double.posts("/v1/refunds")[1]["params"]


def test_a_refusal_from_stripe_is_a_502_that_changes_nothing_but_the_attempt(
    private, stripe_double, stripe_paid
):
    # Refunded in Stripe's dashboard before its webhook arrived: Stripe refuses the rest.
    stripe_double.refunds["re_dashboard"] = {
        "id": "re_dashboard",
        "amount": 1000,
        "payment_intent": stripe_paid.payment_intent_id,
    }
    response = private.post(f"/orders/{stripe_paid.pk}/refund", {})
    assert response.status_code == 502
    assert "greater than unrefunded amount" in response.json()["error"]["message"]
    stripe_paid.refresh_from_db()
    assert (stripe_paid.payment_status, stripe_paid.refunded_amount) == ("paid", 0)
    [attempt] = Refund.objects.filter(order=stripe_paid)
    assert attempt.status == "failed" and attempt.outcome_unknown is False
    # A refusal is final for its key: the next attempt gets a fresh refund id and key.
    ok = private.post(f"/orders/{stripe_paid.pk}/refund", {"amount": 3800})
    assert ok.status_code == 200 and ok.json()["data"]["refund"]["id"] != attempt.pk
    keys = [r["idempotency_key"] for r in stripe_double.posts("/v1/refunds")]
    assert len(set(keys)) == 2


def test_cancelling_a_paid_stripe_order_refunds_it(private, stripe_double, stripe_paid):
    body = private.post(f"/orders/{stripe_paid.pk}/cancel", {}).json()["data"]
    assert body["paymentStatus"] == "cancelled" and body["refunded"]["amount"] == 4800
    [request] = stripe_double.posts("/v1/refunds")
    assert request["params"]["amount"] == "4800"
    assert (
        stripe_double.posts(
            f"/v1/payment_intents/{stripe_paid.payment_intent_id}/cancel"
        )
        == []
    )


def test_cancelling_a_stripe_payment_waiting_for_3d_secure_voids_it(
    private, stripe_double, shop, make_order, pay
):
    order = pay(make_order(shop.store), "pm_card_authenticationRequired")
    assert order.payment_status == "pending" and order.payment_gateway == "stripe"
    body = private.post(f"/orders/{order.pk}/cancel", {}).json()["data"]
    assert body["paymentStatus"] == "cancelled"
    assert stripe_double.intents[order.payment_intent_id]["status"] == "canceled"
    assert stripe_double.posts("/v1/refunds") == []


def test_a_payment_that_succeeded_meanwhile_is_refunded_on_cancel(
    private, stripe_double, shop, make_order, pay
):
    order = pay(make_order(shop.store), "pm_card_authenticationRequired")
    stripe_double.complete_3ds(
        order.payment_intent_id, approve=True
    )  # webhook not yet in
    body = private.post(f"/orders/{order.pk}/cancel", {}).json()["data"]
    assert body["paymentStatus"] == "cancelled" and body["refunded"]["amount"] == 4800
    [request] = stripe_double.posts("/v1/refunds")
    assert request["params"]["payment_intent"] == order.payment_intent_id
    # The late payment_intent.succeeded webhook is refused: the order stays cancelled.
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.CANCELLED

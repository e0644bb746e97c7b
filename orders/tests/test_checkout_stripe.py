"""POST /cart/checkout with the StripeGateway, through the real ``stripe`` library pointed at
the local Stripe double (``stripe_double`` sets STRIPE_SECRET_KEY and STRIPE_API_BASE)."""

from __future__ import annotations

import json
import time

import pytest
import stripe
from django.db import connection
from django.test import Client, TestCase

from catalog.models import Variant
from orders.gateways import StripeGateway
from orders.models import Order, PaymentAttempt
from webhooks.models import Event

pytestmark = pytest.mark.django_db

WEBHOOK_SECRET = "whsec_checkout"


def stock(product) -> int:
    """What test mode can buy (these checkouts use the test key; live stock is untouched)."""
    return Variant.objects.get(product=product).available_stock("test")


def data(response) -> dict:
    return response.json()["data"]


def intents_created(double) -> list[dict]:
    return double.posts("/v1/payment_intents")


def test_a_good_card_is_charged_once_with_the_order_amount(
    stripe_double, shopper, checkout_shop
):
    shopper.ready(checkout_shop.candle, 2, method=checkout_shop.method)

    response = shopper.checkout("pm_card_visa", returnUrl="https://shop.example/thanks")

    assert response.status_code == 200, response.json()
    body = data(response)
    assert (body["status"], body["paymentStatus"], body["orderNumber"]) == (
        "paid",
        "succeeded",
        "1001",
    )
    order = Order.objects.get(pk=body["orderId"])
    [request] = intents_created(stripe_double)
    assert request["idempotency_key"] == f"order-{order.id}-attempt-1"
    params = request["params"]
    assert (params["amount"], params["currency"], params["payment_method"]) == (
        "6234",
        "gbp",
        "pm_card_visa",
    )
    assert (
        params["metadata"]["order_id"] == order.id
        and params["metadata"]["attempt"] == "1"
    )
    assert params["confirm"] == "false"  # created first, its id recorded, then charged
    [confirm] = stripe_double.confirmations
    assert confirm["intent"] == order.payment_intent_id
    assert confirm["return_url"] == f"https://shop.example/thanks?order={order.id}"
    assert order.payment_gateway == "stripe" and order.payment_intent_id.startswith(
        "pi_"
    )
    assert [c["payment_intent"] for c in stripe_double.charges] == [
        order.payment_intent_id
    ]
    assert stock(checkout_shop.candle) == 8


def test_a_double_submit_makes_one_payment_intent(
    stripe_double, shopper, checkout_shop
):
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    first = shopper.checkout(idempotency_key="double-click")
    second = shopper.checkout(idempotency_key="double-click")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert len(intents_created(stripe_double)) == 1 and len(stripe_double.charges) == 1
    assert Order.objects.filter(type="order").count() == 1


def test_a_decline_then_another_card_uses_a_new_idempotency_key(
    stripe_double, shopper, checkout_shop
):
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    cart_id = shopper.cart()["id"]

    declined = shopper.checkout("pm_card_chargeDeclinedInsufficientFunds")

    assert declined.status_code == 402
    assert declined.json()["error"]["code"] == "card_declined"
    assert declined.json()["error"]["message"] == "Your card has insufficient funds."
    assert shopper.cart()["id"] == cart_id and stock(checkout_shop.candle) == 10

    paid = shopper.checkout("pm_card_visa")

    assert paid.status_code == 200 and data(paid)["orderId"] == cart_id
    keys = [r["idempotency_key"] for r in intents_created(stripe_double)]
    assert keys == [f"order-{cart_id}-attempt-1", f"order-{cart_id}-attempt-2"]
    assert len(stripe_double.charges) == 1 and stock(checkout_shop.candle) == 9
    order = Order.objects.get(pk=cart_id)
    assert order.payment_intent_id == stripe_double.charges[0]["payment_intent"]


def test_three_d_secure_completes_through_the_webhook(
    stripe_double, shopper, checkout_shop, settings
):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)

    response = shopper.checkout("pm_card_authenticationRequired")

    body = data(response)
    order = Order.objects.get(pk=body["orderId"])
    assert body["requiresAction"] is True and body["status"] == "pending"
    assert body["nextActionUrl"] == f"{stripe_double.url}/3ds/{order.payment_intent_id}"
    secret = stripe_double.intents[order.payment_intent_id]["client_secret"]
    assert body["nextAction"] == {"type": "use_stripe_sdk", "clientSecret": secret}
    assert "orderNumber" not in body and "redirectUrl" not in body
    assert order.payment_status == "pending" and stock(checkout_shop.candle) == 9

    intent = stripe_double.complete_3ds(order.payment_intent_id, approve=True)
    payload = json.dumps(
        {
            "id": "evt_3ds",
            "object": "event",
            "created": int(time.time()),
            "livemode": False,
            "type": "payment_intent.succeeded",
            "data": {"object": intent},
        }
    )
    header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        hook = Client().post(
            "/webhooks/stripe",
            payload,
            content_type="application/json",
            headers={"Stripe-Signature": header},
        )

    assert hook.status_code == 200
    order.refresh_from_db()
    assert order.payment_status == "paid" and order.order_number == 1001
    assert list(
        Event.objects.order_by("created_at", "id")
        .filter(type__startswith="order.")
        .values_list("type", flat=True)
    ) == ["order.created", "order.paid"]


def test_an_unknown_payment_method_is_a_422_and_the_cart_is_kept(
    stripe_double, shopper, checkout_shop
):
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    cart_id = shopper.cart()["id"]
    response = shopper.checkout("pm_1NotAtStripe")
    assert response.status_code == 422
    assert (
        "No such PaymentMethod"
        in response.json()["error"]["fields"]["paymentMethod"][0]
    )
    assert shopper.cart()["id"] == cart_id and stock(checkout_shop.candle) == 10
    assert PaymentAttempt.objects.get().status == "refused"


def test_a_wallet_name_is_refused_with_stripe(stripe_double, shopper, checkout_shop):
    checkout_shop.store.payment_methods = ["card", "apple_pay"]
    checkout_shop.store.save(update_fields=["payment_methods"])
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    response = shopper.checkout("apple_pay")
    assert response.status_code == 422
    assert "pm_" in response.json()["error"]["fields"]["paymentMethod"][0]
    assert intents_created(stripe_double) == []


def test_a_lost_confirmation_is_asked_about_and_answered_with_the_order(
    stripe_double, shopper, checkout_shop, monkeypatch
):
    """Stripe charged but the confirmation's answer timed out: checkout asks Stripe about
    the recorded intent and answers with the paid order."""
    monkeypatch.setattr(StripeGateway, "DEFAULT_TIMEOUT", 0.4)
    monkeypatch.setattr(StripeGateway, "DEFAULT_MAX_NETWORK_RETRIES", 0)
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    cart_id = shopper.cart()["id"]
    stripe_double.delay_next(1.5, path="/confirm")

    response = shopper.checkout("pm_card_visa")

    assert response.status_code == 200, response.json()
    assert (data(response)["orderId"], data(response)["status"]) == (cart_id, "paid")
    assert len(stripe_double.charges) == 1 and stock(checkout_shop.candle) == 9
    assert (
        Order.objects.get(pk=cart_id).payment_intent_id
        == stripe_double.charges[0]["payment_intent"]
    )


def test_a_lost_answer_is_a_502_and_the_retry_finds_the_charge(
    stripe_double, shopper, checkout_shop, monkeypatch
):
    """Stripe charged, and neither the confirmation's answer nor the question about it got
    back: the order waits with its stock (a 502), and the retry with the same
    Idempotency-Key answers with it, charged once."""
    monkeypatch.setattr(StripeGateway, "DEFAULT_TIMEOUT", 0.4)
    monkeypatch.setattr(StripeGateway, "DEFAULT_MAX_NETWORK_RETRIES", 0)
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    cart_id = shopper.cart()["id"]
    stripe_double.delay_next(1.5, path="/confirm")
    stripe_double.delay_next(1.5, method="GET")  # and the question about it

    lost = shopper.checkout("pm_card_visa", idempotency_key="pay-1")

    assert (
        lost.status_code == 502
        and lost.json()["error"]["code"] == "payment_gateway_error"
    )
    assert len(stripe_double.charges) == 1  # Stripe did charge
    order = Order.objects.get(pk=cart_id)
    assert (order.type, order.payment_status) == ("order", "pending")
    assert order.payment_intent_id == stripe_double.charges[0]["payment_intent"]
    assert stock(checkout_shop.candle) == 9  # still held for the order

    retry = shopper.checkout("pm_card_visa", idempotency_key="pay-1")

    assert retry.status_code == 200 and data(retry)["orderId"] == cart_id
    assert data(retry)["status"] == "paid"
    assert len(stripe_double.charges) == 1
    keys = {r["idempotency_key"] for r in intents_created(stripe_double)}
    assert keys == {f"order-{cart_id}-attempt-1"}
    assert stock(checkout_shop.candle) == 9

"""StripeGateway through the real ``stripe`` library, pointed at the local Stripe double."""

import time

import pytest

from core.api.exceptions import domain_status
from core.exceptions import ValidationFailed
from orders.gateways import (
    PaymentGatewayError,
    StripeGateway,
    get_gateway,
    payment_idempotency_key,
)

pytestmark = pytest.mark.django_db


def pay(
    gateway,
    order,
    method,
    *,
    attempt=1,
    return_url="https://shop.example/thanks?step=done",
):
    return gateway.payment_create(
        order=order,
        amount=order.total_amount,
        currency=order.currency,
        payment_method=method,
        idempotency_key=payment_idempotency_key(order=order, attempt=attempt),
        return_url=return_url,
        metadata={"cart_token": order.cart_token},
    )


def test_payment_succeeds_with_the_order_amount_and_an_order_idempotency_key(
    stripe_double, shop, make_order
):
    order = make_order(shop.store)
    gateway = get_gateway(mode="test")
    assert isinstance(gateway, StripeGateway)
    result = pay(gateway, order, "pm_card_visa")
    assert result.succeeded and result.gateway == "stripe"
    assert result.intent_id.startswith("pi_") and (result.amount, result.currency) == (
        4800,
        "GBP",
    )
    # Created unconfirmed (nothing charged), then confirmed with its own key.
    [request] = stripe_double.posts("/v1/payment_intents")
    assert request["idempotency_key"] == f"order-{order.id}-attempt-1"
    params = request["params"]
    assert params["amount"] == "4800" and params["currency"] == "gbp"
    assert params["confirm"] == "false" and params["payment_method"] == "pm_card_visa"
    assert params["metadata"] == {
        "cart_token": "visitor-token",
        "order_id": order.id,
        "store_id": shop.store.id,
        "mode": "test",
    }
    [confirm] = stripe_double.posts(f"/v1/payment_intents/{result.intent_id}/confirm")
    assert confirm["idempotency_key"] == f"order-{order.id}-attempt-1-confirm"
    assert (
        confirm["params"]["return_url"]
        == f"https://shop.example/thanks?step=done&order={order.id}"
    )
    assert len(stripe_double.charges) == 1


@pytest.mark.parametrize(
    "method, decline_code, message",
    [
        ("pm_card_chargeDeclined", "generic_decline", "Your card was declined."),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ],
)
def test_card_errors_become_decline_results(
    stripe_double, shop, make_order, method, decline_code, message
):
    result = pay(StripeGateway(), make_order(shop.store), method)
    assert result.declined
    assert result.intent_id in stripe_double.intents
    assert (result.error_code, result.decline_code, result.decline_message) == (
        "card_declined",
        decline_code,
        message,
    )
    assert stripe_double.charges == []


def test_authentication_required_gives_the_redirect_url(
    stripe_double, shop, make_order
):
    result = pay(
        StripeGateway(), make_order(shop.store), "pm_card_authenticationRequired"
    )
    assert result.requires_action
    assert result.next_action_url == f"{stripe_double.url}/3ds/{result.intent_id}"


def test_unknown_payment_method_is_a_422(stripe_double, shop, make_order):
    with pytest.raises(ValidationFailed) as exc:
        pay(StripeGateway(), make_order(shop.store), "pm_nope")
    assert "payment_method" in exc.value.fields
    assert "No such PaymentMethod" in exc.value.message


def test_retrieve_and_cancel(stripe_double, shop, make_order):
    gateway = StripeGateway()
    pending = pay(gateway, make_order(shop.store), "pm_card_authenticationRequired")
    assert gateway.payment_retrieve(intent_id=pending.intent_id).requires_action
    assert gateway.payment_cancel(intent_id=pending.intent_id).canceled
    assert (
        stripe_double.intents[pending.intent_id]["cancellation_reason"] == "abandoned"
    )
    # Stripe refuses to cancel a succeeded (or canceled) intent: the gateway answers its state.
    paid = pay(gateway, make_order(shop.store), "pm_card_visa")
    assert gateway.payment_cancel(intent_id=paid.intent_id).succeeded
    assert gateway.payment_cancel(intent_id=pending.intent_id).canceled
    with pytest.raises(PaymentGatewayError):
        gateway.payment_retrieve(intent_id="pi_missing")


def test_refund_with_an_idempotency_key_refunds_once(stripe_double, shop, make_order):
    gateway = StripeGateway()
    paid = pay(gateway, make_order(shop.store), "pm_card_visa")
    first = gateway.refund_create(
        intent_id=paid.intent_id,
        amount=2400,
        idempotency_key="order-x-refund-1",
        reason="customer_request",
    )
    again = gateway.refund_create(
        intent_id=paid.intent_id,
        amount=2400,
        idempotency_key="order-x-refund-1",
        reason="customer_request",
    )
    assert (
        first == again
        and first.succeeded
        and first.amount == 2400
        and first.currency == "GBP"
    )
    assert len(stripe_double.refunds) == 1
    [request, _] = stripe_double.posts("/v1/refunds")
    assert request["params"]["reason"] == "requested_by_customer"
    with pytest.raises(PaymentGatewayError):
        gateway.refund_create(
            intent_id=paid.intent_id, amount=5000, idempotency_key="order-x-refund-2"
        )


def test_a_timeout_after_stripe_received_the_request_is_retried_without_a_second_charge(
    stripe_double, shop, make_order
):
    """The library retries the timed-out request with the same Idempotency-Key and gets the
    first response back."""
    order = make_order(shop.store)
    gateway = StripeGateway(timeout=0.4, max_network_retries=1)
    stripe_double.delay_next(1.5, path="/confirm")
    started = time.monotonic()
    result = pay(gateway, order, "pm_card_visa")
    assert (
        time.monotonic() - started < 1.5
    )  # answered by the retry, not the slow response
    assert result.succeeded
    posts = stripe_double.posts(f"/v1/payment_intents/{result.intent_id}/confirm")
    assert len(posts) == 2
    assert {p["idempotency_key"] for p in posts} == {
        f"order-{order.id}-attempt-1-confirm"
    }
    assert len(stripe_double.charges) == 1
    assert stripe_double.charges[0]["payment_intent"] == result.intent_id


def test_a_timeout_surfaces_as_a_gateway_error_and_our_retry_does_not_charge_twice(
    stripe_double, shop, make_order
):
    order = make_order(shop.store)
    gateway = StripeGateway(timeout=0.4, max_network_retries=0)
    stripe_double.delay_next(1.5, path="/confirm")
    with pytest.raises(PaymentGatewayError) as exc:
        pay(gateway, order, "pm_card_visa")
    assert domain_status(exc.value) == 502
    assert len(stripe_double.charges) == 1  # Stripe did charge, the answer was lost
    result = pay(gateway, order, "pm_card_visa")
    assert result.succeeded
    assert len(stripe_double.charges) == 1
    assert result.intent_id == stripe_double.charges[0]["payment_intent"]


def test_a_new_attempt_is_a_new_payment(stripe_double, shop, make_order):
    order = make_order(shop.store)
    gateway = StripeGateway()
    declined = pay(gateway, order, "pm_card_chargeDeclined")
    assert pay(gateway, order, "pm_card_chargeDeclined") == declined  # replayed decline
    paid = pay(gateway, order, "pm_card_visa", attempt=2)
    assert paid.succeeded and paid.intent_id != declined.intent_id
    assert len(stripe_double.charges) == 1


def test_a_rejected_api_key_is_a_gateway_error(stripe_double, shop, make_order):
    gateway = StripeGateway(api_key="sk_live_wrong")
    with pytest.raises(PaymentGatewayError):
        pay(gateway, make_order(shop.store), "pm_card_visa")

"""The offline gateway (Stripe test mode played locally) and gateway selection."""

import pytest

from core.api.exceptions import domain_status
from core.exceptions import ValidationFailed
from orders.gateways import (
    OfflineGateway,
    PaymentGatewayError,
    StripeGateway,
    gateway_for_order,
    get_gateway,
    payment_idempotency_key,
)
from orders.models import OfflinePaymentIntent

pytestmark = pytest.mark.django_db


def pay(
    order, method, *, attempt=1, amount=None, return_url="https://shop.example/thanks"
):
    return OfflineGateway().payment_create(
        order=order,
        amount=order.total_amount if amount is None else amount,
        currency=order.currency,
        payment_method=method,
        idempotency_key=payment_idempotency_key(order=order, attempt=attempt),
        return_url=return_url,
    )


@pytest.mark.parametrize("method", ["pm_card_visa", "pm_card_mastercard"])
def test_test_cards_succeed(shop, make_order, method):
    order = make_order(shop.store)
    result = pay(order, method)
    assert result.succeeded and not result.declined
    assert result.gateway == "offline"
    assert result.intent_id.startswith("pi_test_")
    assert (result.amount, result.currency) == (4800, "GBP")
    assert result.next_action_url is None
    intent = OfflinePaymentIntent.objects.get(pk=result.intent_id)
    assert intent.order == order and intent.status == "succeeded"


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
def test_declining_cards_return_a_decline_not_an_exception(
    shop, make_order, method, decline_code, message
):
    result = pay(make_order(shop.store), method)
    assert result.declined and result.status == "requires_payment_method"
    assert result.error_code == "card_declined"
    assert result.decline_code == decline_code
    assert result.decline_message == message


def test_authentication_required_points_to_the_local_3ds_page(
    shop, make_order, settings
):
    settings.PUBLIC_BASE_URL = "https://shop.example.com"
    result = pay(make_order(shop.store), "pm_card_authenticationRequired")
    assert result.requires_action
    assert (
        result.next_action_url
        == f"https://shop.example.com/payments/test-3ds/{result.intent_id}"
    )


def test_unknown_payment_method_is_a_422_naming_the_field(shop, make_order):
    with pytest.raises(ValidationFailed) as exc:
        pay(make_order(shop.store), "pm_1XyZrealcard")
    assert domain_status(exc.value) == 422
    assert "payment_method" in exc.value.fields
    assert "pm_card_visa" in exc.value.message
    assert not OfflinePaymentIntent.objects.exists()


def test_same_idempotency_key_returns_the_same_intent(shop, make_order):
    order = make_order(shop.store)
    first = pay(order, "pm_card_authenticationRequired")
    again = pay(order, "pm_card_authenticationRequired")
    assert again == first
    assert OfflinePaymentIntent.objects.count() == 1
    other_attempt = pay(order, "pm_card_visa", attempt=2)
    assert other_attempt.intent_id != first.intent_id
    assert OfflinePaymentIntent.objects.count() == 2


def test_same_key_with_other_parameters_is_refused(shop, make_order):
    order = make_order(shop.store)
    pay(order, "pm_card_visa")
    with pytest.raises(PaymentGatewayError) as exc:
        pay(order, "pm_card_visa", amount=100)
    assert exc.value.code == "idempotency_error"


def test_live_mode_declines_test_cards_like_stripe(shop, make_order):
    result = pay(make_order(shop.store, mode="live"), "pm_card_visa")
    assert result.declined
    assert result.decline_code == "test_mode_live_card"
    assert "live mode" in result.decline_message


def test_retrieve_and_cancel(shop, make_order):
    gateway = OfflineGateway()
    pending = pay(make_order(shop.store), "pm_card_authenticationRequired")
    assert gateway.payment_retrieve(intent_id=pending.intent_id) == pending
    canceled = gateway.payment_cancel(intent_id=pending.intent_id)
    assert canceled.canceled
    # Cancelling again, or a succeeded payment, answers the state it is in.
    assert gateway.payment_cancel(intent_id=pending.intent_id).canceled
    paid = pay(make_order(shop.store), "pm_card_visa")
    assert gateway.payment_cancel(intent_id=paid.intent_id).succeeded
    with pytest.raises(PaymentGatewayError):
        gateway.payment_retrieve(intent_id="pi_test_missing")


def test_refunds_succeed_once_per_key_and_never_exceed_the_charge(shop, make_order):
    gateway = OfflineGateway()
    paid = pay(make_order(shop.store), "pm_card_visa")
    first = gateway.refund_create(
        intent_id=paid.intent_id,
        amount=1000,
        idempotency_key="r1",
        reason="customer_request",
    )
    assert (
        first.succeeded
        and first.amount == 1000
        and first.refund_id.startswith("re_test_")
    )
    assert (
        gateway.refund_create(
            intent_id=paid.intent_id, amount=1000, idempotency_key="r1"
        )
        == first
    )
    assert OfflinePaymentIntent.objects.get(pk=paid.intent_id).amount_refunded == 1000
    with pytest.raises(PaymentGatewayError) as exc:
        gateway.refund_create(
            intent_id=paid.intent_id, amount=3801, idempotency_key="r2"
        )
    assert exc.value.code == "amount_too_large"
    rest = gateway.refund_create(
        intent_id=paid.intent_id, amount=3800, idempotency_key="r3"
    )
    assert rest.succeeded
    declined = pay(make_order(shop.store), "pm_card_chargeDeclined")
    with pytest.raises(PaymentGatewayError):
        gateway.refund_create(
            intent_id=declined.intent_id, amount=1, idempotency_key="r4"
        )


def test_authenticate_completes_or_fails_the_3ds_step(shop, make_order):
    gateway = OfflineGateway()
    approved = pay(make_order(shop.store), "pm_card_authenticationRequired")
    assert gateway.authenticate(intent_id=approved.intent_id, approve=True).succeeded
    failed = pay(make_order(shop.store), "pm_card_authenticationRequired")
    result = gateway.authenticate(intent_id=failed.intent_id, approve=False)
    assert (
        result.declined and result.error_code == "payment_intent_authentication_failure"
    )
    # Only a pending authentication can change.
    assert gateway.authenticate(intent_id=failed.intent_id, approve=True).declined


def test_get_gateway_picks_stripe_only_with_a_secret_key(settings, shop, make_order):
    settings.STRIPE_SECRET_KEY = ""
    assert isinstance(get_gateway(mode="test"), OfflineGateway)
    assert isinstance(get_gateway(mode="live"), OfflineGateway)
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    assert isinstance(get_gateway(mode="test"), StripeGateway)
    assert isinstance(get_gateway(mode="live"), StripeGateway)
    settings.STRIPE_SECRET_KEY = "sk_live_123"
    # Test orders are never charged with a live key.
    assert isinstance(get_gateway(mode="test"), OfflineGateway)
    assert isinstance(get_gateway(mode="live"), StripeGateway)
    order = make_order(shop.store, payment_gateway="offline")
    assert isinstance(gateway_for_order(order), OfflineGateway)
    order.payment_gateway = "stripe"
    assert isinstance(gateway_for_order(order), StripeGateway)

"""The offline gateway: Stripe's test mode, played locally (the default without
``STRIPE_SECRET_KEY``).

Stripe's documented test PaymentMethod ids behave as they do in Stripe test mode; any other id
is a 422. Intents are rows (:class:`~orders.models.OfflinePaymentIntent`, ``pi_test_...``) so a
retry with the same idempotency key returns the same intent: prepared (``requires_confirmation``),
then confirmed with the test card's outcome. ``pm_card_authenticationRequired``
answers ``requires_action`` with a 3-D Secure page served by this server
(``/payments/test-3ds/<intent id>``) where the shopper approves or fails the authentication.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.exceptions import ValidationFailed
from core.models import Mode

from ..models import OfflinePaymentIntent, OfflineRefund
from .base import (
    PaymentGateway,
    PaymentGatewayError,
    PaymentResult,
    PaymentStatus,
    RefundResult,
    absolute_url,
)


@dataclass(frozen=True)
class TestCard:
    status: str
    error_code: str = ""
    decline_code: str = ""
    message: str = ""


_DECLINED = "Your card was declined."

#: Stripe's test PaymentMethod ids and what Stripe test mode does with them.
TEST_PAYMENT_METHODS: dict[str, TestCard] = {
    "pm_card_visa": TestCard(PaymentStatus.SUCCEEDED),
    "pm_card_mastercard": TestCard(PaymentStatus.SUCCEEDED),
    "pm_card_amex": TestCard(PaymentStatus.SUCCEEDED),
    "pm_card_visa_debit": TestCard(PaymentStatus.SUCCEEDED),
    "pm_card_chargeDeclined": TestCard(
        PaymentStatus.REQUIRES_PAYMENT_METHOD,
        "card_declined",
        "generic_decline",
        _DECLINED,
    ),
    "pm_card_chargeDeclinedInsufficientFunds": TestCard(
        PaymentStatus.REQUIRES_PAYMENT_METHOD,
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "pm_card_authenticationRequired": TestCard(PaymentStatus.REQUIRES_ACTION),
}

#: What Stripe answers when a live-mode request uses a test card.
LIVE_MODE_TEST_CARD = TestCard(
    PaymentStatus.REQUIRES_PAYMENT_METHOD,
    "card_declined",
    "test_mode_live_card",
    "Your card was declined. Your request was in live mode, but used a known test card.",
)

AUTHENTICATION_FAILED = TestCard(
    PaymentStatus.REQUIRES_PAYMENT_METHOD,
    "payment_intent_authentication_failure",
    "",
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data "
    "or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
)


def test_3ds_url(intent_id: str) -> str:
    return absolute_url(reverse("orders-test-3ds", args=[intent_id]))


def offline_client_secret(intent_id: str) -> str:
    """The intent's client secret in Stripe's shape (``<id>_secret_<...>``), derived from the
    id and ``SECRET_KEY``: what a Stripe.js stand-in needs to act on the intent."""
    signature = salted_hmac("orders.offline.client_secret", intent_id).hexdigest()
    return f"{intent_id}_secret_{signature[:24]}"


class OfflineGateway(PaymentGateway):
    name = "offline"

    def _result(self, intent) -> PaymentResult:
        return PaymentResult(
            gateway=self.name,
            intent_id=intent.id,
            status=intent.status,
            amount=intent.amount,
            currency=intent.currency,
            next_action_url=(
                test_3ds_url(intent.id)
                if intent.status == PaymentStatus.REQUIRES_ACTION
                else None
            ),
            client_secret=offline_client_secret(intent.id),
            error_code=intent.error_code or None,
            decline_code=intent.decline_code or None,
            decline_message=intent.decline_message or None,
        )

    def _get(self, intent_id: str, *, lock: bool = False):
        queryset = OfflinePaymentIntent.objects.all()
        if lock:
            queryset = queryset.select_for_update()
        intent = queryset.filter(pk=intent_id).first()
        if intent is None:
            raise PaymentGatewayError(
                f"No such payment_intent: '{intent_id}'", code="resource_missing"
            )
        return intent

    def payment_prepare(
        self,
        *,
        order,
        amount,
        currency,
        payment_method,
        idempotency_key,
        metadata=None,
    ) -> PaymentResult:
        if payment_method not in TEST_PAYMENT_METHODS:
            names = ", ".join(TEST_PAYMENT_METHODS)
            message = (
                f"Unknown payment method '{payment_method}'. Without STRIPE_SECRET_KEY, use one of "
                f"Stripe's test payment methods: {names}."
            )
            raise ValidationFailed(
                message,
                code="invalid_payment_method",
                fields={"payment_method": [message]},
            )
        if amount < 1:
            raise ValidationFailed(
                "The payment amount must be at least 1 minor unit.",
                fields={"amount": ["Must be at least 1."]},
            )
        existing = OfflinePaymentIntent.objects.filter(
            idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return self._replay(
                existing,
                amount=amount,
                currency=currency,
                payment_method=payment_method,
            )
        intent = OfflinePaymentIntent(
            store_id=order.store_id,
            mode=order.mode,
            order=order,
            idempotency_key=idempotency_key,
            amount=amount,
            currency=currency,
            payment_method=payment_method,
            status=PaymentStatus.REQUIRES_CONFIRMATION,
            metadata={**(metadata or {}), "order_id": order.id},
        )
        try:
            with transaction.atomic():
                intent.save()
        except IntegrityError:
            existing = OfflinePaymentIntent.objects.get(idempotency_key=idempotency_key)
            return self._replay(
                existing,
                amount=amount,
                currency=currency,
                payment_method=payment_method,
            )
        return self._result(intent)

    @transaction.atomic
    def payment_confirm(
        self, *, order, intent_id, idempotency_key, return_url=""
    ) -> PaymentResult:
        """Play the test card: Stripe test mode's answer for its PaymentMethod id (in live
        mode, every test card is declined as Stripe would)."""
        intent = self._get(intent_id, lock=True)
        if intent.status == PaymentStatus.REQUIRES_CONFIRMATION:
            card = TEST_PAYMENT_METHODS[intent.payment_method]
            if intent.mode == Mode.LIVE:
                card = LIVE_MODE_TEST_CARD
            intent.status = card.status
            intent.error_code = card.error_code
            intent.decline_code = card.decline_code
            intent.decline_message = card.message
            intent.return_url = return_url
            intent.save()
        return self._result(intent)

    def _replay(self, intent, *, amount, currency, payment_method) -> PaymentResult:
        if (intent.amount, intent.currency, intent.payment_method) != (
            amount,
            currency,
            payment_method,
        ):
            raise PaymentGatewayError(
                "Keys for idempotent requests can only be used with the same parameters they "
                "were first used with.",
                code="idempotency_error",
            )
        return self._result(intent)

    def payment_retrieve(self, *, intent_id) -> PaymentResult:
        return self._result(self._get(intent_id))

    def payment_find(self, *, intent_id="", idempotency_key="") -> PaymentResult | None:
        """By id, else by the idempotency key the payment was prepared with (None: no
        such payment, so nothing was charged)."""
        if intent_id:
            return self.payment_retrieve(intent_id=intent_id)
        intent = OfflinePaymentIntent.objects.filter(
            idempotency_key=idempotency_key
        ).first()
        return None if intent is None or not idempotency_key else self._result(intent)

    @transaction.atomic
    def payment_cancel(self, *, intent_id) -> PaymentResult:
        intent = self._get(intent_id, lock=True)
        if intent.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED):
            intent.status = PaymentStatus.CANCELED
            intent.canceled_at = timezone.now()
            intent.save(update_fields=["status", "canceled_at", "updated_at"])
        return self._result(intent)

    @transaction.atomic
    def authenticate(self, *, intent_id: str, approve: bool) -> PaymentResult:
        """Complete the 3-D Secure step of a ``requires_action`` intent (the test page's
        buttons). Any other state is returned unchanged."""
        intent = self._get(intent_id, lock=True)
        if intent.status == PaymentStatus.REQUIRES_ACTION:
            if approve:
                intent.status = PaymentStatus.SUCCEEDED
            else:
                failure = AUTHENTICATION_FAILED
                intent.status = failure.status
                intent.decline_code = failure.decline_code
                intent.decline_message = failure.message
                intent.error_code = failure.error_code
            intent.save()
        return self._result(intent)

    @transaction.atomic
    def refund_create(
        self, *, intent_id, amount, idempotency_key, reason=None
    ) -> RefundResult:
        existing = OfflineRefund.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return self._refund_result(existing)
        intent = self._get(intent_id, lock=True)
        if intent.status != PaymentStatus.SUCCEEDED:
            raise PaymentGatewayError(
                f"This PaymentIntent ({intent.id}) does not have a successful charge to refund.",
                code="charge_not_refundable",
            )
        if amount < 1 or amount > intent.amount - intent.amount_refunded:
            raise PaymentGatewayError(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({intent.amount - intent.amount_refunded}).",
                code="amount_too_large",
            )
        refund = OfflineRefund.objects.create(
            intent=intent,
            idempotency_key=idempotency_key,
            amount=amount,
            reason=reason or "",
        )
        intent.amount_refunded += amount
        intent.save(update_fields=["amount_refunded", "updated_at"])
        return self._refund_result(refund)

    def _refund_result(self, refund) -> RefundResult:
        return RefundResult(
            gateway=self.name,
            refund_id=refund.id,
            status=refund.status,
            amount=refund.amount,
            currency=refund.intent.currency,
        )

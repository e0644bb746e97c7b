"""The shopper's subscription emails: a renewal payment failed (and when it is retried),
and the subscription was cancelled."""

from __future__ import annotations

from core.emails import email_send, money_text

from .models import Subscription


def _context(subscription: Subscription) -> dict:
    store = subscription.store
    return {
        "product_name": subscription.product_name,
        "variant_name": subscription.variant_name,
        "quantity": subscription.quantity,
        "price": money_text(
            subscription.price_amount * subscription.quantity,
            subscription.currency,
            store,
        ),
        "interval": subscription.interval,
        "interval_count": subscription.interval_count,
        "next_charge_at": subscription.next_charge_at,
        "cancel_reason": subscription.cancel_reason,
    }


def _get(subscription_id: str) -> Subscription:
    return Subscription.objects.select_related("store").get(pk=subscription_id)


def payment_failed_send(*, subscription_id: str, message: str = "") -> int:
    subscription = _get(subscription_id)
    if not subscription.email:
        return 0
    context = {**_context(subscription), "failure_message": message}
    return email_send(
        store=subscription.store,
        to=subscription.email,
        template="subscription_payment_failed",
        context=context,
    )


def cancelled_send(*, subscription_id: str) -> int:
    subscription = _get(subscription_id)
    if not subscription.email:
        return 0
    return email_send(
        store=subscription.store,
        to=subscription.email,
        template="subscription_cancelled",
        context=_context(subscription),
    )

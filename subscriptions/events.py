"""What subscriptions tell the platform: ``subscription.renewed``,
``subscription.payment_failed`` and ``subscription.cancelled``, each with the subscription in
its private API shape (``GET /v3/private/subscriptions/{id}``) and, for a renewal, the
order it placed (``orderId``)."""

from __future__ import annotations

from core.events import event_publish
from core.money import DEFAULT_LOCALE

from .models import Subscription
from .serializers import PrivateSubscriptionSerializer

EVENT_TYPES = (
    "subscription.renewed",
    "subscription.payment_failed",
    "subscription.cancelled",
)


def subscription_payload(subscription: Subscription) -> dict:
    locale = subscription.store.locale if subscription.store_id else DEFAULT_LOCALE
    return dict(
        PrivateSubscriptionSerializer(subscription, context={"locale": locale}).data
    )


def subscription_event(subscription: Subscription, type: str, **extra) -> None:
    """Publish ``type`` in the subscription's key mode (inside the caller's transaction)."""
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown subscription event {type!r}")
    event_publish(
        store=subscription.store,
        mode=subscription.mode,
        type=type,
        data={**subscription_payload(subscription), **extra},
    )

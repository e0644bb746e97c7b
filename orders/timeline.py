"""The order timeline: who changed what on an order, and when.

Every order service records one :class:`~orders.models.OrderEvent` per state change with
:func:`order_event_add`, inside the transaction of the change. ``actor`` says who: a
dashboard user, an API key (by its display prefix) or the system (the payment gateway's
webhook, the reservation timeout). Views build it with :func:`actor_from_request`.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.models import ApiKey

from .models import Order, OrderEvent


@dataclass(frozen=True)
class Actor:
    """Who performs an order operation."""

    type: str
    label: str
    user_id: int | None = None
    api_key_id: str | None = None

    @classmethod
    def system(cls, label: str = "System") -> Actor:
        return cls(type=OrderEvent.ActorType.SYSTEM, label=label)

    @classmethod
    def for_user(cls, user) -> Actor:
        label = (getattr(user, "email", "") or user.get_username())[:150]
        return cls(type=OrderEvent.ActorType.USER, label=label, user_id=user.pk)

    @classmethod
    def for_api_key(cls, key) -> Actor:
        return cls(
            type=OrderEvent.ActorType.API_KEY,
            label=f"{key.display_prefix}…"[:150],
            api_key_id=key.pk,
        )


SYSTEM = Actor.system()


def actor_from_request(request) -> Actor:
    """The API key of an API request, else the logged-in dashboard user, else the system."""
    key = getattr(request, "auth", None)
    if isinstance(key, ApiKey):
        return Actor.for_api_key(key)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor.for_user(user)
    return SYSTEM


def order_event_add(
    *,
    order: Order,
    type: str,
    message: str,
    actor: Actor | None = None,
    data: dict | None = None,
) -> OrderEvent:
    """Append one entry to the order's timeline (in the caller's transaction)."""
    actor = actor or SYSTEM
    return OrderEvent.objects.create(
        order=order,
        type=type,
        message=message[:500],
        data=data or {},
        actor_type=actor.type,
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        actor_label=actor.label,
    )

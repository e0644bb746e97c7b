"""What orders tell the rest of the platform: ``order.created``, ``order.paid``,
``order.fulfilled``, ``order.refunded``, ``order.cancelled`` and ``order.updated``, each with
the order in its private API shape (``GET /v3/private/orders/{order}``)."""

from __future__ import annotations

from core.events import event_publish
from core.money import DEFAULT_LOCALE

from .models import Order
from .serializers import PrivateOrderDetailSerializer


def order_payload(order: Order) -> dict:
    """The private representation of ``order``: the same object as
    ``GET /v3/private/orders/{order}`` (:class:`PrivateOrderDetailSerializer`)."""
    locale = order.store.locale if order.store_id else DEFAULT_LOCALE
    return PrivateOrderDetailSerializer(order, context={"locale": locale}).data


def order_event(order: Order, type: str) -> None:
    """Publish ``type`` for ``order`` in the order's key mode."""
    event_publish(
        store=order.store, mode=order.mode, type=type, data=order_payload(order)
    )

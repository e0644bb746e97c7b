"""What orders tell the rest of the platform: ``order.created``, ``order.paid``,
``order.fulfilled``, ``order.refunded``, ``order.cancelled`` and ``order.updated``, each with
the order in its private API shape (``GET /v3/private/orders/{order}``)."""

from __future__ import annotations

import copy

from core.events import event_publish
from core.money import DEFAULT_LOCALE

from .models import Order
from .serializers import PrivateOrderDetailSerializer
from .services.numbering import (
    NUMBER_PLACEHOLDER,
    number_fill,
    order_number_pending,
    when_numbered,
)


def order_payload(order: Order) -> dict:
    """The private representation of ``order``: the same object as
    ``GET /v3/private/orders/{order}`` (:class:`PrivateOrderDetailSerializer`).

    An order that gets its number at the end of the transaction
    (``services.numbering.order_numbers_last``) shows the number's placeholder wherever
    the number goes (``orderNumber``, the bank transfer reference, the timeline)."""
    locale = order.store.locale if order.store_id else DEFAULT_LOCALE
    if order_number_pending(order):
        order = copy.copy(order)
        order.order_number = NUMBER_PLACEHOLDER
    return PrivateOrderDetailSerializer(order, context={"locale": locale}).data


def order_event(order: Order, type: str) -> None:
    """Publish ``type`` for ``order`` in the order's key mode.

    The payload is the order as it is now; when its number is taken at the end of the
    transaction (checkout), the event is published then, with the number filled in, so
    that building the payload does not hold the store's order-number counter."""
    payload = order_payload(order)
    store, mode = order.store, order.mode
    when_numbered(
        order,
        lambda number: event_publish(
            store=store, mode=mode, type=type, data=number_fill(payload, number)
        ),
    )

"""What orders tell the rest of the platform: ``order.created``, ``order.paid``,
``order.fulfilled``, ``order.refunded``, ``order.cancelled`` and ``order.updated``, each with
the order in its private API shape (``GET /v3/private/orders/{order}``)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import prefetch_related_objects

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

#: The order's rows its payload lists that checkout's record step leaves alone between
#: ``order.created`` and ``order.paid`` (the timeline and the order's own fields change).
SHARED_RELATIONS = ("items", "refunds", "fulfillments")
#: The events whose payloads may share them (:func:`order_rows_shared`).
SHARING_EVENTS = ("order.created", "order.paid")


class _Shared:
    def __init__(self, order_pk):
        self.order_pk = order_pk
        self.rows: dict | None = None


_shared: ContextVar[_Shared | None] = ContextVar("order_rows_shared", default=None)


@contextmanager
def order_rows_shared(order: Order) -> Iterator[None]:
    """Inside the block, the ``order.created`` and ``order.paid`` payloads of ``order``
    read its lines, refunds and fulfilments once (three queries fewer when both are
    built). The caller guarantees that the block changes none of those rows between the
    two events (checkout's record step: placed, then the payment recorded); the timeline
    and the order's own fields are read afresh for each payload, and other events' payloads
    read everything afresh. Nothing is cached on ``order`` itself."""
    token = _shared.set(_Shared(order.pk))
    try:
        yield
    finally:
        _shared.reset(token)


def _with_shared_rows(order: Order) -> Order:
    """A copy of ``order`` whose shared relations are the block's (fetched on the first
    payload built in it), for :func:`order_payload` inside :func:`order_rows_shared`."""
    state = _shared.get()
    shown = copy.copy(order)
    shown._prefetched_objects_cache = dict(
        getattr(order, "_prefetched_objects_cache", {})
    )
    if state.rows is None:
        prefetch_related_objects([shown], *SHARED_RELATIONS)
        state.rows = {
            name: shown._prefetched_objects_cache[name] for name in SHARED_RELATIONS
        }
    else:
        shown._prefetched_objects_cache.update(state.rows)
    return shown


def _sharing(order: Order, type: str | None) -> bool:
    state = _shared.get()
    return (
        state is not None
        and type in SHARING_EVENTS
        and order.pk is not None
        and state.order_pk == order.pk
    )


def order_payload(order: Order, *, type: str | None = None) -> dict:
    """The private representation of ``order``: the same object as
    ``GET /v3/private/orders/{order}`` (:class:`PrivateOrderDetailSerializer`).

    An order that gets its number at the end of the transaction
    (``services.numbering.order_numbers_last``) shows the number's placeholder wherever
    the number goes (``orderNumber``, the bank transfer reference, the timeline).

    ``type``: the event the payload is for; ``order.created`` and ``order.paid`` share
    the rows of :func:`order_rows_shared` when built inside it."""
    locale = order.store.locale if order.store_id else DEFAULT_LOCALE
    if _sharing(order, type):
        order = _with_shared_rows(order)
    if order_number_pending(order):
        order = copy.copy(order)
        order.order_number = NUMBER_PLACEHOLDER
    return PrivateOrderDetailSerializer(order, context={"locale": locale}).data


def order_event(order: Order, type: str) -> None:
    """Publish ``type`` for ``order`` in the order's key mode.

    The payload is the order as it is now; when its number is taken at the end of the
    transaction (checkout), the event is published then, with the number filled in, so
    that building the payload does not hold the store's order-number counter."""
    payload = order_payload(order, type=type)
    store, mode = order.store, order.mode
    when_numbered(
        order,
        lambda number: event_publish(
            store=store, mode=mode, type=type, data=number_fill(payload, number)
        ),
    )

"""Placement: a cart that checkout turned into an order is recorded as placed.

The checkout flow itself (lock the cart, price it, reserve stock, redeem the discount, pay)
is ``carts.checkout``, above orders: it calls these services for the order's side.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.exceptions import Conflict

from .. import events
from ..locks import copy_state, order_lock
from ..models import Order, OrderEvent
from ..timeline import Actor, order_event_add
from .helpers import money_text, order_label
from .numbering import NUMBER_PLACEHOLDER, number_fill, when_numbered

PLACED_BY = Actor.system("Checkout")


def order_placed_record(
    *, order: Order, actor: Actor | None = None, locked: bool = False
) -> Order:
    """Record that a cart has become an order: the timeline's "placed" entry and the
    ``order.created`` webhook event, once per order (a second call changes nothing).

    Checkout calls it inside its transaction, once the order has its lines and totals, and
    before its number (``numbering.order_numbers_last``): the entry and the payload name the
    number's placeholder until then (``placed_at`` is set to now when missing).

    ``locked``: the caller holds the order's row lock in its transaction and ``order`` was
    read under it (checkout's record step), so it is neither locked nor read again.
    """
    if locked:
        return _placed_record(order, actor)
    with transaction.atomic():
        return copy_state(order, _placed_record(order_lock(order), actor))


def _placed_record(locked: Order, actor: Actor | None) -> Order:
    """:func:`order_placed_record` on the row the caller has locked."""
    if locked.type != Order.Type.ORDER:
        raise Conflict(
            "Only a placed order can be recorded as placed.", code="not_an_order"
        )
    if OrderEvent.objects.filter(order=locked, type=OrderEvent.Type.PLACED).exists():
        return locked
    if locked.placed_at is None:
        locked.placed_at = timezone.now()
        locked.save(update_fields=["placed_at", "updated_at"])
    who = f" by {locked.email}" if locked.email else ""
    entry = order_event_add(
        order=locked,
        type=OrderEvent.Type.PLACED,
        message=f"Order {order_label(locked)} placed{who}: {money_text(locked, locked.total_amount)}",
        actor=actor or PLACED_BY,
        data={"total": locked.total_amount, "payment_method": locked.payment_method},
    )
    if NUMBER_PLACEHOLDER in entry.message:
        # Numbered at the end of the transaction (checkout): name it by its number then.
        when_numbered(
            locked,
            lambda number: OrderEvent.objects.filter(pk=entry.pk).update(
                message=number_fill(entry.message, number)
            ),
        )
    events.order_event(locked, "order.created")
    return locked

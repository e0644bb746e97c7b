"""Fulfilment: shipping all or some of a paid order's units, with tracking."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.exceptions import Conflict
from core.outbox import enqueue

from .. import events
from ..locks import copy_state, order_lock
from ..models import Fulfillment, FulfillmentLine, Order, OrderEvent, OrderItem
from ..timeline import Actor, order_event_add
from .helpers import (
    fulfillment_status_of,
    refuse_unless_paid,
    requested_units,
    unshipped,
)


@transaction.atomic
def order_fulfill(
    *,
    order: Order,
    items: list[dict] | None = None,
    tracking_number: str = "",
    tracking_url: str = "",
    carrier: str = "",
    notify_customer: bool = True,
    actor: Actor | None = None,
) -> Fulfillment:
    """Ship ``items`` ([{id, quantity}]) or, without them, every unit left to ship.

    ``fulfillment_status`` becomes fulfilled (``fulfilled_at`` set) once no line has units
    left to ship (units refunded before shipping do not count), else partial. Records
    ``order.fulfilled`` for every fulfilment and emails the customer unless
    ``notify_customer`` is false.
    """
    locked = order_lock(order)
    refuse_unless_paid(locked, action="fulfilled")
    if locked.fulfillment_status == Order.FulfillmentStatus.FULFILLED:
        raise Conflict(
            "This order is already fulfilled.", code="order_already_fulfilled"
        )
    lines = list(OrderItem.objects.filter(order=locked).order_by("created_at", "id"))
    available = {line.pk: unshipped(line) for line in lines}
    if items:
        wanted = requested_units(
            items=items, lines=lines, available=available, verb="fulfil"
        )
    else:
        wanted = {pk: n for pk, n in available.items() if n > 0}
    if not wanted:
        raise Conflict(
            "Nothing is left to ship on this order.", code="nothing_to_fulfill"
        )
    fulfillment = Fulfillment.objects.create(
        order=locked,
        tracking_number=tracking_number or "",
        tracking_url=tracking_url or "",
        carrier=carrier or "",
        notify_customer=notify_customer,
        created_by=(actor.label if actor else ""),
    )
    for line in lines:
        quantity = wanted.get(line.pk)
        if not quantity:
            continue
        FulfillmentLine.objects.create(
            fulfillment=fulfillment, item=line, quantity=quantity
        )
        OrderItem.objects.filter(pk=line.pk).update(
            quantity_fulfilled=F("quantity_fulfilled") + quantity
        )
        line.quantity_fulfilled += quantity
    locked.fulfillment_status = fulfillment_status_of(lines)
    if locked.fulfillment_status == Order.FulfillmentStatus.FULFILLED:
        locked.fulfilled_at = timezone.now()
    locked.save(update_fields=["fulfillment_status", "fulfilled_at", "updated_at"])
    units = sum(wanted.values())
    tracking = ", ".join(filter(None, [carrier, tracking_number]))
    message = (
        f"{'Fulfilled' if locked.fulfilled_at else 'Partially fulfilled'}: "
        f"{units} unit{'s' if units != 1 else ''} shipped"
        + (f" ({tracking})" if tracking else "")
    )
    order_event_add(
        order=locked,
        type=OrderEvent.Type.FULFILLED,
        message=message,
        actor=actor,
        data={
            "fulfillment_id": fulfillment.pk,
            "items": [{"id": pk, "quantity": n} for pk, n in wanted.items()],
            "tracking_number": tracking_number or None,
            "tracking_url": tracking_url or None,
            "carrier": carrier or None,
            "fulfillment_status": locked.fulfillment_status,
        },
    )
    events.order_event(locked, "order.fulfilled")
    if notify_customer and locked.email:
        enqueue("orders.tasks.order_fulfillment_email", fulfillment.pk)
    copy_state(order, locked)
    return fulfillment

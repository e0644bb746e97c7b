"""Changes a merchant makes to a placed order: notes, metadata and addresses."""

from __future__ import annotations

from django.db import transaction

from core.api.casing import to_camel
from core.exceptions import Conflict

from .. import events
from ..locks import copy_state, order_lock
from ..models import Order, OrderEvent
from ..timeline import Actor, order_event_add


@transaction.atomic
def order_update(*, order: Order, data: dict, actor: Actor | None = None) -> Order:
    """Change ``internal_notes``, ``metadata`` (replaced whole), ``billing_address`` and
    ``shipping_address`` (validated addresses; the shipping one is refused with a 409 once any
    unit has shipped).

    Fields that do not change are left alone; when something changed, the timeline gets a
    "note" entry (notes) and/or an "updated" entry (the others) and ``order.updated`` is
    recorded.
    """
    locked = order_lock(order)
    changed: list[str] = []
    if (
        "shipping_address" in data
        and data["shipping_address"] != locked.shipping_address
    ):
        if locked.fulfillment_status != Order.FulfillmentStatus.UNFULFILLED:
            raise Conflict(
                "The shipping address cannot change once the order has (partly) shipped.",
                code="order_fulfilled",
                fields={"shipping_address": ["The order has already shipped."]},
            )
        locked.shipping_address = data["shipping_address"]
        changed.append("shipping_address")
    if "billing_address" in data and data["billing_address"] != locked.billing_address:
        locked.billing_address = data["billing_address"]
        changed.append("billing_address")
    if "metadata" in data and data["metadata"] != locked.metadata:
        locked.metadata = data["metadata"]
        changed.append("metadata")
    notes_changed = (
        "internal_notes" in data and data["internal_notes"] != locked.internal_notes
    )
    if notes_changed:
        locked.internal_notes = data["internal_notes"]
    if not changed and not notes_changed:
        return copy_state(order, locked)
    locked.save(
        update_fields=[
            *changed,
            *(["internal_notes"] if notes_changed else []),
            "updated_at",
        ]
    )
    if notes_changed:
        note = locked.internal_notes
        order_event_add(
            order=locked,
            type=OrderEvent.Type.NOTE,
            message=f"Internal notes: {note}" if note else "Internal notes cleared",
            actor=actor,
            data={"internal_notes": note},
        )
    if changed:
        names = {
            "shipping_address": "shipping address",
            "billing_address": "billing address",
            "metadata": "metadata",
        }
        order_event_add(
            order=locked,
            type=OrderEvent.Type.UPDATED,
            message="Updated " + " and ".join(names[name] for name in changed),
            actor=actor,
            data={"fields": [to_camel(name) for name in changed]},
        )
    events.order_event(locked, "order.updated")
    return copy_state(order, locked)

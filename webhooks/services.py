"""Writes for the event log and webhook endpoints."""

from __future__ import annotations

from django.db import transaction

from core.api.casing import camelize_payload

from .models import Event

EVENT_TYPES = (
    "order.created",
    "order.paid",
    "order.fulfilled",
    "order.refunded",
    "order.cancelled",
    "order.updated",
    "product.created",
    "product.updated",
    "product.deleted",
    "inventory.low",
    "customer.created",
    "customer.updated",
    "review.created",
    "conversation.message_created",
)


def event_record(*, store, type: str, data: dict, mode: str = "test") -> Event:
    """Record an event in the caller's transaction (the outbox row) and queue its delivery
    for after commit. ``data`` is the object's private API representation (snake_case keys
    from a serializer are camelised here)."""
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {type!r}")
    event = Event.objects.create(store=store, type=type, data=camelize_payload(data), mode=mode)
    transaction.on_commit(lambda: _dispatch(event.pk))
    return event


def _dispatch(event_id: str) -> None:
    """Hand the event to delivery. Replaced by the webhooks delivery pipeline."""
    from . import tasks

    dispatch = getattr(tasks, "event_dispatch", None)
    if dispatch is not None:
        dispatch.delay(event_id)

"""Reads for webhook endpoints, their deliveries and the event log."""

from __future__ import annotations

from django.db.models import QuerySet

from core.exceptions import NotFound

from .models import Delivery, Event, WebhookEndpoint


def webhook_endpoint_list(*, store, mode: str) -> QuerySet[WebhookEndpoint]:
    """The store's endpoints of the key mode, newest first."""
    return WebhookEndpoint.objects.filter(store=store, mode=mode).order_by(
        "-created_at", "-id"
    )


def webhook_endpoint_get(*, store, mode: str, endpoint_id: str) -> WebhookEndpoint:
    """One endpoint of the store in the key mode; the other mode's is a 404."""
    endpoint = WebhookEndpoint.objects.filter(
        store=store, mode=mode, pk=endpoint_id
    ).first()
    if endpoint is None:
        raise NotFound("Webhook not found.")
    return endpoint


def delivery_list(
    *, endpoint: WebhookEndpoint, filters: dict | None = None
) -> QuerySet[Delivery]:
    """Every attempt for the endpoint, newest first, with its event."""
    filters = filters or {}
    queryset = Delivery.objects.filter(endpoint=endpoint).select_related("event")
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("event"):
        queryset = queryset.filter(event_id=filters["event"])
    return queryset.order_by("-created_at", "-attempt")


def event_list(*, store, mode: str) -> QuerySet[Event]:
    """The store's event log in the key mode, newest first (a test key lists test-mode
    events only); the API filters it with ``webhooks.filters.EventFilter``."""
    return Event.objects.filter(store=store, mode=mode).order_by("-created_at", "-id")

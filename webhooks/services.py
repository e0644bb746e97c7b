"""Writes for the event log, webhook endpoints and their deliveries.

The pipeline, end to end:

1. ``event_record`` writes the :class:`Event` row in the caller's transaction (the outbox)
   and, on commit, queues ``tasks.event_dispatch``.
2. ``event_fan_out`` (that task) creates one pending :class:`Delivery` per active endpoint
   subscribed to the type, marks the event dispatched, and on commit queues one
   ``tasks.delivery_attempt`` per delivery.
3. ``delivery_attempt`` claims a due pending delivery, POSTs the signed payload, and records
   the outcome; a failure schedules the next attempt as a new row (exponential backoff with
   jitter, for up to 3 days); an endpoint failing every attempt for 3 days is disabled and
   the merchant emailed.
4. ``webhooks_sweep`` (every minute) re-queues events never dispatched, deliveries whose
   time has come, and attempts a dead worker left half-done. A broker outage only delays.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from core.api.renderers import wire_data
from core.emails import email_send
from core.exceptions import Conflict, NotFound, ValidationFailed, field_error
from core.links import server_base_url
from core.models import StoreMembership
from core.outbox import backoff, enqueue, publish

from . import net, signing
from .models import Delivery, Event, WebhookEndpoint

logger = logging.getLogger(__name__)

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
    "subscription.renewed",
    "subscription.payment_failed",
    "subscription.cancelled",
)

#: Failed deliveries are retried for this long after their first attempt; an endpoint that
#: fails every attempt for this long is disabled.
RETRY_WINDOW = timedelta(days=3)
#: Backoff: 1 min after the first failure, doubling, capped at 8 h, each ±20 % jitter.
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 8 * 3600
RETRY_JITTER = 0.2
#: The sweeper leaves fresh events to their on-commit task for this long.
DISPATCH_GRACE = timedelta(minutes=1)
#: A queued delivery not started after this long, or an attempt stuck "sending" this long
#: (its worker died), is queued again.
STALE_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500
#: At most this many attempts to one endpoint run at once; another waits ``BUSY_RETRY``.
MAX_IN_FLIGHT_PER_ENDPOINT = 2
BUSY_RETRY = timedelta(seconds=5)
#: While an endpoint is failing, a new event's first attempt waits this long after the last
#: attempt (a circuit breaker: a dead receiver does not hold a worker per event).
CIRCUIT_COOLDOWN = timedelta(minutes=1)
MAX_ENDPOINTS_PER_STORE = 20
RESPONSE_EXCERPT_CHARS = 2000
USER_AGENT = "Shoprocket-Webhooks/1.0"
#: The tasks this module queues, by name (``tasks`` imports this module, not the reverse).
EVENT_DISPATCH = "webhooks.tasks.event_dispatch"
DELIVERY_ATTEMPT = "webhooks.tasks.delivery_attempt"

_random = random.Random()


# -- Recording events (the outbox) -----------------------------------------------------------


def event_record(*, store, type: str, data: dict, mode: str = "test") -> Event:
    """Record an event in the caller's transaction (the outbox row) and queue its delivery
    for after commit. ``data`` is the object's private API representation (snake_case keys
    from a serializer are camelised here)."""
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {type!r}")
    payload = wire_data(data)
    event = Event.objects.create(store=store, type=type, data=payload, mode=mode)
    transaction.on_commit(lambda: _dispatch(event.pk))
    return event


def event_published(*, store, mode: str, type: str, data: dict, **kwargs) -> Event:
    """Receiver of ``core.events.event_published``: record the domain event as a webhook
    event (in the publisher's transaction)."""
    return event_record(store=store, type=type, data=data, mode=mode)


def _dispatch(event_id: str) -> None:
    """Hand the event to the broker; if the broker is down, the sweeper retries later."""
    _enqueue(EVENT_DISPATCH, event_id)


def _enqueue(task, object_id: str, *, breaker: bool = True) -> bool:
    """Hand ``task(object_id)`` to the broker (``core.outbox.publish``); False when it is
    down. Never raises: the rows are committed already and the sweeper re-queues whatever
    was not handed over."""
    return publish(task, object_id, breaker=breaker)


# -- Endpoints ------------------------------------------------------------------------------


def event_types_clean(events) -> list[str]:
    """Deduplicate the subscribed types; unknown ones are a 422 naming them."""
    cleaned = list(dict.fromkeys(events))
    if not cleaned:
        raise field_error("events", "Subscribe to at least one event type.")
    unknown = [e for e in cleaned if e not in EVENT_TYPES]
    if unknown:
        raise field_error(
            "events",
            f"Unknown event types: {', '.join(unknown)}. Valid types: {', '.join(EVENT_TYPES)}.",
        )
    return cleaned


def webhook_url_clean(url: str) -> str:
    """Refuse URLs that are not https or that resolve to a non-public address (422)."""
    url = (url or "").strip()
    try:
        net.target_for(url)
    except net.UnsafeUrl as exc:
        raise field_error("url", f"The url is not allowed: {exc}") from None
    return url


def webhook_endpoint_create(
    *, store, url: str, events: list[str], active: bool = True, mode: str = "test"
) -> WebhookEndpoint:
    """Register an endpoint with a fresh signing secret (returned once by the API). It
    receives the events of ``mode`` (the key's) only."""
    url = webhook_url_clean(url)
    events = event_types_clean(events)
    with transaction.atomic():
        if (
            WebhookEndpoint.objects.filter(store=store).count()
            >= MAX_ENDPOINTS_PER_STORE
        ):
            raise ValidationFailed(
                f"A store may have at most {MAX_ENDPOINTS_PER_STORE} webhook endpoints.",
                code="webhook_limit_reached",
            )
        endpoint = WebhookEndpoint(
            store=store,
            mode=mode,
            url=url,
            events=events,
            active=active,
            signing_secret=signing.secret_generate(),
        )
        endpoint.full_clean()
        endpoint.save()
    return endpoint


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, data: dict
) -> WebhookEndpoint:
    """Change url, events or active; re-activating clears the failure record."""
    url = (
        webhook_url_clean(data["url"]) if "url" in data else None
    )  # DNS: outside the lock
    events = event_types_clean(data["events"]) if "events" in data else None
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if url is not None:
            endpoint.url = url
        if events is not None:
            endpoint.events = events
        if "active" in data:
            if data["active"] and not endpoint.active:
                endpoint.failing_since = None
                endpoint.disabled_at = None
                endpoint.disabled_reason = ""
            endpoint.active = data["active"]
        endpoint.full_clean()
        endpoint.save()
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its delivery log."""
    endpoint.delete()


# -- Fan-out ---------------------------------------------------------------------------------


def event_fan_out(*, event_id: str, now: datetime | None = None) -> list[str]:
    """Create a pending delivery per subscribed active endpoint of the event's mode and
    mark the event dispatched.

    Idempotent: an event already dispatched (by the on-commit task or the sweeper) is left
    alone. Endpoints registered after the event was recorded do not receive it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.dispatched_at is not None:
            return []
        endpoints = WebhookEndpoint.objects.filter(
            store_id=event.store_id,
            mode=event.mode,
            active=True,
            created_at__lte=event.created_at,
        )
        deliveries = [
            Delivery(
                store_id=event.store_id,
                endpoint=endpoint,
                event=event,
                attempt=1,
                scheduled_at=now,
            )
            for endpoint in endpoints
            if event.type in (endpoint.events or [])
        ]
        Delivery.objects.bulk_create(deliveries)
        event.dispatched_at = now
        event.save(update_fields=["dispatched_at", "updated_at"])
        ids = [d.pk for d in deliveries]
        if ids:
            transaction.on_commit(lambda: deliveries_queue(delivery_ids=ids))
    return ids


def deliveries_queue(
    *, delivery_ids: list[str], now: datetime | None = None, breaker: bool = True
) -> int:
    """Hand deliveries to the broker, noting when; returns how many were accepted."""
    now = now or timezone.now()
    queued = 0
    for delivery_id in delivery_ids:
        Delivery.objects.filter(pk=delivery_id).update(queued_at=now)
        if _enqueue(DELIVERY_ATTEMPT, delivery_id, breaker=breaker):
            queued += 1
        else:
            Delivery.objects.filter(
                pk=delivery_id, status=Delivery.Status.PENDING
            ).update(queued_at=None)
    return queued


# -- One attempt -----------------------------------------------------------------------------


def retry_delay(attempt: int, *, rand=None) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based).

    ``60 s × 2^(attempt-1)``, capped at 8 h, times a random factor in [0.8, 1.2] so that
    endpoints recovering from an outage are not hit by every retry at once.
    """
    return backoff(
        attempt,
        base=RETRY_BASE_SECONDS,
        cap=RETRY_MAX_SECONDS,
        jitter=RETRY_JITTER,
        rand=rand if rand is not None else _random.random,
    )


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def delivery_payload(event: Event) -> bytes:
    """The JSON body of every delivery of ``event`` (the bytes that are signed)."""
    payload = {
        "id": event.pk,
        "type": event.type,
        "createdAt": _timestamp(event.created_at),
        "mode": event.mode,
        "data": event.data,
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def delivery_headers(
    *, delivery: Delivery, body: bytes, now: datetime
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Shoprocket-Event": delivery.event.type,
        "Shoprocket-Delivery": delivery.pk,
        signing.SIGNATURE_HEADER: signing.signature_header(
            secret=delivery.endpoint.signing_secret,
            timestamp=int(now.timestamp()),
            body=body,
        ),
    }


def delivery_attempt(
    *, delivery_id: str, now: datetime | None = None
) -> Delivery | None:
    """Make one attempt if the delivery is pending, due and its endpoint active.

    Returns the delivery with its outcome, or None when there was nothing to do (already
    attempted by another worker, not due yet, endpoint inactive, deleted).
    """
    now = now or timezone.now()
    if not _claim(delivery_id=delivery_id, now=now):
        return None
    delivery = Delivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    if delivery.retry_until is None:
        delivery.retry_until = now + RETRY_WINDOW
    body = delivery_payload(delivery.event)
    headers = delivery_headers(delivery=delivery, body=body, now=now)
    result = net.post_json(delivery.endpoint.url, body, headers)
    return _attempt_record(delivery=delivery, result=result, now=now)


def _claim(*, delivery_id: str, now: datetime) -> bool:
    """Take a due pending delivery (``sending``), unless its endpoint may not have it now:
    then the attempt is deferred (re-queued for later) so it holds no worker meanwhile.

    Locking the endpoint row makes the check and the claim one step, so the per-endpoint cap
    holds with many workers.
    """
    with transaction.atomic():
        due = Delivery.objects.filter(
            pk=delivery_id,
            status=Delivery.Status.PENDING,
            scheduled_at__lte=now,
            endpoint__active=True,
        )
        delivery = due.only("pk", "endpoint_id", "attempt", "manual").first()
        if delivery is None:
            return False
        endpoint = WebhookEndpoint.objects.select_for_update().get(
            pk=delivery.endpoint_id
        )
        wait_until = _endpoint_busy_until(endpoint, delivery=delivery, now=now)
        if wait_until is not None:
            due.update(scheduled_at=wait_until, queued_at=None)
            transaction.on_commit(lambda: _defer(delivery_id, wait_until))
            return False
        return bool(due.update(status=Delivery.Status.SENDING, started_at=now))


def _endpoint_busy_until(
    endpoint: WebhookEndpoint, *, delivery: Delivery, now: datetime
) -> datetime | None:
    """When the endpoint may take this attempt, if not now.

    - A circuit breaker: while an endpoint is failing, a new event's first attempt waits
      until ``CIRCUIT_COOLDOWN`` after its last attempt, so a dead or hanging receiver costs
      one attempt a minute, not one per event (retries keep their own backoff; a
      merchant's manual retry goes at once).
    - A cap: at most ``MAX_IN_FLIGHT_PER_ENDPOINT`` attempts to one endpoint at once, so one
      slow receiver cannot take every webhook worker.
    """
    if (
        delivery.attempt == 1
        and not delivery.manual
        and endpoint.failing_since is not None
        and endpoint.last_delivery_at is not None
        and now < endpoint.last_delivery_at + CIRCUIT_COOLDOWN
    ):
        return endpoint.last_delivery_at + CIRCUIT_COOLDOWN
    in_flight = Delivery.objects.filter(
        endpoint=endpoint,
        status=Delivery.Status.SENDING,
        started_at__gt=now - STALE_AFTER,
    ).count()
    if in_flight >= MAX_IN_FLIGHT_PER_ENDPOINT:
        return now + BUSY_RETRY
    return None


def _defer(delivery_id: str, until: datetime) -> None:
    """Queue the attempt again for ``until`` (the sweeper does it if the broker is down)."""
    now = timezone.now()
    countdown = max((until - now).total_seconds(), 0)
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        queued_at=now
    )
    if not publish(DELIVERY_ATTEMPT, delivery_id, countdown=countdown):
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
            queued_at=None
        )


def _attempt_record(
    *, delivery: Delivery, result: net.PostResult, now: datetime
) -> Delivery | None:
    """Store the attempt's outcome; on failure schedule the next one or give up."""
    disabled = False
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.select_for_update()
            .filter(pk=delivery.endpoint_id)
            .first()
        )
        if endpoint is None:  # deleted while we were sending: its log went with it
            return None
        delivery.status_code = result.status_code
        delivery.duration_ms = result.duration_ms
        delivery.response_excerpt = result.body_excerpt[:RESPONSE_EXCERPT_CHARS]
        delivery.error = result.error[:500]
        delivery.finished_at = now + timedelta(milliseconds=result.duration_ms)
        endpoint.last_delivery_at = delivery.finished_at
        if result.ok:
            delivery.status = Delivery.Status.SUCCEEDED
            endpoint.failing_since = None
        else:
            delivery.status = Delivery.Status.FAILED
            if not delivery.error:
                delivery.error = f"Non-2xx response: HTTP {result.status_code}."
            if endpoint.failing_since is None:
                endpoint.failing_since = now
            if endpoint.active and now - endpoint.failing_since >= RETRY_WINDOW:
                endpoint.active = False
                endpoint.disabled_at = now
                endpoint.disabled_reason = "Every delivery attempt failed for 3 days."
                disabled = True
            elif endpoint.active and now < delivery.retry_until:
                next_at = min(now + retry_delay(delivery.attempt), delivery.retry_until)
                delivery.next_retry_at = next_at
                Delivery.objects.create(
                    store_id=delivery.store_id,
                    endpoint=endpoint,
                    event_id=delivery.event_id,
                    attempt=_next_attempt_number(endpoint, delivery.event_id),
                    scheduled_at=next_at,
                    retry_until=delivery.retry_until,
                )
        delivery.save()
        endpoint.save(
            update_fields=[
                "last_delivery_at",
                "failing_since",
                "active",
                "disabled_at",
                "disabled_reason",
                "updated_at",
            ]
        )
        if disabled:
            enqueue("webhooks.tasks.webhook_disabled_notify", endpoint.pk)
    return delivery


def _next_attempt_number(endpoint: WebhookEndpoint, event_id: str) -> int:
    last = Delivery.objects.filter(endpoint=endpoint, event_id=event_id).aggregate(
        n=Max("attempt")
    )["n"]
    return (last or 0) + 1


def delivery_retry(
    *, endpoint: WebhookEndpoint, delivery_id: str, now: datetime | None = None
) -> Delivery:
    """Attempt the delivery's event again now, as the merchant asked.

    A pending attempt for the same event is brought forward; otherwise a new attempt is
    created. It keeps the original retry window: within it, a failure is retried
    automatically; after it, this is a single attempt.
    """
    now = now or timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        original = Delivery.objects.filter(endpoint=endpoint, pk=delivery_id).first()
        if original is None:
            raise NotFound("Delivery not found.")
        if not endpoint.active:
            raise Conflict(
                "The webhook is inactive; activate it before retrying deliveries.",
                code="webhook_inactive",
            )
        target = (
            Delivery.objects.filter(
                endpoint=endpoint,
                event_id=original.event_id,
                status=Delivery.Status.PENDING,
            )
            .order_by("-attempt")
            .first()
        )
        if target is not None:
            target.scheduled_at = now
            target.manual = True
            target.save(update_fields=["scheduled_at", "manual", "updated_at"])
        else:
            target = Delivery.objects.create(
                store_id=endpoint.store_id,
                endpoint=endpoint,
                event_id=original.event_id,
                attempt=_next_attempt_number(endpoint, original.event_id),
                manual=True,
                scheduled_at=now,
                retry_until=original.retry_until,
            )
        target_id = target.pk
        transaction.on_commit(lambda: deliveries_queue(delivery_ids=[target_id]))
    return target


# -- The sweeper -----------------------------------------------------------------------------


def webhooks_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Re-queue what the broker never got: undispatched events and due deliveries."""
    now = now or timezone.now()
    reset = Delivery.objects.filter(
        status=Delivery.Status.SENDING, started_at__lte=now - STALE_AFTER
    ).update(status=Delivery.Status.PENDING, queued_at=None)
    event_ids = list(
        Event.objects.filter(
            dispatched_at__isnull=True, created_at__lte=now - DISPATCH_GRACE
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    events = sum(
        _enqueue(EVENT_DISPATCH, event_id, breaker=False) for event_id in event_ids
    )
    due_ids = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, scheduled_at__lte=now, endpoint__active=True
        )
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=now - STALE_AFTER))
        .order_by("scheduled_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    deliveries = deliveries_queue(delivery_ids=due_ids, now=now, breaker=False)
    return {"events": events, "deliveries": deliveries, "reset": reset}


# -- Emails ----------------------------------------------------------------------------------


def webhook_disabled_email_send(*, endpoint_id: str) -> int:
    """Tell the merchant that an endpoint was disabled after failing for 3 days."""

    endpoint = (
        WebhookEndpoint.objects.select_related("store").filter(pk=endpoint_id).first()
    )
    if endpoint is None or endpoint.active:
        return 0
    store = endpoint.store
    recipients = (
        [store.notification_email]
        if store.notification_email
        else list(
            StoreMembership.objects.filter(store=store, role=StoreMembership.Role.OWNER)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    if not recipients:
        return 0
    last = (
        endpoint.deliveries.filter(status=Delivery.Status.FAILED)
        .order_by("-created_at")
        .first()
    )
    return email_send(
        store=store,
        to=recipients,
        template="webhook_disabled",
        context={
            "endpoint": endpoint,
            "last_delivery": last,
            "dashboard_url": f"{server_base_url()}/admin/webhooks/"
            f"webhookendpoint/{endpoint.pk}/change/",
        },
    )

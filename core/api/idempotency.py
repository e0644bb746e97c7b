"""``Idempotency-Key``: the same key and body within 24 h replays the first response.

A different body under the same key is a 422; a duplicate while the first is still running is
a 409. Responses of 5xx are not kept, so the client can retry them with the same key.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from core.exceptions import Conflict, ValidationFailed
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("Content-Type", "Location")


class IdempotentReplay(Exception):
    def __init__(self, record: IdempotencyKey):
        self.record = record

    def response(self) -> HttpResponse:
        response = HttpResponse(
            self.record.response_body,
            status=self.record.response_status,
            content_type=self.record.response_headers.get(
                "Content-Type", "application/json"
            ),
        )
        for name, value in self.record.response_headers.items():
            if name != "Content-Type":
                response[name] = value
        response[REPLAYED_HEADER] = "true"
        return response


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    parts = [
        request.method,
        request.path,
        request.headers.get("X-Cart-Token", ""),
        body,
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def begin(request, *, store, mode: str) -> IdempotencyKey | None:
    """Claim the request's key in the store and the key's mode (test and live keys never
    share a record), or raise the replay / conflict it calls for."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255 or not key.isprintable():
        raise ValidationFailed(
            "The Idempotency-Key header must be 1 to 255 printable characters.",
            fields={HEADER: ["Must be 1 to 255 printable characters."]},
        )
    fingerprint = _fingerprint(request)
    now = timezone.now()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                store=store,
                mode=mode,
                key=key,
                fingerprint=fingerprint,
                created_at=now,
                locked_at=now,
            )
    except IntegrityError:
        pass
    existing = IdempotencyKey.objects.get(store=store, mode=mode, key=key)
    expired = existing.created_at < now - timedelta(
        hours=settings.IDEMPOTENCY_KEY_TTL_HOURS
    )
    abandoned = (
        existing.state == IdempotencyKey.State.IN_FLIGHT
        and existing.locked_at
        < now - timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS)
    )
    if expired or abandoned:
        taken = IdempotencyKey.objects.filter(
            pk=existing.pk, state=existing.state, locked_at=existing.locked_at
        ).update(
            fingerprint=fingerprint,
            state=IdempotencyKey.State.IN_FLIGHT,
            created_at=now,
            locked_at=now,
            response_status=None,
            response_body="",
            response_headers={},
        )
        if taken:
            existing.refresh_from_db()
            return existing
        existing.refresh_from_db()
    if existing.fingerprint != fingerprint:
        raise ValidationFailed(
            "This Idempotency-Key was already used with a different request.",
            code="idempotency_key_reused",
            fields={HEADER: ["Already used with a different request."]},
        )
    if existing.state == IdempotencyKey.State.IN_FLIGHT:
        raise Conflict(
            "A request with this Idempotency-Key is still in progress.",
            code="idempotency_in_flight",
        )
    raise IdempotentReplay(existing)


def complete(record: IdempotencyKey, response) -> None:
    """Keep the rendered response for replays, or release the key after a 5xx."""
    if response.status_code >= 500 or response.status_code == 429:
        IdempotencyKey.objects.filter(pk=record.pk).delete()
        return
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    headers = {
        name: response[name] for name in _KEPT_HEADERS if response.has_header(name)
    }
    IdempotencyKey.objects.filter(pk=record.pk).update(
        state=IdempotencyKey.State.COMPLETED,
        response_status=response.status_code,
        response_body=response.content.decode(response.charset or "utf-8"),
        response_headers=headers,
    )


def purge_expired() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted

"""The event log, written as a transactional outbox, and webhook endpoints with their deliveries.

Services record an :class:`Event` inside the same transaction as the change that caused it
(``webhooks.services.event_record``); after commit a task fans it out into one
:class:`Delivery` per subscribed endpoint, and a periodic sweeper picks up events that were
never handed to the broker and deliveries whose retry time has come.
"""

from __future__ import annotations

from django.db import models

from core.ids import PrefixedIdField
from core.models import Mode, StoreOwnedModel


class Event(StoreOwnedModel):
    id = PrefixedIdField("evt")
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.TEST)
    type = models.CharField(max_length=64, db_index=True)
    data = models.JSONField(
        help_text="The object in its private API shape (camelCase)."
    )
    dispatched_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When deliveries were queued."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store", "type", "-created_at"])]

    def __str__(self):
        return f"{self.type} {self.id}"


class WebhookEndpoint(StoreOwnedModel):
    """A merchant's HTTPS endpoint subscribed to some event types, in the key mode it was
    registered with: it receives only that mode's events (a test key never sees live data).

    The signing secret is kept in clear: it is a shared secret that must be read back to
    sign every delivery (see webhooks/README.md for why it is not encrypted at rest).
    """

    id = PrefixedIdField("whk")
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.TEST)
    url = models.CharField(max_length=2048)
    events = models.JSONField(default=list, help_text="Subscribed event types.")
    active = models.BooleanField(default=True)
    signing_secret = models.CharField(max_length=64, editable=False)
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="Start of the current run of failed attempts."
    )
    disabled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it was disabled after failing for 3 days.",
    )
    disabled_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "webhook endpoint"

    def __str__(self):
        return self.url


class Delivery(StoreOwnedModel):
    """One attempt at delivering one event to one endpoint.

    A failed attempt schedules the next one as a new row (``attempt + 1``) at
    ``next_retry_at``, so the log keeps every attempt.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = PrefixedIdField("dlv")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries"
    )
    attempt = models.PositiveIntegerField(default=1)
    manual = models.BooleanField(default=False, help_text="Requested by the merchant.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING
    )
    scheduled_at = models.DateTimeField(help_text="Not attempted before this time.")
    retry_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="End of the retry window (3 days after the first try).",
    )
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="Handed to the broker."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    next_retry_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the next attempt is scheduled, after a failure.",
    )

    class Meta:
        ordering = ["-created_at", "-attempt"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event", "attempt"], name="uniq_delivery_attempt"
            )
        ]
        indexes = [
            models.Index(fields=["status", "scheduled_at"]),
            models.Index(fields=["endpoint", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.event_id} → {self.endpoint_id} (attempt {self.attempt})"

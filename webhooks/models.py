"""The event log, written as a transactional outbox, and webhook endpoints.

Services record an :class:`Event` inside the same transaction as the change that caused it
(``webhooks.services.event_record``); delivery happens after commit and a periodic sweeper
picks up events that were never handed to the broker.
"""

from __future__ import annotations

from django.db import models

from core.ids import PrefixedIdField
from core.models import Mode, StoreOwnedModel


class Event(StoreOwnedModel):
    id = PrefixedIdField("evt")
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.TEST)
    type = models.CharField(max_length=64, db_index=True)
    data = models.JSONField(help_text="The object in its private API shape (camelCase).")
    dispatched_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When deliveries were queued."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store", "type", "-created_at"])]

    def __str__(self):
        return f"{self.type} {self.id}"

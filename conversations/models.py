"""Visitor conversations with the store inbox, and their messages (plain text)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.ids import PrefixedIdField
from core.models import BaseModel, Mode, StoreOwnedModel

MAX_MESSAGE_LENGTH = 4000


class Conversation(StoreOwnedModel):
    """A thread opened by one visitor (identified by their ``X-Cart-Token``)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    id = PrefixedIdField("conv")
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.TEST)
    visitor_token = models.CharField(max_length=128, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
    )
    subject = models.CharField(max_length=200, blank=True, default="")
    email = models.EmailField(
        blank=True, default="", help_text="Where seller replies are emailed."
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN
    )
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["store", "mode", "visitor_token", "status", "-created_at"]
            ),
            models.Index(fields=["store", "mode", "status", "-last_message_at"]),
        ]

    def __str__(self):
        return self.subject or f"Conversation {self.id}"


class Message(BaseModel):
    """One message; ``read_at`` is when the other party read it."""

    class Sender(models.TextChoices):
        VISITOR = "visitor", "Visitor"
        SELLER = "seller", "Seller"

    store_lookup = "conversation__store"

    id = PrefixedIdField("cmsg")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.CharField(max_length=16, choices=Sender.choices)
    body = models.TextField(max_length=MAX_MESSAGE_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The dashboard user who wrote a seller message.",
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "sender", "read_at"])]

    def __str__(self):
        return f"{self.sender}: {self.body[:60]}"

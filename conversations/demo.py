"""Demo data: one visitor conversation with a seller reply (idempotent)."""

from __future__ import annotations

from . import services
from .models import Conversation, Message

DEMO_TOKEN = "demo-visitor"


def seed(*, store) -> None:
    if Conversation.objects.filter(store=store, visitor_token=DEMO_TOKEN).exists():
        return
    conversation = services.conversation_start(
        store=store,
        mode="test",
        visitor_token=DEMO_TOKEN,
        subject="Question about shipping",
        initial_message="Do you ship to Norway?",
    )
    services.message_post(
        conversation=conversation,
        sender=Message.Sender.SELLER,
        body="Yes, 5-7 days by tracked post.",
    )

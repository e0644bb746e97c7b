"""What conversations tell the rest of the platform: ``conversation.message_created``."""

from __future__ import annotations

from core.events import event_publish

from .models import Conversation, Message
from .serializers import PrivateMessageSerializer


def message_created(*, conversation: Conversation, message: Message) -> None:
    event_publish(
        store=conversation.store,
        mode=conversation.mode,
        type="conversation.message_created",
        data=PrivateMessageSerializer(message).data,
    )

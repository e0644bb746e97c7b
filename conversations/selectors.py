"""Reads for conversations and their messages."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from core.exceptions import NotFound

from .models import Conversation, Message

_NOT_FOUND = "Conversation not found."


def _unread(sender: str) -> Count:
    return Count(
        "messages", filter=Q(messages__sender=sender, messages__read_at__isnull=True)
    )


def _visitor_conversations(
    *, store, mode: str, visitor_token: str
) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        store=store, mode=mode, visitor_token=visitor_token
    ).annotate(unread_count=_unread(Message.Sender.SELLER))


def conversation_current_get(*, store, mode: str, visitor_token: str) -> Conversation:
    """The visitor's most recent open conversation (404 when there is none)."""
    conversation = (
        _visitor_conversations(store=store, mode=mode, visitor_token=visitor_token)
        .filter(status=Conversation.Status.OPEN)
        .order_by("-created_at", "-id")
        .first()
    )
    if conversation is None:
        raise NotFound("No open conversation for this visitor.")
    return conversation


def conversation_get_for_visitor(
    *, store, mode: str, visitor_token: str, conversation_id: str
) -> Conversation:
    """One of the visitor's conversations; another token's (or store's) is a 404."""
    conversation = (
        _visitor_conversations(store=store, mode=mode, visitor_token=visitor_token)
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound(_NOT_FOUND)
    return conversation


def _seller_conversations(*, store, mode: str) -> QuerySet[Conversation]:
    return Conversation.objects.filter(store=store, mode=mode).annotate(
        unread_count=_unread(Message.Sender.VISITOR), message_count=Count("messages")
    )


def conversation_list(
    *, store, mode: str, filters: dict | None = None
) -> QuerySet[Conversation]:
    """The inbox: most recent activity first, with unread and message counts."""
    filters = filters or {}
    queryset = _seller_conversations(store=store, mode=mode)
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    return queryset.order_by(
        F("last_message_at").desc(nulls_last=True), "-created_at", "-id"
    )


def conversation_get(*, store, mode: str, conversation_id: str) -> Conversation:
    conversation = (
        _seller_conversations(store=store, mode=mode).filter(pk=conversation_id).first()
    )
    if conversation is None:
        raise NotFound(_NOT_FOUND)
    return conversation


def message_list(
    *, conversation: Conversation, after: str | None = None
) -> list[Message]:
    """Messages oldest first; with ``after``, only those after that message."""
    queryset = Message.objects.filter(conversation=conversation).order_by(
        "created_at", "id"
    )
    if after:
        anchor = Message.objects.filter(conversation=conversation, pk=after).first()
        if anchor is None:
            raise NotFound("Message not found in this conversation.")
        queryset = queryset.filter(
            Q(created_at__gt=anchor.created_at)
            | Q(created_at=anchor.created_at, id__gt=anchor.id)
        )
    return list(queryset)

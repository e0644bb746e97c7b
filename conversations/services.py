"""Writes for conversations: start, post, read, close; and the notification emails."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from core.emails import email_send
from core.exceptions import field_error
from core.links import server_base_url
from core.outbox import enqueue
from core.storefront import storefront_url

from . import events
from .models import MAX_MESSAGE_LENGTH, Conversation, Message

logger = logging.getLogger(__name__)


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise field_error("body", "The body field is required.")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise field_error(
            "body",
            f"Ensure this field has no more than {MAX_MESSAGE_LENGTH} characters.",
        )
    if "\x00" in body:
        raise field_error("body", "Null characters are not allowed.")
    return body


def conversation_start(
    *,
    store,
    mode: str,
    visitor_token: str,
    subject: str = "",
    initial_message: str | None = None,
    customer=None,
) -> Conversation:
    """Open a conversation for a visitor, posting ``initial_message`` if given. A signed-in
    customer's email is attached at once, so the seller's replies reach them."""
    with transaction.atomic():
        conversation = Conversation(
            store=store,
            mode=mode,
            visitor_token=visitor_token,
            subject=(subject or "").strip(),
            customer=customer,
            email=getattr(customer, "email", "") or "",
        )
        conversation.full_clean()
        conversation.save()
        if initial_message:
            message_post(
                conversation=conversation,
                sender=Message.Sender.VISITOR,
                body=initial_message,
            )
    return conversation


def conversation_email_set(*, conversation: Conversation, email: str) -> Conversation:
    """Attach the visitor's email so seller replies are emailed to them."""
    conversation.email = email.strip()
    conversation.full_clean(exclude=["customer"])
    conversation.save(update_fields=["email", "updated_at"])
    return conversation


def message_post(
    *, conversation: Conversation, sender: str, body: str, author=None
) -> Message:
    """Add a message (plain text), reopen a closed conversation, record the event and queue
    the notification email. Posting also marks the other side's messages read."""
    body = _clean_body(body)
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update()
            .select_related("store")
            .get(pk=conversation.pk)
        )
        message = Message(
            conversation=conversation, sender=sender, body=body, author=author
        )
        message.full_clean(exclude=["conversation", "author"])
        message.save()
        conversation.last_message_at = message.created_at
        conversation.status = Conversation.Status.OPEN
        conversation.save(update_fields=["last_message_at", "status", "updated_at"])
        _mark_read(conversation=conversation, reader=sender, now=message.created_at)
        events.message_created(conversation=conversation, message=message)
        enqueue("conversations.tasks.message_notify", message.pk)
    return message


def _mark_read(*, conversation: Conversation, reader: str, now) -> int:
    other = (
        Message.Sender.SELLER
        if reader == Message.Sender.VISITOR
        else Message.Sender.VISITOR
    )
    return Message.objects.filter(
        conversation=conversation, sender=other, read_at__isnull=True
    ).update(read_at=now)


def conversation_messages_read(*, conversation: Conversation, reader: str) -> int:
    """Mark the other side's messages read by ``reader`` (visitor or seller)."""
    return _mark_read(conversation=conversation, reader=reader, now=timezone.now())


def conversation_status_set(*, conversation: Conversation, status: str) -> Conversation:
    """Open or close a conversation."""
    if status not in Conversation.Status.values:
        raise field_error(
            "status", f"Must be one of: {', '.join(Conversation.Status.values)}."
        )
    Conversation.objects.filter(pk=conversation.pk).update(
        status=status, updated_at=timezone.now()
    )
    conversation.status = status
    return conversation


# -- Emails ----------------------------------------------------------------------------------


def message_notification_send(*, message_id: str) -> int:
    """Email the store about a visitor message, or the visitor about a seller reply."""
    message = (
        Message.objects.select_related("conversation__store")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return 0
    conversation = message.conversation
    store = conversation.store
    base = server_base_url()
    context = {"conversation": conversation, "message": message}
    if message.sender == Message.Sender.VISITOR:
        if not store.notification_email:
            return 0
        context["inbox_url"] = (
            f"{base}/admin/conversations/conversation/{conversation.pk}/change/"
        )
        return email_send(
            store=store,
            to=store.notification_email,
            template="conversation_visitor_message",
            context=context,
        )
    if not conversation.email:
        return 0
    context["storefront_url"] = storefront_url(store=store, mode=conversation.mode)
    return email_send(
        store=store,
        to=conversation.email,
        template="conversation_seller_reply",
        context=context,
    )

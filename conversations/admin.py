"""Dashboard inbox: open/closed conversations with unread counts, reply and close.

Message bodies are plain text: the thread is rendered with ``format_html``, which escapes
every value, and line breaks are kept with CSS (``white-space: pre-wrap``), never by
marking a body safe.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.admin import StoreScopedAdmin
from core.admin_home import HomeCard, home_cards
from core.exceptions import DomainError

from . import services
from .models import MAX_MESSAGE_LENGTH, Conversation, Message


class ConversationForm(forms.ModelForm):
    reply = forms.CharField(
        label="Reply",
        required=False,
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Sent to the visitor (and emailed when they left an address).",
    )

    class Meta:
        model = Conversation
        fields = ("status",)


@admin.register(Conversation)
class ConversationAdmin(StoreScopedAdmin):
    form = ConversationForm
    list_display = (
        "__str__",
        "status",
        "email",
        "unread",
        "last_message_at",
        "created_at",
    )
    list_filter = ("status", "mode")
    search_fields = ("id", "subject", "email")
    readonly_fields = (
        "id",
        "store",
        "mode",
        "subject",
        "email",
        "customer",
        "last_message_at",
        "created_at",
        "thread",
    )
    fields = (
        "id",
        "store",
        "mode",
        "subject",
        "email",
        "customer",
        "last_message_at",
        "created_at",
        "thread",
        "reply",
        "status",
    )
    actions = ("close", "reopen")

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                unread_count=Count(
                    "messages",
                    filter=Q(
                        messages__sender=Message.Sender.VISITOR,
                        messages__read_at__isnull=True,
                    ),
                )
            )
            .order_by(F("last_message_at").desc(nulls_last=True), "-created_at")
        )

    @admin.display(description="Messages")
    def thread(self, obj):
        messages = obj.messages.select_related("author").order_by("created_at", "id")
        return format_html_join(
            "",
            '<div class="conversation-message conversation-{}" style="margin:0 0 12px">'
            "<strong>{}</strong> <small>{}{}</small>"
            '<div style="white-space:pre-wrap;padding:6px 10px;border-left:3px solid #ccc">{}'
            "</div></div>",
            (
                (
                    m.sender,
                    m.get_sender_display(),
                    timezone.localtime(m.created_at).strftime("%Y-%m-%d %H:%M %Z"),
                    f" · {m.author}" if m.author_id else "",
                    m.body,
                )
                for m in messages
            ),
        ) or format_html("<em>{}</em>", "No messages yet.")

    @admin.display(description="Unread", ordering="unread_count")
    def unread(self, obj):
        return obj.unread_count

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            conversation = self.get_object(request, unquote(object_id))
            allowed = conversation is not None and self.has_view_or_change_permission(
                request, conversation
            )
            if allowed:
                services.conversation_messages_read(
                    conversation=conversation, reader=Message.Sender.SELLER
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        reply = form.cleaned_data.get("reply")
        if reply:
            services.message_post(
                conversation=obj,
                sender=Message.Sender.SELLER,
                body=reply,
                author=request.user,
            )
        if "status" in form.changed_data or reply:
            services.conversation_status_set(
                conversation=obj, status=form.cleaned_data["status"]
            )

    def _set_status(self, request, queryset, status: str):
        count = 0
        for conversation in queryset:
            try:
                services.conversation_status_set(
                    conversation=conversation, status=status
                )
            except DomainError as exc:
                self.message_user(request, f"{conversation.pk}: {exc.message}")
            else:
                count += 1
        self.message_user(request, f"Marked {count} conversation(s) {status}.")

    @admin.action(description="Close the selected conversations")
    def close(self, request, queryset):
        self._set_status(request, queryset, Conversation.Status.CLOSED)

    @admin.action(description="Reopen the selected conversations")
    def reopen(self, request, queryset):
        self._set_status(request, queryset, Conversation.Status.OPEN)


@home_cards
def conversation_home_cards(*, request, store, mode) -> list[HomeCard]:
    """Open conversations with messages from the visitor not yet read."""
    unread = (
        Conversation.objects.filter(
            store=store,
            mode=mode,
            messages__sender=Message.Sender.VISITOR,
            messages__read_at__isnull=True,
        )
        .distinct()
        .count()
    )
    url = reverse("admin:conversations_conversation_changelist")
    return [
        HomeCard(
            "unread_conversations",
            "Unread conversations",
            str(unread),
            f"{url}?mode__exact={mode}",
            "With messages from visitors not yet read",
            alert=unread > 0,
        )
    ]

"""Input and output shapes of the conversations API (snake_case here, camelCase on the wire)."""

from __future__ import annotations

from rest_framework import serializers

from core.api.serializers import ModelSerializer

from .models import MAX_MESSAGE_LENGTH, Conversation, Message


class MessageBodyField(serializers.CharField):
    """Plain text, 1 to 4000 characters after trimming surrounding whitespace."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_MESSAGE_LENGTH)
        kwargs.setdefault("min_length", 1)
        kwargs.setdefault("help_text", "Plain text, 1 to 4000 characters.")
        super().__init__(**kwargs)


class OptionalEmailField(serializers.EmailField):
    """The visitor's email, or null when none was attached."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


# -- public ----------------------------------------------------------------------------------


class PublicConversationSerializer(ModelSerializer):
    email = OptionalEmailField()
    unread_count = serializers.IntegerField(
        help_text="Seller messages the visitor has not read."
    )

    class Meta:
        model = Conversation
        ref_name = "PublicConversation"
        fields = (
            "id",
            "subject",
            "status",
            "email",
            "unread_count",
            "last_message_at",
            "created_at",
        )
        read_only_fields = fields


class PublicConversationEmailOutSerializer(ModelSerializer):
    class Meta:
        model = Conversation
        ref_name = "PublicConversationEmail"
        fields = ("id", "email")
        read_only_fields = fields


class PublicMessageSerializer(ModelSerializer):
    class Meta:
        model = Message
        ref_name = "PublicConversationMessage"
        fields = ("id", "sender", "body", "created_at")
        read_only_fields = fields


class ConversationCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    initial_message = MessageBodyField(required=False, allow_null=True)


class ConversationEmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class MessageCreateSerializer(serializers.Serializer):
    body = MessageBodyField()


class MessageListQuerySerializer(serializers.Serializer):
    after = serializers.CharField(
        max_length=40, required=False, help_text="Only messages after this message id."
    )


# -- private ---------------------------------------------------------------------------------


class PrivateConversationSerializer(ModelSerializer):
    email = OptionalEmailField(
        help_text="Where seller replies are emailed; null when none."
    )
    customer_id = serializers.CharField(allow_null=True)
    unread_count = serializers.IntegerField(
        help_text="Visitor messages the seller has not read."
    )
    message_count = serializers.IntegerField()

    class Meta:
        model = Conversation
        ref_name = "Conversation"
        fields = (
            "id",
            "mode",
            "subject",
            "status",
            "email",
            "customer_id",
            "unread_count",
            "message_count",
            "last_message_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class PrivateMessageSerializer(ModelSerializer):
    conversation_id = serializers.CharField()

    class Meta:
        model = Message
        ref_name = "ConversationMessage"
        fields = ("id", "conversation_id", "sender", "body", "read_at", "created_at")
        read_only_fields = fields


class ConversationListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Conversation.Status.choices, required=False
    )


class ConversationUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Conversation.Status.choices)

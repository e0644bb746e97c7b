"""Private API: the seller side of the inbox (beyond the reference)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PrivateApi

from .. import selectors, services
from ..models import Conversation, Message
from ..serializers import (
    ConversationListQuerySerializer,
    ConversationUpdateSerializer,
    MessageCreateSerializer,
    MessageListQuerySerializer,
    PrivateConversationSerializer,
    PrivateMessageSerializer,
)


class PrivateConversationMixin:
    def conversation(self, conversation_id: str):
        return selectors.conversation_get(
            store=self.store, mode=self.mode, conversation_id=conversation_id
        )


class ConversationListApi(PrivateApi):
    rate_limits = {"GET": "240/m"}

    @extend_schema(
        operation_id="conversations_list",
        summary="List conversations",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=Conversation.Status.values
            ),
            *page_params(),
        ],
        responses=page_envelope(PrivateConversationSerializer),
    )
    def get(self, request, **kwargs):
        filters = self.validate_query(ConversationListQuerySerializer)
        return self.respond_page(
            selectors.conversation_list(
                store=self.store, mode=self.mode, filters=filters
            ),
            PrivateConversationSerializer,
        )


class ConversationDetailApi(PrivateConversationMixin, PrivateApi):
    rate_limits = {"GET": "240/m", "PATCH": "120/m"}

    @extend_schema(
        operation_id="conversations_get",
        summary="Get a conversation",
        responses=envelope(PrivateConversationSerializer),
    )
    def get(self, request, conversation_id: str, **kwargs):
        return self.respond(
            self.serialize(
                PrivateConversationSerializer, self.conversation(conversation_id)
            )
        )

    @extend_schema(
        operation_id="conversations_update",
        summary="Update a conversation",
        request=ConversationUpdateSerializer,
        responses=envelope(PrivateConversationSerializer),
    )
    def patch(self, request, conversation_id: str, **kwargs):
        conversation = self.conversation(conversation_id)
        data = self.validate(ConversationUpdateSerializer)
        services.conversation_status_set(
            conversation=conversation, status=data["status"]
        )
        return self.respond(
            self.serialize(
                PrivateConversationSerializer, self.conversation(conversation_id)
            )
        )


class ConversationMessagesPrivateApi(PrivateConversationMixin, PrivateApi):
    rate_limits = {"GET": "240/m", "POST": "120/m"}

    @extend_schema(
        operation_id="conversations_messages_list",
        summary="List a conversation's messages",
        parameters=[
            OpenApiParameter(
                "after",
                OpenApiTypes.STR,
                description="Only messages after this message id.",
            )
        ],
        responses=envelope(PrivateMessageSerializer, many=True),
    )
    def get(self, request, conversation_id: str, **kwargs):
        conversation = self.conversation(conversation_id)
        query = self.validate_query(MessageListQuerySerializer)
        messages = selectors.message_list(
            conversation=conversation, after=query.get("after")
        )
        data = self.serialize(PrivateMessageSerializer, messages, many=True)
        services.conversation_messages_read(
            conversation=conversation, reader=Message.Sender.SELLER
        )
        return self.respond(data)

    @extend_schema(
        operation_id="conversations_messages_create",
        summary="Reply to a conversation",
        request=MessageCreateSerializer,
        responses={201: envelope(PrivateMessageSerializer)},
    )
    def post(self, request, conversation_id: str, **kwargs):
        conversation = self.conversation(conversation_id)
        data = self.validate(MessageCreateSerializer)
        message = services.message_post(
            conversation=conversation, sender=Message.Sender.SELLER, body=data["body"]
        )
        return self.respond(
            self.serialize(PrivateMessageSerializer, message), status=201
        )

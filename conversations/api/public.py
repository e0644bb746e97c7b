"""Public API: a visitor's conversations with the store inbox, tied to their X-Cart-Token."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.schema import envelope
from core.api.views import PublicApi
from core.exceptions import NotFound

from .. import selectors, services
from ..models import Message
from ..serializers import (
    ConversationCreateSerializer,
    ConversationEmailSerializer,
    MessageCreateSerializer,
    MessageListQuerySerializer,
    PublicConversationEmailOutSerializer,
    PublicConversationSerializer,
    PublicMessageSerializer,
)


class PublicConversationApi(PublicApi):
    """Conversations need the visitor's token and the store's ``conversations`` feature."""

    uses_cart_token = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.store.feature("conversations"):
            raise NotFound("Conversations are not enabled for this store.")

    def conversation(self, conversation_id: str):
        return selectors.conversation_get_for_visitor(
            store=self.store,
            mode=self.mode,
            visitor_token=self.cart_token,
            conversation_id=conversation_id,
        )


class ConversationCreateApi(PublicConversationApi):
    rate_limits = {"POST": "10/m"}

    @extend_schema(
        operation_id="public_conversations_create",
        summary="Start a conversation",
        request=ConversationCreateSerializer,
        responses={201: envelope(PublicConversationSerializer)},
    )
    def post(self, request, **kwargs):
        token = self.cart_token
        data = self.validate(ConversationCreateSerializer)
        # Only a proven email links the conversation to the customer's record.
        customer = self.visitor.verified_customer
        conversation = services.conversation_start(
            store=self.store,
            mode=self.mode,
            visitor_token=token,
            subject=data["subject"],
            initial_message=data.get("initial_message"),
            customer=customer,
        )
        return self.respond(
            self.serialize(
                PublicConversationSerializer, self.conversation(conversation.pk)
            ),
            status=201,
        )


class ConversationCurrentApi(PublicConversationApi):
    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="public_conversations_current",
        summary="Get the current conversation",
        responses=envelope(PublicConversationSerializer),
    )
    def get(self, request, **kwargs):
        conversation = selectors.conversation_current_get(
            store=self.store, mode=self.mode, visitor_token=self.cart_token
        )
        return self.respond(self.serialize(PublicConversationSerializer, conversation))


class ConversationEmailApi(PublicConversationApi):
    rate_limits = {"POST": "30/m"}

    @extend_schema(
        operation_id="public_conversations_email",
        summary="Attach an email to a conversation",
        request=ConversationEmailSerializer,
        responses=envelope(PublicConversationEmailOutSerializer),
    )
    def post(self, request, conversation_id: str, **kwargs):
        conversation = self.conversation(conversation_id)
        data = self.validate(ConversationEmailSerializer)
        conversation = services.conversation_email_set(
            conversation=conversation, email=data["email"]
        )
        return self.respond(
            self.serialize(PublicConversationEmailOutSerializer, conversation)
        )


class ConversationMessagesApi(PublicConversationApi):
    rate_limits = {"GET": "120/m", "POST": "30/m"}

    @extend_schema(
        operation_id="public_conversations_messages_list",
        summary="List a conversation's messages",
        parameters=[
            OpenApiParameter(
                "after",
                OpenApiTypes.STR,
                description="Only messages after this message id.",
            )
        ],
        responses=envelope(PublicMessageSerializer, many=True),
    )
    def get(self, request, conversation_id: str, **kwargs):
        conversation = self.conversation(conversation_id)
        query = self.validate_query(MessageListQuerySerializer)
        messages = selectors.message_list(
            conversation=conversation, after=query.get("after")
        )
        services.conversation_messages_read(
            conversation=conversation, reader=Message.Sender.VISITOR
        )
        return self.respond(
            self.serialize(PublicMessageSerializer, messages, many=True)
        )

    @extend_schema(
        operation_id="public_conversations_messages_create",
        summary="Post a message",
        request=MessageCreateSerializer,
        responses={201: envelope(PublicMessageSerializer)},
    )
    def post(self, request, conversation_id: str, **kwargs):
        conversation = self.conversation(conversation_id)
        data = self.validate(MessageCreateSerializer)
        message = services.message_post(
            conversation=conversation, sender=Message.Sender.VISITOR, body=data["body"]
        )
        return self.respond(
            self.serialize(PublicMessageSerializer, message), status=201
        )

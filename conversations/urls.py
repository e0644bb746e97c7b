from django.urls import path

from .api import private, public

public_urlpatterns = [
    path("conversations", public.ConversationCreateApi.as_view(), name="conversations"),
    path(
        "conversations/current",
        public.ConversationCurrentApi.as_view(),
        name="conversation-current",
    ),
    path(
        "conversations/<conv_id:conversation_id>/email",
        public.ConversationEmailApi.as_view(),
        name="conversation-email",
    ),
    path(
        "conversations/<conv_id:conversation_id>/messages",
        public.ConversationMessagesApi.as_view(),
        name="conversation-messages",
    ),
]

private_urlpatterns = [
    path("conversations", private.ConversationListApi.as_view(), name="conversations"),
    path(
        "conversations/<conv_id:conversation_id>",
        private.ConversationDetailApi.as_view(),
        name="conversation",
    ),
    path(
        "conversations/<conv_id:conversation_id>/messages",
        private.ConversationMessagesPrivateApi.as_view(),
        name="conversation-messages",
    ),
]

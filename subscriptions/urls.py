from django.urls import path

from .api import private, public

public_urlpatterns = [
    path(
        "account/subscriptions",
        public.AccountSubscriptionListApi.as_view(),
        name="account-subscriptions",
    ),
    path(
        "account/subscriptions/<sub_id:subscription>",
        public.AccountSubscriptionDetailApi.as_view(),
        name="account-subscription-detail",
    ),
    path(
        "account/subscriptions/<sub_id:subscription>/cancel",
        public.AccountSubscriptionCancelApi.as_view(),
        name="account-subscription-cancel",
    ),
]

private_urlpatterns = [
    path(
        "subscriptions",
        private.SubscriptionListApi.as_view(),
        name="subscription-list",
    ),
    path(
        "subscriptions/<sub_id:subscription>",
        private.SubscriptionDetailApi.as_view(),
        name="subscription-detail",
    ),
    path(
        "subscriptions/<sub_id:subscription>/pause",
        private.SubscriptionPauseApi.as_view(),
        name="subscription-pause",
    ),
    path(
        "subscriptions/<sub_id:subscription>/resume",
        private.SubscriptionResumeApi.as_view(),
        name="subscription-resume",
    ),
    path(
        "subscriptions/<sub_id:subscription>/cancel",
        private.SubscriptionCancelApi.as_view(),
        name="subscription-cancel",
    ),
]

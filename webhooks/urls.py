from django.urls import path

from .api.private import (
    EventListApi,
    WebhookDeliveryListApi,
    WebhookDeliveryRetryApi,
    WebhookDetailApi,
    WebhookListApi,
)

public_urlpatterns: list = []
private_urlpatterns = [
    path("webhooks", WebhookListApi.as_view(), name="webhooks"),
    path("webhooks/<str:webhook>", WebhookDetailApi.as_view(), name="webhook"),
    path(
        "webhooks/<str:webhook>/deliveries",
        WebhookDeliveryListApi.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<str:webhook>/deliveries/<str:delivery>/retry",
        WebhookDeliveryRetryApi.as_view(),
        name="webhook-delivery-retry",
    ),
    path("events", EventListApi.as_view(), name="events"),
]

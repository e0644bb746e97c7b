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
    path("webhooks/<whk_id:webhook>", WebhookDetailApi.as_view(), name="webhook"),
    path(
        "webhooks/<whk_id:webhook>/deliveries",
        WebhookDeliveryListApi.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<whk_id:webhook>/deliveries/<dlv_id:delivery>/retry",
        WebhookDeliveryRetryApi.as_view(),
        name="webhook-delivery-retry",
    ),
    path("events", EventListApi.as_view(), name="events"),
]

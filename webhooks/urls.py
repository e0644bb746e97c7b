from django.urls import path

from core.api.viewsets import ApiRouter

from .api.private import (
    EventListApi,
    WebhookDeliveryListApi,
    WebhookDeliveryRetryApi,
    WebhookViewSet,
)

router = ApiRouter()
router.register("webhooks", WebhookViewSet, basename="webhook")

public_urlpatterns: list = []
private_urlpatterns = [
    *router.urls,
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

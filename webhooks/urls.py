from django.urls import path

from core.api.viewsets import ApiRouter

from .api.private import (
    EventListApi,
    WebhookDeliveryViewSet,
    WebhookViewSet,
)

router = ApiRouter()
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register(
    "webhooks/<whk_id:webhook>/deliveries",
    WebhookDeliveryViewSet,
    basename="webhook-delivery",
)

public_urlpatterns: list = []
private_urlpatterns = [
    *router.urls,
    path("events", EventListApi.as_view(), name="events"),
]

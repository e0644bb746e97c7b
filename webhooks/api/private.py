"""Private API: webhook endpoints and their delivery log (viewsets on the router in
``webhooks/urls.py``; the log's filters in ``webhooks/filters.py``), and the store's event
log."""

from __future__ import annotations

from functools import cached_property

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PrivateApi
from core.api.viewsets import ListMixin, PrivateGenericViewSet, PrivateViewSet

from .. import selectors, services
from ..filters import DeliveryFilter, EventFilter
from ..models import Delivery, Event, WebhookEndpoint
from ..serializers import (
    DeliverySerializer,
    EventSerializer,
    WebhookCreateSerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
    WebhookUpdateSerializer,
)


@extend_schema_view(
    list=extend_schema(
        operation_id="webhooks_list",
        summary="List webhook endpoints",
        parameters=page_params(),
        responses=page_envelope(WebhookEndpointSerializer),
    ),
    create=extend_schema(
        operation_id="webhooks_create",
        summary="Register a webhook endpoint",
        request=WebhookCreateSerializer,
        responses={201: envelope(WebhookEndpointCreatedSerializer)},
    ),
    retrieve=extend_schema(
        operation_id="webhooks_get",
        summary="Get a webhook endpoint",
        responses=envelope(WebhookEndpointSerializer),
    ),
    partial_update=extend_schema(
        operation_id="webhooks_update",
        summary="Update a webhook endpoint",
        request=WebhookUpdateSerializer,
        responses=envelope(WebhookEndpointSerializer),
    ),
    destroy=extend_schema(
        operation_id="webhooks_delete",
        summary="Delete a webhook endpoint",
        responses={204: None},
    ),
)
class WebhookViewSet(PrivateViewSet):
    # Webhook endpoints of the key's mode (the signing secret is shown once, on create).

    queryset = WebhookEndpoint.objects.none()
    output_serializer = WebhookEndpointSerializer
    input_serializer = WebhookCreateSerializer
    lookup_url_kwarg = "webhook"
    lookup_value_converter = "whk_id"
    list_rate_limits = {"GET": "60/m", "POST": "30/m"}
    detail_rate_limits = {"GET": "240/m", "PATCH": "120/m", "DELETE": "30/m"}

    def get_queryset(self):
        return selectors.webhook_endpoint_list(store=self.store, mode=self.mode)

    def get_object(self):
        return selectors.webhook_endpoint_get(
            store=self.store, mode=self.mode, endpoint_id=self.lookup
        )

    def perform_create(self, data):
        return services.webhook_endpoint_create(
            store=self.store, mode=self.mode, **data
        )

    def perform_update(self, instance, data):
        return services.webhook_endpoint_update(endpoint=instance, data=data)

    # Create answers with the signing secret (shown once), and an update validates its own
    # body as a whole: the base actions with other serializers.
    def create(self, request, **kwargs):
        endpoint = self.perform_create(self.validate(WebhookCreateSerializer))
        return self.respond(
            self.serialize(WebhookEndpointCreatedSerializer, endpoint), status=201
        )

    def partial_update(self, request, **kwargs):
        endpoint = self.get_object()
        endpoint = self.perform_update(endpoint, self.validate(WebhookUpdateSerializer))
        return self.respond(self.serialize(WebhookEndpointSerializer, endpoint))

    def perform_destroy(self, instance):
        services.webhook_endpoint_delete(endpoint=instance)


@extend_schema_view(
    list=extend_schema(
        operation_id="webhooks_deliveries_list",
        summary="List a webhook endpoint's deliveries",
        parameters=page_params(),
        responses=page_envelope(DeliverySerializer),
    ),
)
class WebhookDeliveryViewSet(ListMixin, PrivateGenericViewSet):
    # A webhook endpoint's delivery log (filters: ``webhooks/filters.py``); a delivery is
    # retried by POST to its ``retry`` action. Another store's or mode's endpoint is a 404.

    queryset = Delivery.objects.none()
    filterset_class = DeliveryFilter
    output_serializer = DeliverySerializer
    lookup_url_kwarg = "delivery"
    lookup_value_converter = "dlv_id"
    list_rate_limits = {"GET": "240/m"}
    detail_rate_limits = {"POST": "120/m"}
    action_error_statuses = {"retry": (409,)}

    @cached_property
    def endpoint(self):
        return selectors.webhook_endpoint_get(
            store=self.store, mode=self.mode, endpoint_id=self.kwargs["webhook"]
        )

    def get_queryset(self):
        return selectors.delivery_list(endpoint=self.endpoint)

    @extend_schema(
        operation_id="webhooks_deliveries_retry",
        summary="Retry a webhook delivery",
        request=None,
        responses={202: envelope(DeliverySerializer)},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, **kwargs):
        attempt = services.delivery_retry(
            endpoint=self.endpoint, delivery_id=self.lookup
        )
        return self.respond(self.serialize(DeliverySerializer, attempt), status=202)


class EventListApi(PrivateApi):
    rate_limits = {"GET": "240/m"}

    queryset = Event.objects.none()
    filterset_class = EventFilter

    @extend_schema(
        operation_id="events_list",
        summary="List webhook events",
        parameters=page_params(),
        responses=page_envelope(EventSerializer),
    )
    def get(self, request, **kwargs):
        return self.respond_page(
            self.filter_queryset(
                selectors.event_list(store=self.store, mode=self.mode)
            ),
            EventSerializer,
        )

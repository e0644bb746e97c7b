"""Input and output shapes of the webhooks API (snake_case here, camelCase on the wire)."""

from __future__ import annotations

from rest_framework import serializers

from core.api.fields import StrictBooleanField, TimestampField
from core.api.serializers import ModelSerializer

from .models import Delivery, Event, WebhookEndpoint
from .services import EVENT_TYPES


class WebhookEndpointSerializer(ModelSerializer):
    events = serializers.ListField(child=serializers.CharField())
    disabled_at = TimestampField(
        allow_null=True, help_text="Set when it was disabled after failing for 3 days."
    )

    class Meta:
        model = WebhookEndpoint
        ref_name = "Webhook"
        fields = (
            "id",
            "url",
            "events",
            "active",
            "last_delivery_at",
            "disabled_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    signing_secret = serializers.CharField(
        help_text="whsec_...; returned only here. Verify each delivery's signature with it."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        ref_name = "WebhookCreated"
        fields = WebhookEndpointSerializer.Meta.fields + ("signing_secret",)
        read_only_fields = fields


class WebhookEventsField(serializers.ListField):
    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.CharField(max_length=64))
        kwargs.setdefault("allow_empty", False)
        kwargs.setdefault("max_length", 50)
        kwargs.setdefault("help_text", f"Event types, among: {', '.join(EVENT_TYPES)}.")
        super().__init__(**kwargs)


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=2048, help_text="HTTPS URL to receive deliveries."
    )
    events = WebhookEventsField()
    active = StrictBooleanField(default=True)


class WebhookUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2048, required=False)
    events = WebhookEventsField(required=False)
    active = StrictBooleanField(required=False)


class DeliverySerializer(ModelSerializer):
    webhook_id = serializers.CharField(source="endpoint_id")
    event_id = serializers.CharField()
    event_type = serializers.CharField(source="event.type")
    attempted_at = TimestampField(source="started_at", allow_null=True)

    class Meta:
        model = Delivery
        ref_name = "WebhookDelivery"
        fields = (
            "id",
            "webhook_id",
            "event_id",
            "event_type",
            "attempt",
            "manual",
            "status",
            "status_code",
            "duration_ms",
            "response_excerpt",
            "error",
            "scheduled_at",
            "attempted_at",
            "finished_at",
            "next_retry_at",
            "created_at",
        )
        read_only_fields = fields


class EventSerializer(ModelSerializer):
    data = serializers.JSONField(help_text="The object in its private API shape.")

    class Meta:
        model = Event
        ref_name = "Event"
        fields = ("id", "type", "mode", "data", "created_at", "dispatched_at")
        read_only_fields = fields

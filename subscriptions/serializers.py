"""The Subscription object (snake_case here; camelCase on the wire) and the inputs."""

from __future__ import annotations

from rest_framework import serializers

from core.api.fields import MoneyField, StrictCharField, TimestampField

from .models import Subscription


class SubscriptionSerializer(serializers.Serializer):
    """A subscription as the shopper sees it (``GET /account/subscriptions``)."""

    id = serializers.CharField()
    status = serializers.ChoiceField(choices=Subscription.Status.choices)
    product_id = serializers.CharField(allow_null=True)
    variant_id = serializers.CharField(allow_null=True)
    product_name = serializers.CharField()
    variant_name = serializers.CharField()
    quantity = serializers.IntegerField()
    price = MoneyField(help_text="What one period costs (unit price x quantity).")
    interval = serializers.CharField()
    interval_count = serializers.IntegerField()
    trial_ends_at = TimestampField(allow_null=True)
    current_period_start = TimestampField()
    current_period_end = TimestampField()
    next_charge_at = TimestampField(allow_null=True)
    cancelled_at = TimestampField(allow_null=True)
    created_at = TimestampField()

    class Meta:
        ref_name = "Subscription"


class PrivateSubscriptionSerializer(SubscriptionSerializer):
    """The merchant's view (private API, webhook payloads)."""

    mode = serializers.CharField()
    customer_id = serializers.CharField(allow_null=True)
    email = serializers.CharField()
    failed_attempts = serializers.IntegerField()
    payment_gateway = serializers.CharField()
    payment_method = serializers.CharField()
    origin_order_id = serializers.CharField(allow_null=True)
    paused_at = TimestampField(allow_null=True)
    cancel_reason = serializers.CharField()
    updated_at = TimestampField()

    class Meta:
        ref_name = "PrivateSubscription"


class SubscriptionListParamsSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Subscription.Status.choices, required=False
    )
    customer_id = StrictCharField(required=False, max_length=40)

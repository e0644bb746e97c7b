"""Dashboard: webhook endpoints, their delivery log, and the event log (read-mostly).

Endpoints are registered through the API (the signing secret is shown once there); here a
merchant can edit, enable or disable them and retry deliveries, through the same services.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from core.admin import StoreScopedAdmin
from core.exceptions import DomainError

from . import services
from .models import Delivery, Event, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=[(t, t) for t in services.EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "events", "active")

    def clean_url(self):
        try:
            return services.webhook_url_clean(self.cleaned_data["url"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(StoreScopedAdmin):
    form = WebhookEndpointForm
    list_display = (
        "url",
        "mode",
        "active",
        "event_list",
        "last_delivery_at",
        "disabled_at",
        "created_at",
    )
    list_filter = ("mode", "active")
    search_fields = ("url", "id")
    readonly_fields = (
        "id",
        "store",
        "mode",
        "secret_hint",
        "last_delivery_at",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "deliveries_link",
        "created_at",
    )
    fields = (
        "id",
        "store",
        "mode",
        "url",
        "events",
        "active",
        "secret_hint",
        "last_delivery_at",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "deliveries_link",
        "created_at",
    )
    actions = ("enable", "disable")

    def has_add_permission(self, request):
        return False

    @admin.display(description="Events")
    def event_list(self, obj):
        return ", ".join(obj.events or [])

    @admin.display(description="Signing secret")
    def secret_hint(self, obj):
        return f"{obj.signing_secret[:10]}… (shown in full once, when registered)"

    @admin.display(description="Deliveries")
    def deliveries_link(self, obj):
        url = (
            reverse("admin:webhooks_delivery_changelist")
            + f"?endpoint__id__exact={obj.pk}"
        )
        return format_html('<a href="{}">Delivery log</a>', url)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        services.webhook_endpoint_update(endpoint=obj, data=data)

    def _set_active(self, request, queryset, active: bool):
        for endpoint in queryset:
            services.webhook_endpoint_update(endpoint=endpoint, data={"active": active})
        self.message_user(
            request,
            f"{'Enabled' if active else 'Disabled'} {queryset.count()} endpoint(s).",
        )

    @admin.action(description="Enable the selected endpoints")
    def enable(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description="Disable the selected endpoints")
    def disable(self, request, queryset):
        self._set_active(request, queryset, False)


@admin.register(Delivery)
class DeliveryAdmin(StoreScopedAdmin):
    list_display = (
        "id",
        "endpoint",
        "event",
        "attempt",
        "status",
        "status_code",
        "duration_ms",
        "started_at",
        "next_retry_at",
    )
    list_filter = ("status",)
    list_select_related = ("endpoint", "event")
    search_fields = ("id", "event__id", "endpoint__url")
    actions = ("retry",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(
        description="Retry the selected deliveries now", permissions=("view",)
    )
    def retry(self, request, queryset):
        for delivery in queryset.select_related("endpoint"):
            try:
                services.delivery_retry(
                    endpoint=delivery.endpoint, delivery_id=delivery.pk
                )
            except DomainError as exc:
                self.message_user(
                    request, f"{delivery.pk}: {exc.message}", messages.ERROR
                )
            else:
                self.message_user(request, f"{delivery.pk}: queued again.")


@admin.register(Event)
class EventAdmin(StoreScopedAdmin):
    list_display = ("id", "type", "mode", "created_at", "dispatched_at")
    list_filter = ("type", "mode")
    search_fields = ("id",)
    readonly_fields = (
        "id",
        "store",
        "type",
        "mode",
        "payload",
        "created_at",
        "dispatched_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Data")
    def payload(self, obj):
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False)
        )

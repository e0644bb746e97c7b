"""Dashboard: webhook endpoints, their delivery log, and the event log (read-mostly).

Endpoints are registered through the API or here (the signing secret is shown once, in a
message after saving); a merchant can edit, pause, resume and delete them and retry
deliveries, through the same services as the API.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin import StoreScopedAdmin, dashboard_mode
from core.admin_home import HomeCard, home_cards
from core.exceptions import DomainError
from core.models import Mode

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


class WebhookEndpointAddForm(WebhookEndpointForm):
    """Registering an endpoint: which store (for merchants of several) and which mode's
    events it receives."""

    mode = forms.ChoiceField(
        choices=Mode.choices,
        help_text="The endpoint receives the events of this mode only.",
    )

    class Meta(WebhookEndpointForm.Meta):
        fields = ("store", "mode", "url", "events", "active")


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
    add_fields = ("store", "mode", "url", "events", "active")
    actions = ("enable", "disable")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = WebhookEndpointAddForm
            kwargs["fields"] = self.add_fields
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("mode", dashboard_mode(request))
        initial.setdefault("events", ["order.created", "order.paid"])
        return initial

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
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            services.webhook_endpoint_update(endpoint=obj, data=data)
            return
        created = services.webhook_endpoint_create(
            store=form.cleaned_data["store"],
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            active=form.cleaned_data["active"],
            mode=form.cleaned_data["mode"],
        )
        # The admin goes on with ``obj`` (history entry, redirect): make it the saved row.
        obj.__dict__.update(created.__dict__)
        self.message_user(
            request,
            format_html(
                'Signing secret of {}: <code class="signing-secret">{}</code> Copy it '
                "now: it is shown only this once. Verify each delivery's signature with it.",
                created.url,
                created.signing_secret,
            ),
            messages.WARNING,
        )

    def delete_model(self, request, obj):
        services.webhook_endpoint_delete(endpoint=obj)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            services.webhook_endpoint_delete(endpoint=endpoint)

    def _set_active(self, request, queryset, active: bool):
        for endpoint in queryset:
            services.webhook_endpoint_update(endpoint=endpoint, data={"active": active})
        self.message_user(
            request,
            f"{'Resumed' if active else 'Paused'} {queryset.count()} endpoint(s).",
        )

    @admin.action(description="Resume the selected endpoints")
    def enable(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description="Pause the selected endpoints (no deliveries)")
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


@home_cards
def webhook_home_cards(*, request, store, mode) -> list[HomeCard]:
    """Deliveries that failed in the last 7 days, to the endpoints of this mode."""
    since = timezone.now() - timedelta(days=7)
    failed = Delivery.objects.filter(
        store=store,
        endpoint__mode=mode,
        status=Delivery.Status.FAILED,
        started_at__gte=since,
    ).count()
    url = reverse("admin:webhooks_delivery_changelist")
    return [
        HomeCard(
            "failed_deliveries",
            "Failed webhook deliveries",
            str(failed),
            f"{url}?status__exact=failed",
            "In the last 7 days",
            alert=failed > 0,
        )
    ]

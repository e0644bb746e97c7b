"""The merchant's subscriptions in the dashboard: read-only rows, with pause, resume and
cancel as actions calling the same services as the private API."""

from __future__ import annotations

from django.contrib import admin, messages

from core.admin import StoreScopedAdmin
from core.exceptions import DomainError
from core.money import format_minor

from . import services
from .models import Subscription, SubscriptionRenewal


class RenewalInline(admin.TabularInline):
    model = SubscriptionRenewal
    extra = 0
    can_delete = False
    fields = ("period_start", "attempt", "status", "order", "message", "created_at")
    readonly_fields = fields
    ordering = ("-created_at",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(StoreScopedAdmin):
    list_display = (
        "id",
        "email",
        "product_name",
        "billing",
        "status",
        "next_charge_at",
        "mode",
        "created_at",
    )
    list_filter = ("status", "mode", "interval")
    search_fields = ("id", "email", "product_name", "customer__email")
    ordering = ("-created_at",)
    inlines = (RenewalInline,)
    actions = ("pause", "resume", "cancel")
    readonly_fields = tuple(
        f.name for f in Subscription._meta.fields if f.name not in ("store",)
    ) + ("store",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Billing")
    def billing(self, obj: Subscription) -> str:
        every = (
            obj.interval
            if obj.interval_count == 1
            else f"{obj.interval_count} {obj.interval}s"
        )
        price = format_minor(obj.price_amount * obj.quantity, obj.currency)
        return f"{price} / {every}"

    def _apply(self, request, queryset, call, done_text: str):
        done = 0
        for subscription in queryset:
            try:
                call(subscription)
            except DomainError as exc:
                self.message_user(
                    request, f"{subscription.pk}: {exc.message}", messages.ERROR
                )
                continue
            done += 1
        if done:
            self.message_user(
                request, f"{done} subscription(s) {done_text}.", messages.SUCCESS
            )

    @admin.action(description="Pause the selected subscriptions")
    def pause(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda s: services.subscription_pause(subscription=s),
            "paused",
        )

    @admin.action(description="Resume the selected subscriptions")
    def resume(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda s: services.subscription_resume(subscription=s),
            "resumed",
        )

    @admin.action(description="Cancel the selected subscriptions")
    def cancel(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda s: services.subscription_cancel(subscription=s, reason="merchant"),
            "cancelled",
        )

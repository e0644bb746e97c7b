"""The orders dashboard (placed orders only; carts are not shown here)."""

from __future__ import annotations

from django.contrib import admin, messages

from core.admin import StoreScopedAdmin, StoreScopedTabularInline
from core.exceptions import DomainError
from core.money import format_minor

from . import services
from .models import Order, OrderItem
from .serializers import payment_status_word


class OrderItemInline(StoreScopedTabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    fields = (
        "product_name",
        "variant_name",
        "sku",
        "quantity",
        "unit_price",
        "subtotal",
        "quantity_fulfilled",
        "quantity_refunded",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Price")
    def unit_price(self, item):
        return format_minor(item.unit_price_amount, item.order.currency)

    @admin.display(description="Subtotal")
    def subtotal(self, item):
        return format_minor(item.subtotal_amount, item.order.currency)


@admin.register(Order)
class OrderAdmin(StoreScopedAdmin):
    list_display = (
        "number",
        "email",
        "payment_status",
        "fulfillment_status",
        "total",
        "mode",
        "created_at",
    )
    list_display_links = ("number",)
    list_filter = ("payment_status", "fulfillment_status", "mode", "payment_method")
    search_fields = ("order_number__exact", "email", "id")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    inlines = (OrderItemInline,)
    actions = ("mark_paid",)
    list_select_related = ("store",)
    payment_fields = (
        "payment_method",
        "payment_gateway",
        "payment_intent_id",
        "payment_intent_status",
        "payment_word",
        "next_action_url",
        "paid_at",
        "refunded_amount",
        "stock_reserved",
        "reservation_expires_at",
    )
    readonly_fields = (
        "id",
        "store",
        "mode",
        "type",
        "order_number",
        "cart_token",
        "currency",
        "customer",
        "email",
        "payment_status",
        "fulfillment_status",
        "subtotal_amount",
        "discount_amount",
        "shipping_amount",
        "tax_amount",
        "total_amount",
        "discount_code",
        "shipping_option",
        "tax_breakdown",
        "placed_at",
        "fulfilled_at",
        "cancelled_at",
        "created_at",
        "updated_at",
        "return_url",
        "shipping_address",
        "billing_address",
        "notes",
        *payment_fields,
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "store",
                    "mode",
                    "order_number",
                    "payment_status",
                    "fulfillment_status",
                    "created_at",
                    "updated_at",
                )
            },
        ),
        (
            "Customer",
            {"fields": ("customer", "email", "shipping_address", "billing_address", "notes")},
        ),
        (
            "Totals",
            {
                "fields": (
                    "currency",
                    "subtotal_amount",
                    "discount_code",
                    "discount_amount",
                    "shipping_option",
                    "shipping_amount",
                    "tax_amount",
                    "tax_breakdown",
                    "total_amount",
                )
            },
        ),
        ("Payment", {"fields": payment_fields}),
        ("Dates", {"fields": ("placed_at", "fulfilled_at", "cancelled_at")}),
        ("Staff", {"fields": ("internal_notes", "metadata")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(type=Order.Type.ORDER)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Order", ordering="order_number")
    def number(self, order):
        return f"#{order.order_number}" if order.order_number else order.id

    @admin.display(description="Total", ordering="total_amount")
    def total(self, order):
        return format_minor(order.total_amount, order.currency)

    @admin.display(description="Payment (gateway's word)")
    def payment_word(self, order):
        return payment_status_word(order)

    @admin.action(description="Mark paid (bank transfer orders)")
    def mark_paid(self, request, queryset):
        done = 0
        for order in queryset:
            label = f"#{order.order_number}" if order.order_number else order.id
            if order.payment_method != "bank_transfer":
                self.message_user(
                    request,
                    f"Order {label} was not placed by bank transfer; its payment is "
                    "confirmed by the payment gateway.",
                    messages.ERROR,
                )
                continue
            if order.payment_status != Order.PaymentStatus.PENDING:
                self.message_user(
                    request,
                    f"Order {label} is {order.get_payment_status_display().lower()}, "
                    "not awaiting payment.",
                    messages.ERROR,
                )
                continue
            try:
                services.order_mark_paid(order=order)
            except DomainError as exc:
                self.message_user(request, f"Order {label}: {exc.message}", messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(request, f"Marked {done} order(s) paid.", messages.SUCCESS)

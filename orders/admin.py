"""The orders dashboard (placed orders only; carts are not shown here).

The list filters by status (the API's ``status`` buckets), payment, fulfilment, mode and
payment method, searches numbers, emails, customer names, SKUs and tracking numbers, and shows
the totals of the filtered orders per mode and currency (paid revenue apart from orders
awaiting payment and failed ones). The dashboard home's order figures and chart are here too.
The order page shows lines, payment, fulfilments, refunds and the timeline, with buttons for
fulfil, refund, cancel and (bank transfers) mark paid: intermediate forms that call the same
services as the API (``orders.services``) and show a clear message when they refuse. A CSV
export covers a date range.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.admin import StoreScopedAdmin, StoreScopedTabularInline, dashboard_mode
from core.admin_fields import status_badge
from core.admin_home import HomeCard, HomeChart, home_cards, home_chart
from core.exceptions import DomainError
from core.models import Store
from core.money import currency_exponent, format_minor

from . import admin_forms, exports, services
from .models import Fulfillment, Order, OrderEvent, OrderItem, PaymentAttempt, Refund
from .selectors import (
    ORDER_LIST_STATUSES,
    in_store_currency,
    order_status_bucket,
    order_status_q,
)
from .serializers import payment_status_word
from .timeline import Actor


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
        "quantity_restocked",
        "contents",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Bundle contents")
    def contents(self, item):
        """A bundle line's components (its snapshot), per bundle and in all."""
        if not item.bundle_components:
            return "-"
        return format_html_join(
            mark_safe("<br>"),
            "{} × {}{} ({} in all)",
            (
                (
                    entry["quantity"],
                    entry["product_name"],
                    f" — {entry['variant_name']}" if entry.get("variant_name") else "",
                    entry["quantity"] * item.quantity,
                )
                for entry in item.bundle_components
            ),
        )

    @admin.display(description="Price")
    def unit_price(self, item):
        return format_minor(item.unit_price_amount, item.order.currency)

    @admin.display(description="Subtotal")
    def subtotal(self, item):
        return format_minor(item.subtotal_amount, item.order.currency)


class _ReadOnlyInline(StoreScopedTabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FulfillmentInline(_ReadOnlyInline):
    model = Fulfillment
    verbose_name = "fulfilment"
    fields = (
        "created_at",
        "shipped",
        "carrier",
        "tracking",
        "notify_customer",
        "created_by",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines__item")

    @admin.display(description="Shipped")
    def shipped(self, fulfillment):
        return ", ".join(
            f"{line.quantity} × {line.item.product_name}"
            for line in fulfillment.lines.all()
        )

    @admin.display(description="Tracking")
    def tracking(self, fulfillment):
        if fulfillment.tracking_url:
            return format_html(
                '<a href="{}" rel="noopener" target="_blank">{}</a>',
                fulfillment.tracking_url,
                fulfillment.tracking_number or fulfillment.tracking_url,
            )
        return fulfillment.tracking_number or "-"


class RefundInline(_ReadOnlyInline):
    model = Refund
    fields = (
        "created_at",
        "amount_text",
        "reason",
        "status",
        "units",
        "gateway",
        "gateway_refund_id",
        "created_by",
        "failure_message",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines__item")

    @admin.display(description="Amount")
    def amount_text(self, refund):
        return format_minor(refund.amount, refund.currency)

    @admin.display(description="Units")
    def units(self, refund):
        return (
            ", ".join(
                f"{line.quantity} × {line.item.product_name}"
                + (" (restocked)" if line.restocked else "")
                for line in refund.lines.all()
            )
            or "-"
        )


class PaymentAttemptInline(_ReadOnlyInline):
    model = PaymentAttempt
    verbose_name_plural = "payment attempts"
    fields = (
        "number",
        "created_at",
        "gateway",
        "payment_method",
        "amount",
        "currency",
        "status",
        "intent_id",
        "decline_code",
        "error_code",
    )
    readonly_fields = fields


class OrderEventInline(_ReadOnlyInline):
    model = OrderEvent
    verbose_name = "timeline entry"
    verbose_name_plural = "timeline"
    fields = ("created_at", "type", "message", "actor_label", "actor_type")
    readonly_fields = fields


class OrderStatusFilter(admin.SimpleListFilter):
    """The API's ``status`` buckets (see ``orders.selectors.order_status_q``)."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(status, status.capitalize()) for status in ORDER_LIST_STATUSES]

    def queryset(self, request, queryset):
        if self.value() in ORDER_LIST_STATUSES:
            return queryset.filter(order_status_q(self.value()))
        return queryset


class OrderAdminForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = ("internal_notes", "metadata")

    def clean_metadata(self):
        value = self.cleaned_data.get("metadata")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError("Metadata must be a JSON object.")
        return value


def _label(order: Order) -> str:
    return f"#{order.order_number}" if order.order_number else order.id


@admin.register(Order)
class OrderAdmin(StoreScopedAdmin):
    form = OrderAdminForm
    change_list_template = "admin/orders/order/change_list.html"
    change_form_template = "admin/orders/order/change_form.html"
    list_display = (
        "number",
        "email",
        "status",
        "payment_status",
        "fulfillment_status",
        "total",
        "refunded",
        "mode",
        "created_at",
    )
    list_display_links = ("number",)
    list_filter = (
        OrderStatusFilter,
        "payment_status",
        "fulfillment_status",
        "mode",
        "payment_method",
    )
    #: Number (``1024`` or ``#1024``), email, the customer's name (account or shipping
    #: address; "Sam Buyer" matches both words), SKU of a line, tracking number.
    search_fields = (
        "order_number__exact",
        "email",
        "id",
        "customer__first_name",
        "customer__last_name",
        "shipping_address__first_name",
        "shipping_address__last_name",
        "items__sku",
        "fulfillments__tracking_number",
    )
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    inlines = (
        OrderItemInline,
        PaymentAttemptInline,
        FulfillmentInline,
        RefundInline,
        OrderEventInline,
    )
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
            {
                "fields": (
                    "customer",
                    "email",
                    "shipping_address",
                    "billing_address",
                    "notes",
                )
            },
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

    def get_search_results(self, request, queryset, search_term):
        """``#1024`` finds order 1024 like ``1024`` does."""
        term = search_term.strip()
        if term.startswith("#") and term[1:].isdigit():
            search_term = term[1:]
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        """Notes and metadata go through ``order_update``: timeline entry and webhook event."""
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if data:
            services.order_update(
                order=obj, data=data, actor=Actor.for_user(request.user)
            )

    # -- list columns and totals -------------------------------------------------------------

    @admin.display(description="Order", ordering="order_number")
    def number(self, order):
        return f"#{order.order_number}" if order.order_number else order.id

    @admin.display(description="Status")
    def status(self, order):
        return status_badge(order_status_bucket(order))

    @admin.display(description="Total", ordering="total_amount")
    def total(self, order):
        return format_minor(order.total_amount, order.currency)

    @admin.display(description="Refunded", ordering="refunded_amount")
    def refunded(self, order):
        return (
            format_minor(order.refunded_amount, order.currency)
            if order.refunded_amount
            else "-"
        )

    @admin.display(description="Payment (gateway's word)")
    def payment_word(self, order):
        return payment_status_word(order)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            context["order_totals"] = self.totals(context["cl"].queryset)
        return response

    @staticmethod
    def totals(queryset) -> list[dict]:
        """The filtered orders' figures, one row per mode and currency (test business never
        added to live): paid revenue (orders whose payment was taken) apart from orders
        awaiting payment and failed or cancelled ones, refunds, and net revenue."""
        paid = Q(payment_status__in=Order.PAID_STATES)
        pending = Q(payment_status=Order.PaymentStatus.PENDING)
        lost = Q(
            payment_status__in=(
                Order.PaymentStatus.FAILED,
                Order.PaymentStatus.CANCELLED,
            )
        )
        rows = (
            queryset.order_by()
            .values("mode", "currency")
            .annotate(
                count=Count("id"),
                paid_count=Count("id", filter=paid),
                paid=Sum("total_amount", filter=paid, default=0),
                refunded=Sum("refunded_amount", filter=paid, default=0),
                pending_count=Count("id", filter=pending),
                pending=Sum("total_amount", filter=pending, default=0),
                lost_count=Count("id", filter=lost),
                lost=Sum("total_amount", filter=lost, default=0),
            )
            .order_by("-mode", "currency")
        )
        return [
            {
                "mode": row["mode"],
                "currency": row["currency"],
                "count": row["count"],
                "paid_count": row["paid_count"],
                "paid": format_minor(row["paid"], row["currency"]),
                "refunded": format_minor(row["refunded"], row["currency"]),
                "net": format_minor(row["paid"] - row["refunded"], row["currency"]),
                "pending_count": row["pending_count"],
                "pending": format_minor(row["pending"], row["currency"]),
                "lost_count": row["lost_count"],
                "lost": format_minor(row["lost"], row["currency"]),
            }
            for row in rows
        ]

    # -- the order page's operations -------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        info = self.opts.app_label, self.opts.model_name
        return [
            path("export/", wrap(self.export_view), name="{}_{}_export".format(*info)),
            path(
                "<path:object_id>/fulfil/",
                wrap(self.fulfil_view),
                name="{}_{}_fulfil".format(*info),
            ),
            path(
                "<path:object_id>/refund/",
                wrap(self.refund_view),
                name="{}_{}_refund".format(*info),
            ),
            path(
                "<path:object_id>/cancel/",
                wrap(self.cancel_view),
                name="{}_{}_cancel".format(*info),
            ),
            path(
                "<path:object_id>/mark-paid/",
                wrap(self.mark_paid_view),
                name="{}_{}_mark_paid".format(*info),
            ),
            *super().get_urls(),
        ]

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None:
            context["order_operations"] = self.operations_for(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @staticmethod
    def operations_for(order: Order) -> list[tuple[str, str]]:
        """(url name, label) of the buttons that make sense for the order's state."""
        paid = order.payment_status in (
            Order.PaymentStatus.PAID,
            Order.PaymentStatus.PARTIALLY_REFUNDED,
        )
        buttons = []
        if paid and order.fulfillment_status != Order.FulfillmentStatus.FULFILLED:
            buttons.append(("admin:orders_order_fulfil", "Fulfil"))
        if paid:
            buttons.append(("admin:orders_order_refund", "Refund"))
        if (
            order.payment_status != Order.PaymentStatus.CANCELLED
            and order.fulfillment_status == Order.FulfillmentStatus.UNFULFILLED
        ):
            buttons.append(("admin:orders_order_cancel", "Cancel order"))
        if (
            order.payment_method == "bank_transfer"
            and order.payment_status == Order.PaymentStatus.PENDING
        ):
            buttons.append(("admin:orders_order_mark_paid", "Mark paid"))
        return [
            (reverse(name, args=[quote(order.pk)]), label) for name, label in buttons
        ]

    def _order_for_operation(self, request, object_id) -> Order:
        order = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        return order

    def _change_url(self, order: Order) -> str:
        return reverse("admin:orders_order_change", args=[quote(order.pk)])

    def _operation_page(self, request, order, form, *, title, submit, intro=""):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": order,
            "title": f"{title}: order {_label(order)}",
            "form": form,
            "submit_label": submit,
            "intro": intro,
            "change_url": self._change_url(order),
        }
        return TemplateResponse(
            request, "admin/orders/order/operation_form.html", context
        )

    def _run(self, request, order, call, success: str, *, form=None, page=None):
        """Call a service; a refusal is shown as an error, never a crash: on the form (with
        what was typed) when there is one, else as a message on the order page."""
        try:
            call()
        except DomainError as exc:
            if form is not None and page is not None:
                fields = [str(p).split(".")[0] for p in (exc.fields or {})]
                named = next((f for f in fields if f in form.fields), None)
                form.add_error(named, exc.message)
                return self._operation_page(request, order, form, **page)
            self.message_user(
                request, f"Order {_label(order)}: {exc.message}", messages.ERROR
            )
            return HttpResponseRedirect(self._change_url(order))
        self.message_user(request, success, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(order))

    @staticmethod
    def _posted(request):
        """The POST data of a submitted form (even an empty one), else None."""
        return request.POST if request.method == "POST" else None

    def _lines(self, order):
        return list(order.items.order_by("created_at", "id"))

    def fulfil_view(self, request, object_id):
        order = self._order_for_operation(request, object_id)
        form = admin_forms.FulfillForm(
            self._posted(request), order=order, lines=self._lines(order)
        )
        page = {
            "title": "Fulfil",
            "submit": "Record fulfilment",
            "intro": "Choose the units that shipped and add the tracking details.",
        }
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            items = form.line_items()
            everything = items == [
                {"id": line.pk, "quantity": form.available(line)}
                for line in form.lines
                if form.available(line) > 0
            ]
            return self._run(
                request,
                order,
                lambda: services.order_fulfill(
                    order=order,
                    items=None if everything else items,
                    carrier=data["carrier"],
                    tracking_number=data["tracking_number"],
                    tracking_url=data["tracking_url"],
                    notify_customer=data["notify_customer"],
                    actor=Actor.for_user(request.user),
                ),
                f"Order {_label(order)}: fulfilment recorded.",
                form=form,
                page=page,
            )
        return self._operation_page(request, order, form, **page)

    def refund_view(self, request, object_id):
        order = self._order_for_operation(request, object_id)
        form = admin_forms.RefundForm(
            self._posted(request), order=order, lines=self._lines(order)
        )
        page = {
            "title": "Refund",
            "submit": "Refund",
            "intro": (
                f"Remaining refundable: {form.remaining_text()}. The refund goes through the "
                "payment gateway that took the payment. Units listed are recorded as refunded "
                "(and restocked when ticked); a partial amount without units restocks nothing."
            ),
        }
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            return self._run(
                request,
                order,
                lambda: services.order_refund(
                    order=order,
                    amount=data["amount"],
                    reason=data["reason"],
                    restock=data["restock"],
                    items=form.line_items() or None,
                    notify_customer=data["notify_customer"],
                    actor=Actor.for_user(request.user),
                ),
                f"Order {_label(order)}: refund recorded.",
                form=form,
                page=page,
            )
        return self._operation_page(request, order, form, **page)

    def cancel_view(self, request, object_id):
        order = self._order_for_operation(request, object_id)
        form = admin_forms.CancelForm(self._posted(request))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            return self._run(
                request,
                order,
                lambda: services.order_cancel(
                    order=order,
                    reason=data["reason"],
                    notify_customer=data["notify_customer"],
                    actor=Actor.for_user(request.user),
                ),
                f"Order {_label(order)} cancelled.",
            )
        return self._operation_page(
            request,
            order,
            form,
            title="Cancel",
            submit="Cancel the order",
            intro=(
                "A pending payment is voided and a paid one refunded in full; the stock the "
                "order holds is put back."
            ),
        )

    def mark_paid_view(self, request, object_id):
        order = self._order_for_operation(request, object_id)
        form = admin_forms.MarkPaidForm(self._posted(request))
        if request.method == "POST" and form.is_valid():
            refusal = self._mark_paid_refusal(order)
            if refusal:
                self.message_user(request, refusal, messages.ERROR)
                return HttpResponseRedirect(self._change_url(order))
            return self._run(
                request,
                order,
                lambda: services.order_mark_paid(
                    order=order, actor=Actor.for_user(request.user)
                ),
                f"Order {_label(order)} marked paid.",
            )
        return self._operation_page(
            request,
            order,
            form,
            title="Mark paid",
            submit="Mark paid",
            intro=(
                f"Confirm that the bank transfer of "
                f"{format_minor(order.total_amount, order.currency)} has arrived. The customer "
                "gets the order confirmation."
            ),
        )

    @staticmethod
    def _mark_paid_refusal(order: Order) -> str | None:
        label = _label(order)
        if order.payment_method != "bank_transfer":
            return (
                f"Order {label} was not placed by bank transfer; its payment is confirmed by "
                "the payment gateway."
            )
        if order.payment_status != Order.PaymentStatus.PENDING:
            return (
                f"Order {label} is {order.get_payment_status_display().lower()}, not awaiting "
                "payment."
            )
        return None

    @admin.action(description="Mark paid (bank transfer orders)")
    def mark_paid(self, request, queryset):
        done = 0
        for order in queryset:
            refusal = self._mark_paid_refusal(order)
            if refusal:
                self.message_user(request, refusal, messages.ERROR)
                continue
            try:
                services.order_mark_paid(
                    order=order, actor=Actor.for_user(request.user)
                )
            except DomainError as exc:
                self.message_user(
                    request, f"Order {_label(order)}: {exc.message}", messages.ERROR
                )
                continue
            done += 1
        if done:
            self.message_user(
                request, f"Marked {done} order(s) paid.", messages.SUCCESS
            )

    # -- CSV export ------------------------------------------------------------------------

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = admin_forms.OrderExportForm(
            request.GET if "date_from" in request.GET else None
        )
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            tz = self._export_timezone(request)
            orders = exports.order_export_queryset(
                self.get_queryset(request),
                start=data["date_from"],
                end=data["date_to"],
                tz=tz,
                status=data["status"] or None,
                mode=data["mode"] or None,
            )
            filename = f"orders-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}.csv"
            response = StreamingHttpResponse(
                exports.order_csv_lines(orders.iterator(chunk_size=500)),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        today = timezone.localdate()
        if not form.is_bound:
            form = admin_forms.OrderExportForm(
                initial={
                    "date_from": today.replace(day=1),
                    "date_to": today,
                    "mode": dashboard_mode(request),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Export orders (CSV)",
            "form": form,
            "timezone": self._export_timezone(request),
        }
        return TemplateResponse(request, "admin/orders/order/export_form.html", context)

    def _export_timezone(self, request) -> str:
        """The store's time zone for a merchant of one store, else UTC."""
        ids = self.allowed_store_ids(request)
        if ids is not None and len(ids) == 1:
            return (
                Store.objects.filter(pk=ids[0])
                .values_list("timezone", flat=True)
                .first()
                or "UTC"
            )
        return "UTC"


# -- the dashboard home's figures (core.admin_home) ---------------------------------------


def _store_zone(store):
    try:
        return ZoneInfo(store.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _placed(store, mode):
    return Order.objects.filter(
        store=store, mode=mode, type=Order.Type.ORDER, placed_at__isnull=False
    )


@home_cards
def order_home_cards(*, request, store, mode) -> list[HomeCard]:
    """Paid revenue (refunds deducted) and orders placed today and this month (the store's
    days), and the paid orders waiting to be fulfilled."""
    zone = _store_zone(store)
    now = timezone.localtime(timezone.now(), zone)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = today.replace(day=1)
    paid = Q(payment_status__in=Order.PAID_STATES)

    def since(prefix, start):
        placed = Q(placed_at__gte=start)
        return {
            f"{prefix}_count": Count("id", filter=placed),
            f"{prefix}_paid": Sum(
                in_store_currency("total_amount", store=store),
                filter=paid & placed,
                default=0,
            ),
            f"{prefix}_refunded": Sum(
                in_store_currency("refunded_amount", store=store),
                filter=paid & placed,
                default=0,
            ),
        }

    figures = _placed(store, mode).aggregate(
        **since("today", today),
        **since("month", month),
        to_fulfil=Count(
            "id",
            filter=Q(payment_status__in=Order.REFUNDABLE_STATES)
            & ~Q(fulfillment_status=Order.FulfillmentStatus.FULFILLED),
        ),
    )
    orders_url = reverse("admin:orders_order_changelist")
    money = lambda amount: format_minor(amount, store.currency, store.locale)  # noqa: E731
    # Orders in other currencies count in the store currency at each order's own rate.
    converted = (
        f"; orders in other currencies converted to {store.currency} at each order's rate"
        if store.exchange_rates
        else ""
    )
    return [
        HomeCard(
            "revenue_today",
            "Paid revenue today",
            money(figures["today_paid"] - figures["today_refunded"]),
            f"{orders_url}?mode__exact={mode}",
            f"{figures['today_count']} order(s) placed today; refunds of "
            f"{money(figures['today_refunded'])} deducted{converted}",
        ),
        HomeCard(
            "revenue_month",
            f"Paid revenue in {now:%B}",
            money(figures["month_paid"] - figures["month_refunded"]),
            f"{orders_url}?mode__exact={mode}",
            f"{figures['month_count']} order(s); refunds of "
            f"{money(figures['month_refunded'])} deducted{converted}",
        ),
        HomeCard(
            "to_fulfil",
            "Orders to fulfil",
            str(figures["to_fulfil"]),
            f"{orders_url}?mode__exact={mode}&status=paid",
            "Paid, not yet shipped",
            alert=figures["to_fulfil"] > 0,
        ),
    ]


@home_chart
def order_home_chart(*, request, store, mode, days) -> HomeChart:
    """Orders placed and paid revenue (refunds deducted) per day of the store's calendar,
    the last ``days``."""
    zone = _store_zone(store)
    today = timezone.localtime(timezone.now(), zone).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time.min, tzinfo=zone)
    rows = (
        _placed(store, mode)
        .filter(placed_at__gte=start)
        .annotate(day=TruncDate("placed_at", tzinfo=zone))
        .values("day")
        .annotate(
            count=Count("id"),
            revenue=Sum(
                in_store_currency(
                    F("total_amount") - F("refunded_amount"), store=store
                ),
                filter=Q(payment_status__in=Order.PAID_STATES),
                default=0,
            ),
        )
    )
    by_day = {row["day"]: row for row in rows}
    exponent = currency_exponent(store.currency)
    chart = HomeChart(currency=store.currency)
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = by_day.get(day, {"count": 0, "revenue": 0})
        chart.labels.append(day.isoformat())
        chart.orders.append(row["count"])
        chart.revenue.append(float(Decimal(row["revenue"]).scaleb(-exponent)))
    return chart

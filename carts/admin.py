"""Dashboard pages: discounts (with their usage), shipping methods, tax rates, open carts."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from rest_framework.exceptions import ValidationError as DrfValidationError

from core.admin import ServiceDeleteMixin, StoreScopedAdmin, StoreScopedTabularInline
from core.admin_fields import (
    CountriesField,
    CountryField,
    MoneyField,
    MoneyFormMixin,
    StateField,
    StatePickerMixin,
    major_to_minor,
    money_text,
)
from core.exceptions import DomainError
from orders.models import OrderItem

from . import services
from .models import Discount, DiscountRedemption, OpenCart, ShippingMethod, TaxRate
from .serializers import ShippingMethodInput, TaxRateInput


class DiscountRedemptionInline(StoreScopedTabularInline):
    model = DiscountRedemption
    extra = 0
    can_delete = False
    fields = ("order", "customer", "email", "created_at")
    readonly_fields = fields
    verbose_name_plural = "redemptions"

    def has_add_permission(self, request, obj=None):
        return False


class DiscountValueField(MoneyField):
    """A percentage or, for a fixed discount, an amount in major units: the form converts it
    once it knows the type."""

    convert = False


class DiscountForm(MoneyFormMixin, forms.ModelForm):
    value = DiscountValueField(
        label="Value",
        help_text="A percentage from 1 to 100, or for a fixed discount the amount off in "
        "the store's currency (e.g. 5.00).",
    )

    class Meta:
        model = Discount
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.type != Discount.Type.FIXED:
            self.fields["value"].currency = None  # a percentage reads as it is stored

    def clean(self):
        cleaned = super().clean()
        kind, value = cleaned.get("type"), cleaned.get("value")
        if value is not None and kind == Discount.Type.PERCENTAGE:
            if value != value.to_integral_value() or not 1 <= value <= 100:
                self.add_error(
                    "value", "A percentage discount takes a whole number from 1 to 100."
                )
            else:
                cleaned["value"] = int(value)
        if value is not None and kind == Discount.Type.FIXED:
            currency = self.form_currency()
            try:
                cleaned["value"] = major_to_minor(value, currency)
            except ValueError as exc:
                self.add_error("value", str(exc))
            else:
                if cleaned["value"] < 1:
                    self.add_error(
                        "value", "A fixed discount takes a positive amount, e.g. 5.00."
                    )
        starts, expires = cleaned.get("starts_at"), cleaned.get("expires_at")
        if starts and expires and expires <= starts:
            self.add_error("expires_at", "Must be after the start.")
        limit = cleaned.get("usage_limit")
        if limit is not None and self.instance.pk and limit < self.instance.usage_count:
            self.add_error(
                "usage_limit",
                f"Cannot be below the usage count ({self.instance.usage_count}).",
            )
        return cleaned


@admin.register(Discount)
class DiscountAdmin(ServiceDeleteMixin, StoreScopedAdmin):
    form = DiscountForm
    list_display = (
        "code",
        "type",
        "value_shown",
        "active",
        "usage",
        "starts_at",
        "expires_at",
        "store",
    )
    list_filter = ("type", "active")
    list_select_related = ("store",)
    search_fields = ("code",)
    readonly_fields = (
        "id",
        "usage_count",
        "test_usage_count",
        "created_at",
        "updated_at",
    )
    filter_horizontal = ("products", "categories")
    inlines = (DiscountRedemptionInline,)
    actions = ("activate", "deactivate")
    fieldsets = (
        (None, {"fields": ("id", "store", "code", "type", "value", "active")}),
        (
            "Validity",
            {"fields": ("starts_at", "expires_at", "minimum_subtotal_amount")},
        ),
        (
            "Usage",
            {
                "fields": (
                    "usage_limit",
                    "usage_limit_per_customer",
                    "usage_count",
                    "test_usage_count",
                ),
                "description": "Test-mode orders count apart (test uses), so test "
                "checkouts never use up a live code.",
            },
        ),
        (
            "Applies to",
            {
                "fields": ("products", "categories"),
                "description": "Leave both empty for the whole cart. Categories include "
                "their subcategories.",
            },
        ),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )

    def save_model(self, request, obj, form, change):
        # The API's services save the discount and its products and categories (the code's
        # uniqueness, value ranges and the usage limit checked once, for both).
        cleaned = form.cleaned_data
        data = {
            name: cleaned[name] for name in services.DISCOUNT_FIELDS if name in cleaned
        }
        if "products" in cleaned:
            data["product_ids"] = [product.pk for product in cleaned["products"]]
        if "categories" in cleaned:
            data["category_ids"] = [category.pk for category in cleaned["categories"]]
        if change:
            services.discount_update(discount=obj, data=data)
            return
        created = services.discount_create(store=cleaned["store"], data=data)
        obj.__dict__.update(created.__dict__)

    def save_related(self, request, form, formsets, change):
        # The products and categories were set by the service; the redemptions are read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.discount_delete(discount=obj)

    @admin.display(description="Value", ordering="value")
    def value_shown(self, obj):
        if obj.type == Discount.Type.FIXED:
            return f"{money_text(obj.value, obj.store.currency)} off"
        return f"{obj.value}% off"

    @admin.display(description="Used (live)")
    def usage(self, obj):
        used = (
            f"{obj.usage_count} / {obj.usage_limit}"
            if obj.usage_limit
            else str(obj.usage_count)
        )
        return (
            f"{used} (test: {obj.test_usage_count})" if obj.test_usage_count else used
        )

    def _set_active(self, request, queryset, active: bool):
        done = 0
        for discount in queryset:
            try:
                services.discount_update(discount=discount, data={"active": active})
                done += 1
            except DomainError as exc:
                self.message_user(
                    request, f"{discount.code}: {exc.message}", messages.ERROR
                )
        self.message_user(
            request, f"{'Activated' if active else 'Deactivated'} {done} discount(s)."
        )

    @admin.action(description="Activate the selected discounts")
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description="Deactivate the selected discounts")
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)


def _save_through_services(obj, form, change, *, fields, create, update) -> None:
    """Save a dashboard form's ``fields`` with the API's services: ``update(data)`` or
    ``create(store=, data=)``; ``obj`` becomes the saved row (the admin goes on with it)."""
    data = {
        name: form.cleaned_data[name] for name in fields if name in form.cleaned_data
    }
    if change:
        update(data)
        return
    created = create(store=form.cleaned_data["store"], data=data)
    obj.__dict__.update(created.__dict__)


def _serializer_errors(form, errors) -> None:
    """The API serializer's messages on the form's fields (or the form)."""
    for name, messages_ in errors.items():
        form.add_error(
            name if name in form.fields else None, [str(m) for m in messages_]
        )


class ShippingMethodForm(forms.ModelForm):
    countries = CountriesField(
        required=False,
        help_text="Hold Ctrl (⌘ on a Mac) to pick several. None: every country the store "
        "ships to.",
    )

    class Meta:
        model = ShippingMethod
        fields = "__all__"

    def clean_countries(self):
        # The API's rule (ISO codes, upper case, each once).
        try:
            return ShippingMethodInput().validate_countries(
                self.cleaned_data.get("countries") or []
            )
        except DrfValidationError as exc:
            raise forms.ValidationError([str(m) for m in exc.detail]) from None


@admin.register(ShippingMethod)
class ShippingMethodAdmin(ServiceDeleteMixin, StoreScopedAdmin):
    form = ShippingMethodForm
    # Explicit amounts in other currencies are set through the private API.
    exclude = ("currency_amounts",)
    list_display = (
        "name",
        "price_amount",
        "country_list",
        "free_above_amount",
        "active",
        "sort_order",
        "store",
    )
    list_filter = ("active",)
    list_editable = ("active", "sort_order")
    list_select_related = ("store",)
    search_fields = ("name",)
    readonly_fields = ("id", "created_at", "updated_at")

    @admin.display(description="Countries")
    def country_list(self, obj):
        return ", ".join(obj.countries or []) or "All the store ships to"

    def save_model(self, request, obj, form, change):
        _save_through_services(
            obj,
            form,
            change,
            fields=services.SHIPPING_FIELDS,
            create=services.shipping_method_create,
            update=lambda data: services.shipping_method_update(method=obj, data=data),
        )

    def delete_model(self, request, obj):
        services.shipping_method_delete(method=obj)


class TaxRateForm(StatePickerMixin, forms.ModelForm):
    """Validated by the API's ``TaxRateInput``: country and state codes normalised the same
    way (``ie`` is ``IE``, ``us-ca`` is ``CA``), so a rate saved here applies at checkout."""

    country_code = CountryField(label="Country")
    state = StateField(
        help_text="Only for a rate of one state (US sales tax, Canadian provinces)."
    )

    class Meta:
        model = TaxRate
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        names = ("country_code", "state", "postcode_prefix", "name", "rate")
        if any(name in self.errors for name in names):
            return cleaned
        payload = {name: cleaned.get(name) for name in names}
        payload["rate"] = str(payload["rate"]) if payload["rate"] is not None else None
        payload["applies_to_shipping"] = bool(cleaned.get("applies_to_shipping"))
        serializer = TaxRateInput(
            data=payload,
            context={"instance": self.instance if self.instance.pk else None},
        )
        if not serializer.is_valid():
            _serializer_errors(self, serializer.errors)
            return cleaned
        cleaned.update(serializer.validated_data)
        # The model instance is built from cleaned_data after clean(): keep the normalised codes.
        return cleaned


@admin.register(TaxRate)
class TaxRateAdmin(ServiceDeleteMixin, StoreScopedAdmin):
    form = TaxRateForm
    list_display = (
        "name",
        "country_code",
        "state",
        "postcode_prefix",
        "rate",
        "applies_to_shipping",
        "store",
    )
    list_filter = ("country_code", "applies_to_shipping")
    search_fields = ("name", "country_code", "state", "postcode_prefix")
    readonly_fields = ("id", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        _save_through_services(
            obj,
            form,
            change,
            fields=services.TAX_FIELDS,
            create=services.tax_rate_create,
            update=lambda data: services.tax_rate_update(rate=obj, data=data),
        )

    def delete_model(self, request, obj):
        services.tax_rate_delete(rate=obj)


class OpenCartItemInline(StoreScopedTabularInline):
    model = OrderItem
    fk_name = "order"
    extra = 0
    can_delete = False
    fields = (
        "product_name",
        "variant_name",
        "sku",
        "quantity",
        "unit_price_amount",
        "subtotal_amount",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OpenCart)
class OpenCartAdmin(StoreScopedAdmin):
    """Read-only: carts change only through the shopper's API calls."""

    list_display = (
        "id",
        "store",
        "mode",
        "item_count",
        "subtotal",
        "discount_code",
        "idle_for",
        "updated_at",
    )
    list_filter = ("mode",)
    search_fields = ("id", "email", "discount_code")
    ordering = ("-updated_at",)
    inlines = (OpenCartItemInline,)
    fields = (
        "id",
        "store",
        "mode",
        "currency",
        "visitor_country",
        "email",
        "shipping_address",
        "billing_address",
        "notes",
        "discount_code",
        "shipping_option",
        "subtotal_amount",
        "discount_amount",
        "shipping_amount",
        "tax_amount",
        "total_amount",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_item_count=Count("items"))

    @admin.display(description="Items", ordering="_item_count")
    def item_count(self, obj):
        return obj._item_count

    @admin.display(description="Subtotal (last change)")
    def subtotal(self, obj):
        return obj.money(obj.subtotal_amount).formatted()

    @admin.display(description="Idle for")
    def idle_for(self, obj):
        delta = timezone.now() - obj.updated_at
        hours = int(delta.total_seconds() // 3600)
        return f"{hours // 24} d" if hours >= 48 else f"{hours} h"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

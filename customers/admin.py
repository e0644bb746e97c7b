"""The customers dashboard: search, a tags filter, order history, saved addresses and the
marketing export. Saves go through the same services as the API (and record the same events,
in the customer's mode). Customers are per key mode: the list filters by mode, and a customer
added here is live unless chosen otherwise."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.addresses import address_place_check
from core.admin import StoreScopedAdmin, StoreScopedTabularInline
from core.admin_fields import CountryField, StateField, StatePickerMixin
from core.countries import country_get
from core.exceptions import DomainError
from core.money import format_minor
from core.validators import validate_e164
from orders.models import Order

from . import selectors, services
from .models import Address, Customer, tags_normalize

#: The mode of a customer added in the dashboard unless the merchant picks test.
DASHBOARD_MODE = "live"
EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "marketing_opt_in",
    "tags",
    "metadata",
)


class TagListFilter(admin.SimpleListFilter):
    """Customers holding one tag (an exact element of the JSON list, on any database)."""

    title = "tag"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        tags = selectors.customer_tags_in_use(model_admin.get_queryset(request))
        return [(tag, tag) for tag in tags]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return selectors.customers_with_tag(queryset, value)


class AccountFilter(admin.SimpleListFilter):
    title = "account"
    parameter_name = "account"

    def lookups(self, request, model_admin):
        return [("claimed", "Claimed account"), ("guest", "Guest (unclaimed)")]

    def queryset(self, request, queryset):
        if self.value() == "claimed":
            return queryset.filter(claimed_at__isnull=False)
        if self.value() == "guest":
            return queryset.filter(claimed_at__isnull=True)
        return queryset


class OrderHistoryInline(StoreScopedTabularInline):
    """The customer's placed orders (read-only; carts are not shown)."""

    model = Order
    fk_name = "customer"
    verbose_name = "order"
    verbose_name_plural = "order history"
    extra = 0
    can_delete = False
    show_change_link = False
    fields = (
        "order",
        "mode",
        "placed",
        "payment_status",
        "fulfillment_status",
        "total",
        "refunded",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request).filter(type=Order.Type.ORDER)
        return queryset.select_related("store").order_by("-created_at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Order")
    def order(self, obj):
        label = f"#{obj.order_number}" if obj.order_number else obj.pk
        try:
            url = reverse("admin:orders_order_change", args=[obj.pk])
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="Placed")
    def placed(self, obj):
        return obj.placed_at or obj.created_at

    @admin.display(description="Total")
    def total(self, obj):
        return format_minor(obj.total_amount, obj.currency, obj.store.locale)

    @admin.display(description="Refunded")
    def refunded(self, obj):
        if not obj.refunded_amount:
            return "-"
        return format_minor(obj.refunded_amount, obj.currency, obj.store.locale)


class AddressFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        defaults = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("is_default")
            and not form.cleaned_data.get("DELETE")
        ]
        if len(defaults) > 1:
            raise ValidationError("Only one saved address can be the default.")


class AddressForm(StatePickerMixin, forms.ModelForm):
    """A saved address: country and state picked from lists; when the place changes, the
    state and postcode are judged and normalised by the API's rules (``core.addresses``)."""

    country_code = CountryField(label="Country")
    state = StateField()

    class Meta:
        model = Address
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        place = {"country_code", "state", "postcode"}
        if self.errors or not place & set(self.changed_data):
            return cleaned
        country = country_get(cleaned["country_code"])
        if country is None:
            self.add_error("country_code", "Choose a country from the list.")
            return cleaned
        state, postcode, problems = address_place_check(
            country, cleaned.get("state"), cleaned.get("postcode")
        )
        for name, messages_ in problems.items():
            self.add_error(name, messages_)
        cleaned.update(state=state, postcode=postcode)
        return cleaned


class AddressInline(StoreScopedTabularInline):
    model = Address
    form = AddressForm
    formset = AddressFormSet
    extra = 0
    verbose_name_plural = "addresses"  # not Django's default "addresss"
    fields = (
        "is_default",
        "first_name",
        "last_name",
        "company",
        "line1",
        "line2",
        "city",
        "state",
        "postcode",
        "country_code",
        "phone",
    )


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "mode" in self.fields:
            self.fields["mode"].required = False
            self.fields[
                "mode"
            ].help_text = "Live for a real customer (the default); test for one only test keys see."

    def clean_mode(self):
        return self.cleaned_data.get("mode") or DASHBOARD_MODE

    def clean_phone(self):
        phone = (self.cleaned_data.get("phone") or "").strip()
        if phone:
            validate_e164(phone)
        return phone

    def clean_tags(self):
        try:
            return tags_normalize(self.cleaned_data.get("tags") or [])
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def clean_metadata(self):
        metadata = self.cleaned_data.get("metadata")
        if metadata in (None, ""):
            return {}
        if not isinstance(metadata, dict):
            raise ValidationError("Metadata must be a JSON object.")
        return metadata


def _csv_cell(value: str) -> str:
    """Neutralise spreadsheet formulas (=, +, -, @ at the start of a cell)."""
    value = value or ""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@admin.register(Customer)
class CustomerAdmin(StoreScopedAdmin):
    form = CustomerForm
    list_display = (
        "email",
        "full_name",
        "mode",
        "claimed",
        "marketing_opt_in",
        "tag_list",
        "created_at",
    )
    list_filter = ("mode", TagListFilter, AccountFilter, "marketing_opt_in")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("-created_at",)
    readonly_fields = ("id", "claimed_at", "last_login_at", "created_at", "updated_at")
    inlines = (AddressInline, OrderHistoryInline)
    actions = ("export_marketing_csv",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "store",
                    "mode",
                    "email",
                    "first_name",
                    "last_name",
                    "phone",
                )
            },
        ),
        (
            "Marketing and segmentation",
            {"fields": ("marketing_opt_in", "tags", "metadata")},
        ),
        (
            "Account",
            {"fields": ("claimed_at", "last_login_at", "created_at", "updated_at")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["store", "mode", "email"]
        return fields

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("mode", DASHBOARD_MODE)
        return initial

    @admin.display(description="Name")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description="Account", boolean=True)
    def claimed(self, obj):
        return obj.is_claimed

    @admin.display(description="Tags")
    def tag_list(self, obj):
        return ", ".join(obj.tags or [])

    def save_model(self, request, obj, form, change):
        try:
            if change:
                data = {
                    f: form.cleaned_data[f]
                    for f in EDITABLE_FIELDS
                    if f in form.changed_data
                }
                current = Customer.objects.select_related("store").get(pk=obj.pk)
                services.customer_update(customer=current, data=data, mode=current.mode)
            else:
                fields = {f: form.cleaned_data.get(f) for f in EDITABLE_FIELDS}
                fields["metadata"] = fields["metadata"] or {}
                fields["tags"] = fields["tags"] or []
                fields["id"] = obj.pk
                created = services.customer_create(
                    store=form.cleaned_data["store"],
                    email=form.cleaned_data["email"],
                    mode=form.cleaned_data.get("mode") or DASHBOARD_MODE,
                    **fields,
                )
                obj.created_at = created.created_at
                obj._state.adding = False
                obj._state.db = created._state.db
        except DomainError as exc:
            # Validation already ran on the form; a refusal here is a lost race.
            raise ValidationError(exc.message) from exc

    def save_formset(self, request, form, formset, change):
        if formset.model is not Address:
            return super().save_formset(request, form, formset, change)
        customer = form.instance
        chosen = [
            f
            for f in formset.forms
            if f.cleaned_data.get("is_default") and not f.cleaned_data.get("DELETE")
        ]
        # Clear the old default first: the one-default constraint is checked row by row.
        Address.objects.filter(customer=customer, is_default=True).update(
            is_default=False
        )
        for f in formset.forms:
            f.instance.is_default = False
        formset.save()
        preferred = chosen[0].instance if chosen else None
        services.customer_default_address_set(customer=customer, address=preferred)

    @admin.action(description="Export opted-in customers as CSV (email, names, tags)")
    def export_marketing_csv(self, request, queryset):
        rows = selectors.marketing_export_rows(queryset)
        if not rows.exists():
            self.message_user(
                request,
                "None of the selected customers opted in to marketing.",
                messages.WARNING,
            )
            return None
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="marketing-opt-in-{stamp}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(["email", "first_name", "last_name", "tags"])
        for email, first_name, last_name, tags in rows.iterator():
            writer.writerow(
                [
                    _csv_cell(email),
                    _csv_cell(first_name),
                    _csv_cell(last_name),
                    _csv_cell(", ".join(t for t in (tags or []) if isinstance(t, str))),
                ]
            )
        return response

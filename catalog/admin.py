"""The merchant dashboard for the catalogue: products (options, variants and media inline,
stock adjustments with a reason), categories as a tree, review moderation, the stock audit.

Writes go through :mod:`catalog.services`, as the API's do: the product page is one
``product_create`` / ``product_update`` with the API's input (its options, variants and
components inlines included), stock changes are ``product_inventory_adjust``, media
``media_save`` / ``media_delete``, the list actions ``product_update`` / ``product_archive``,
the category page ``category_create`` / ``category_update``, moderation ``review_moderate``.
A refusal shows on the field it names, with the API's message. Deleting and editing a
review's text are Django's own (the API has neither; it archives a product instead).
"""

from __future__ import annotations

from contextlib import contextmanager

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.admin import (
    DASHBOARD_MODE,
    ServiceDeleteMixin,
    StoreScopedAdmin,
    StoreScopedTabularInline,
    dashboard_store,
)
from core.admin_fields import CurrencyPricesField
from core.admin_home import HomeCard, home_cards
from core.exceptions import DomainError
from core.locales import supported_locales
from core.money import format_minor

from . import bundles, services
from .derived import variant_name
from .images import image_aspect_ratio
from .models import (
    DEFAULT_LOW_STOCK_THRESHOLD,
    BundleComponent,
    Category,
    InventoryAdjustment,
    Media,
    Product,
    ProductOption,
    Review,
    Variant,
)
from .services.variants import _combination_key

#: The field a product refusal names (the service's input, as the API's) -> the form's.
PRODUCT_FORM_FIELDS = {
    **services.PRODUCT_FIELDS,
    **{("subscription", k): f for k, f in services.SUBSCRIPTION_FIELDS.items()},
    "category_ids": "categories",
    "prices": "other_prices",
}

#: The same for categories.
CATEGORY_FORM_FIELDS = {"parent_id": "parent"}


@contextmanager
def _refusals_named_for_form(names: dict):
    """A service refusal raised in the block names the form's fields (``sale_price`` ->
    ``sale_price_amount``): ``StoreScopedAdmin`` then shows the page again with the
    message on that field."""
    try:
        yield
    except DomainError as exc:
        exc.fields = {
            names.get(where, where): texts
            for where, texts in (exc.fields or {}).items()
        }
        raise


def _actor(request) -> str:
    return f"dashboard:{request.user.get_username()}"


# -- translations -----------------------------------------------------------------------


def translation_locales(store) -> list[str]:
    """The locales a store translates into: its supported locales but its default."""
    if store is None:
        return []
    return [tag for tag in supported_locales(store) if tag != store.locale]


def _translation_field(locale: str, name: str) -> str:
    return f"translation__{locale}__{name}"


class TranslationsAdminMixin:
    """A collapsible section per supported locale of the object's store (the dashboard
    store for a new object) with a field per translatable column; blank fields fall back
    to the default text, as on the API. ``translatable``: ``(column, label, long)``."""

    translatable: tuple[tuple[str, str, bool], ...] = ()

    def _translation_store(self, request, obj):
        return (
            getattr(obj, "store", None) if obj is not None else dashboard_store(request)
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        for locale in translation_locales(self._translation_store(request, obj)):
            fields = [
                _translation_field(locale, name) for name, _, _ in self.translatable
            ]
            fieldsets.append(
                (f"Translation: {locale}", {"classes": ("collapse",), "fields": fields})
            )
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        locales = translation_locales(self._translation_store(request, obj))
        declared = {}
        for locale in locales:
            for name, label, long in self.translatable:
                declared[_translation_field(locale, name)] = forms.CharField(
                    label=f"{label} ({locale})",
                    required=False,
                    max_length=self.model._meta.get_field(name).max_length,
                    widget=forms.Textarea(attrs={"rows": 4}) if long else None,
                    help_text="Empty: the default text shows.",
                )
        translatable = self.translatable

        def __init__(form, *args, **kw):
            super(form_class, form).__init__(*args, **kw)
            for locale in locales:
                texts = (form.instance.translations or {}).get(locale) or {}
                for name, _, _ in translatable:
                    key = _translation_field(locale, name)
                    if key in form.fields:
                        form.fields[key].initial = texts.get(name, "")

        def clean(form):
            cleaned = super(form_class, form).clean()
            result = {
                locale: texts
                for locale, texts in (form.instance.translations or {}).items()
                if locale not in locales
            }
            for locale in locales:
                texts = {}
                for name, _, _ in translatable:
                    text = (cleaned.get(_translation_field(locale, name)) or "").strip()
                    if text:
                        texts[name] = text
                if texts:
                    result[locale] = texts
            form.instance.translations = result
            return cleaned

        base = kwargs.pop("form", self.form)
        form_class = type(
            base.__name__, (base,), {**declared, "__init__": __init__, "clean": clean}
        )
        return super().get_form(request, obj, change, form=form_class, **kwargs)


# -- products ---------------------------------------------------------------------------


class ServiceRulesForm(forms.ModelForm):
    """A model form whose model constraints (a slug free in the store, a sale price below
    the price, ...) are left to the service the admin saves with, which reports them with
    the API's messages on their fields: not checked first with Django's ("Constraint ...
    is violated.")."""

    def _post_clean(self):
        self.instance.validate_constraints = _constraints_left_to_the_service
        try:
            super()._post_clean()
        finally:
            del self.instance.validate_constraints


def _constraints_left_to_the_service(*args, **kwargs) -> None:
    """A model's ``validate_constraints`` that checks nothing (``ServiceRulesForm``)."""


def _adopt(instance, saved) -> None:
    """Make the admin's ``instance`` the row a service saved (a new one takes its id): the
    admin goes on with it (inlines, messages, the redirect)."""
    instance.pk = saved.pk
    instance._state.adding = False
    instance.refresh_from_db()


def _slug_optional(form, example: str) -> None:
    """On an add form: an empty slug is made from the name, as on the API."""
    if form.instance._state.adding and "slug" in form.fields:
        form.fields["slug"].required = False
        form.fields["slug"].help_text = f"Empty: made from the name ({example})."


class ProductAdminForm(ServiceRulesForm):
    other_prices = CurrencyPricesField(
        label="Other currencies",
        help_text=CurrencyPricesField.default_help
        + " A simple product's; each variant of a variant-based product has its own.",
    )

    class Meta:
        model = Product
        fields = "__all__"

    #: Subscription fields a form may leave out or empty (products of other types).
    SUBSCRIPTION_DEFAULTS = {
        "subscription_interval_count": 1,
        "subscription_trial_days": 0,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.SUBSCRIPTION_DEFAULTS:
            if name in self.fields:
                self.fields[name].required = False
        _slug_optional(self, "apron, apron-2")
        if self.instance.pk and "other_prices" in self.fields:
            default = self.instance.variants.filter(is_default=True).first()
            if default is not None:
                self.initial["other_prices"] = default.currency_prices or {}

    def clean_subscription_interval_count(self):
        value = self.cleaned_data.get("subscription_interval_count")
        return (
            self.SUBSCRIPTION_DEFAULTS["subscription_interval_count"]
            if value is None
            else value
        )

    def clean_subscription_trial_days(self):
        value = self.cleaned_data.get("subscription_trial_days")
        return (
            self.SUBSCRIPTION_DEFAULTS["subscription_trial_days"]
            if value is None
            else value
        )

    def clean(self):
        # The product's rules (prices, sale dates, quantities, slug, sku, categories,
        # bundles, subscriptions) are product_create's and product_update's, checked when
        # ProductAdmin.save_related calls them.
        cleaned = super().clean()
        _currency_prices_check(
            self,
            "other_prices",
            cleaned.get("other_prices") or {},
            cleaned.get("store") or getattr(self.instance, "store", None),
        )
        return cleaned


class OptionForm(forms.ModelForm):
    values_text = forms.CharField(
        label="Values",
        help_text="Comma-separated, in display order (e.g. S, M, L).",
        widget=forms.TextInput(attrs={"size": 40}),
    )
    translations_text = forms.CharField(
        label="Translations",
        required=False,
        help_text="One line per locale: the name, a bar, then the values in the same "
        "order (fr: Taille | Petit, Moyen). Empty parts show the default text.",
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
    )

    class Meta:
        model = ProductOption
        fields = ("name", "position")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            values = list(self.instance.values.all())
            self.fields["values_text"].initial = ", ".join(v.value for v in values)
            self.fields["translations_text"].initial = option_translations_text(
                self.instance, values
            )

    def clean(self):
        cleaned = super().clean()
        values = cleaned.get("values_text")
        text = cleaned.get("translations_text") or ""
        if values is not None:
            try:
                cleaned["translations"] = option_translations_parse(text, values)
            except ValueError as exc:
                self.add_error("translations_text", str(exc))
        return cleaned

    def clean_values_text(self):
        values = [
            v.strip() for v in self.cleaned_data["values_text"].split(",") if v.strip()
        ]
        if not values:
            raise forms.ValidationError("Give at least one value.")
        if len({v.lower() for v in values}) != len(values):
            raise forms.ValidationError("Each value may appear once.")
        return values


def option_translations_text(option, values) -> str:
    """``fr: Taille | Petit, M`` lines from an option's translations."""
    locales = list(option.translations or {})
    for value in values:
        locales += [loc for loc in (value.translations or {}) if loc not in locales]
    lines = []
    for locale in dict.fromkeys(locales):
        name = ((option.translations or {}).get(locale) or {}).get("name", "")
        texts = [
            ((v.translations or {}).get(locale) or {}).get("value", "") for v in values
        ]
        lines.append(f"{locale}: {name} | {', '.join(texts)}".rstrip(" |,"))
    return "\n".join(lines)


def option_translations_parse(text: str, values: list[str]) -> dict:
    """The API's option ``translations`` from ``fr: Taille | Petit, Moyen`` lines."""
    result = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        locale, colon, rest = line.partition(":")
        if not colon or not locale.strip():
            raise ValueError(f"Start each line with a locale and a colon: {line!r}.")
        name, _, texts = rest.partition("|")
        parts = [t.strip() for t in texts.split(",")] if texts.strip() else []
        if len(parts) > len(values):
            raise ValueError(f"More translated values than values: {line!r}.")
        entry = {}
        if name.strip():
            entry["name"] = name.strip()
        pairs = {v: t for v, t in zip(values, parts, strict=False) if t}
        if pairs:
            entry["values"] = pairs
        result[locale.strip()] = entry
    return result


class OptionInline(StoreScopedTabularInline):
    """The product's ``options`` (``ProductAdmin.save_related``: ``options_input``)."""

    model = ProductOption
    form = OptionForm
    extra = 0
    fields = ("name", "values_text", "translations_text", "position")
    verbose_name = "option"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("values")


def _currency_prices_check(form, field: str, prices: dict, store) -> None:
    """Explicit prices only for the store's other supported currencies."""
    if store is None:
        return
    for code in prices:
        if code == store.currency:
            form.add_error(
                field, f"{code} is the store currency: set the price instead."
            )
        elif code not in (store.supported_currencies or []):
            form.add_error(field, f"{code} is not one of the store's currencies.")


class VariantForm(forms.ModelForm):
    """A variant's image is one of its product's own images (as the API requires); its
    explicit prices in other currencies are typed in major units."""

    currency_prices = CurrencyPricesField(label="Other currencies")

    def clean(self):
        cleaned = super().clean()
        product = getattr(self.instance, "product", None)
        _currency_prices_check(
            self,
            "currency_prices",
            cleaned.get("currency_prices") or {},
            getattr(product, "store", None),
        )
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "media" in self.fields:
            field = self.fields["media"]
            field.queryset = Media.objects.filter(
                product_id=self.instance.product_id, is_video=False
            ).order_by("position", "created_at")
            field.label_from_instance = lambda media: (
                media.alt or media.file.name.rsplit("/", 1)[-1]
            )
            field.help_text = "Shown when a shopper picks this variant."


class VariantInline(StoreScopedTabularInline):
    """Variants of a variant-based product: one per option combination (edit the options to
    add or remove them); stock changes through "Adjust stock" so each one is audited."""

    model = Variant
    form = VariantForm
    extra = 0
    fields = (
        "combination",
        "sku",
        "barcode",
        "price_amount",
        "currency_prices",
        "weight_grams",
        "media",
        "stock",
    )
    readonly_fields = ("combination", "stock")
    can_delete = False
    verbose_name = "variant"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(is_default=False)
            .prefetch_related("option_values__option")
        )

    @admin.display(description="Options")
    def combination(self, variant):
        values = sorted(
            variant.option_values.all(), key=lambda v: (v.option.position, v.position)
        )
        return " / ".join(f"{v.option.name}: {v.value}" for v in values) or "-"


class BundleComponentFormSet(forms.BaseInlineFormSet):
    """A bundle's components, checked by the API's rules (``catalog.bundles``): the
    product's ``components`` when they changed (``ProductAdmin.save_related``)."""

    def clean(self):
        super().clean()
        self.bundle_components = None
        if any(self.errors) or self.instance.product_type != Product.ProductType.BUNDLE:
            return
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("component"):
                continue
            rows.append(
                (
                    data.get("position") or 0,
                    len(rows),
                    {"variant_id": data["component"].pk, "quantity": data["quantity"]},
                )
            )
        components = [c for _, _, c in sorted(rows, key=lambda t: (t[0], t[1]))]
        try:
            bundles.components_check(product=self.instance, components=components)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        self.bundle_components = components


class BundleComponentInline(StoreScopedTabularInline):
    """What one bundle contains (bundles only): variants of the store's other products."""

    model = BundleComponent
    fk_name = "bundle"
    formset = BundleComponentFormSet
    extra = 1
    fields = ("component", "quantity", "position")
    verbose_name = "bundle component"
    verbose_name_plural = "bundle components (bundles only: what one bundle contains)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("component")
        if field is not None:
            variants = (
                Variant.objects.exclude(
                    product__product_type=Product.ProductType.BUNDLE
                )
                .select_related("product")
                .prefetch_related("option_values__option")
                .order_by("product__name", "position", "id")
            )
            if obj is not None:
                variants = variants.filter(product__store_id=obj.store_id).exclude(
                    product=obj
                )
            else:
                ids = self.allowed_store_ids(request)
                if ids is not None:
                    variants = variants.filter(product__store_id__in=ids)
            field.queryset = variants
            field.label_from_instance = variant_title
        return formset


class MediaForm(forms.ModelForm):
    class Meta:
        model = Media
        fields = ("file", "alt", "is_video", "position")

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if (
            upload
            and "file" in self.changed_data
            and not cleaned.get("is_video")
            and image_aspect_ratio(upload) is None
        ):
            self.add_error(
                "file", "Upload an image (JPEG, PNG, WebP, GIF) or tick 'is video'."
            )
        return cleaned


class MediaInline(StoreScopedTabularInline):
    model = Media
    form = MediaForm
    extra = 1
    fields = ("preview", "file", "alt", "is_video", "position", "aspect_ratio")
    readonly_fields = ("preview", "aspect_ratio")

    @admin.display(description="Preview")
    def preview(self, media):
        if not media.pk or media.is_video or not media.file:
            return "-"
        return format_html(
            '<img src="{}" style="max-height:60px;max-width:90px">', media.file.url
        )


def product_input(form, inlines: dict, *, creating: bool) -> dict:
    """The product page as the input of ``product_create`` / ``product_update`` (the
    shape ``ProductInputSerializer`` gives the API): every field of a new product, the
    changed ones of an existing one; ``options``, ``variants`` and ``components`` from
    the inlines (``inlines``: formset by model) when they changed."""
    cleaned = form.cleaned_data
    sent = set(form.fields) if creating else set(form.changed_data)
    sent &= set(cleaned)
    data = {
        key: cleaned[field]
        for key, field in services.PRODUCT_FIELDS.items()
        if field in sent
    }
    terms = {
        key: cleaned[field]
        for key, field in services.SUBSCRIPTION_FIELDS.items()
        if field in sent
    }
    if terms:
        data["subscription"] = terms
    if "categories" in sent:
        data["category_ids"] = [category.pk for category in cleaned["categories"]]
    if "other_prices" in sent and (cleaned["other_prices"] or not creating):
        data["prices"] = cleaned["other_prices"] or {}
    data["translations"] = form.instance.translations or {}
    options = inlines.get(ProductOption)
    if options is not None and (creating or options.has_changed()):
        data["options"] = options_input(options, store=form.instance.store)
    variants = inlines.get(Variant)
    if variants is not None and variants.has_changed() and data.get("options") != []:
        data["variants"] = variants_input(variants, options=data.get("options"))
    components = inlines.get(BundleComponent)
    if (
        components is not None
        and components.has_changed()
        and components.bundle_components is not None
    ):
        data["components"] = components.bundle_components
    return data


def options_input(formset, *, store) -> list[dict]:
    """``[{"name", "values", "translations"}]`` of the options inline, in its order."""
    allowed = translation_locales(store)
    options = []
    for option_form in formset.forms:
        if not option_form.has_changed() and not option_form.instance.pk:
            continue
        data = option_form.cleaned_data
        if data.get("DELETE"):
            continue
        option = {"name": data["name"].strip(), "values": data["values_text"]}
        if "translations" in data:
            option["translations"] = {
                locale: texts
                for locale, texts in data["translations"].items()
                if locale in allowed
            }
        options.append((data.get("position") or 0, len(options), option))
    return [o for _, _, o in sorted(options, key=lambda t: (t[0], t[1]))]


def variants_input(formset, *, options: list[dict] | None) -> list[dict]:
    """``[{"option_values", "sku", "barcode", "price", "prices", "weight_grams",
    "media_id"}]`` of the variants inline (stock is not edited here). With ``options``
    (changed in the same save) one entry per combination of their values, carrying the
    edits of the variant that had it."""
    rows = []
    for variant_form in formset.forms:
        data = variant_form.cleaned_data
        values = variant_form.instance.option_values.all()
        row = {"option_values": {v.option.name: v.value for v in values}}
        for key, field in VARIANT_INPUT_FIELDS.items():
            if field in data:
                row[key] = data[field]
        if "media" in data:
            row["media_id"] = data["media"].pk if data["media"] else None
        if "prices" in row:
            row["prices"] = row["prices"] or {}
        rows.append(row)
    if options is None:
        return rows
    edits = {_combination_key(row["option_values"]): row for row in rows}
    combinations = services.variant_combinations(
        {option["name"]: dict.fromkeys(option["values"]) for option in options}
    )
    return [
        {**edits.get(_combination_key(combo["option_values"]), {}), **combo}
        for combo in combinations
    ]


#: A variant's input key -> the variants inline's field.
VARIANT_INPUT_FIELDS = {
    "sku": "sku",
    "barcode": "barcode",
    "price": "price_amount",
    "prices": "currency_prices",
    "weight_grams": "weight_grams",
}


class CategoryFilter(admin.SimpleListFilter):
    title = "category"
    parameter_name = "category"

    def lookups(self, request, model_admin):
        queryset = model_admin.scope_queryset(request, Category.objects.all(), Category)
        return [(c.pk, c.name) for c in queryset.order_by("name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(categories__pk=self.value())
        return queryset


class StockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [
            ("out", "Out of stock"),
            ("low", "Low (5 or fewer)"),
            ("in", "In stock"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "out":
            return queryset.filter(track_inventory=True, total_stock__lte=0)
        if value == "low":
            return queryset.filter(
                track_inventory=True, total_stock__gt=0, total_stock__lte=5
            )
        if value == "in":
            return queryset.filter(Q(track_inventory=False) | Q(total_stock__gt=0))
        return queryset


@admin.register(Product)
class ProductAdmin(TranslationsAdminMixin, StoreScopedAdmin):
    form = ProductAdminForm
    translatable = (
        ("name", "Name", False),
        ("summary", "Summary", False),
        ("description", "Description", True),
    )
    list_display = (
        "name",
        "status",
        "product_type",
        "price_display",
        "stock_display",
        "variant_count",
        "featured",
        "updated_at",
    )
    list_display_links = ("name",)
    list_filter = (
        "status",
        "product_type",
        "featured",
        "track_inventory",
        StockFilter,
        CategoryFilter,
    )
    search_fields = ("name", "slug", "sku", "barcode", "variants__sku", "id")
    list_select_related = ("store",)
    ordering = ("sort_order", "name")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("categories",)
    readonly_fields = ("id", "stock_panel", "created_at", "updated_at")
    inlines = (OptionInline, VariantInline, BundleComponentInline, MediaInline)
    actions = ("publish", "make_draft", "archive")
    save_on_top = True
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "store",
                    "name",
                    "slug",
                    "status",
                    "product_type",
                    "featured",
                    "summary",
                    "description",
                    "categories",
                    "sort_order",
                )
            },
        ),
        (
            "Price",
            {
                "fields": (
                    "price_amount",
                    "sale_price_amount",
                    "sale_name",
                    "sale_starts_at",
                    "sale_ends_at",
                    "cost_amount",
                    "other_prices",
                )
            },
        ),
        (
            "Subscription",
            {
                "description": "Subscription products only: charged every interval "
                "at the price, after the free trial days.",
                "fields": (
                    "subscription_interval",
                    "subscription_interval_count",
                    "subscription_trial_days",
                ),
            },
        ),
        (
            "Inventory",
            {
                "fields": (
                    "stock_panel",
                    "track_inventory",
                    "low_stock_threshold",
                    "sku",
                    "barcode",
                    "brand",
                    "min_order_quantity",
                    "max_order_quantity",
                )
            },
        ),
        (
            "Shipping",
            {
                "fields": (
                    "shipping_type",
                    "weight_grams",
                    "require_delivery_or_collection",
                    "fixed_shipping_rate_amount",
                )
            },
        ),
        (
            "Advanced",
            {
                "classes": ("collapse",),
                "fields": ("metadata", "created_at", "updated_at"),
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                total_stock=Sum("variants__stock"),
                n_variants=Count("variants", distinct=True),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # A product stays in its store, as on the API (its skus, slug and categories are
        # the store's).
        return [*fields, "store"] if obj is not None else fields

    def get_inline_instances(self, request, obj=None):
        """The components inline on a saved bundle's page only (save a product as a
        bundle, then list what it contains)."""
        inlines = super().get_inline_instances(request, obj)
        if obj is None or obj.product_type != Product.ProductType.BUNDLE:
            inlines = [i for i in inlines if not isinstance(i, BundleComponentInline)]
        return inlines

    def get_urls(self):
        return [
            path(
                "inventory/",
                self.admin_site.admin_view(self.inventory_view),
                name="catalog_product_inventory",
            ),
            path(
                "<path:object_id>/stock/",
                self.admin_site.admin_view(self.stock_view),
                name="catalog_product_stock",
            ),
            *super().get_urls(),
        ]

    def _adjust_stock(self, request, variant, form) -> bool:
        """Adjust ``variant``'s stock as ``form`` says, through the API's service (an audit
        row; a bundle has none of its own); a refusal goes on the form. True when done."""
        try:
            adjustment = services.product_inventory_adjust(
                mode=DASHBOARD_MODE,
                product=variant.product,
                variant_id=variant.pk,
                operation=form.cleaned_data["operation"],
                quantity=form.cleaned_data["quantity"],
                reason=form.cleaned_data["reason"],
                source=InventoryAdjustment.Source.DASHBOARD,
                actor=_actor(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return False
        self.message_user(
            request,
            f"Stock of {variant_title(variant)} is now "
            f"{adjustment.stock_after} (was {adjustment.stock_before}).",
            messages.SUCCESS,
        )
        return True

    # -- inventory: every variant -------------------------------------------------------
    def inventory_view(self, request):
        """Every variant of the merchant's stores with its stock and low-stock threshold,
        and an adjust form per row (``product_inventory_adjust``: an audit row each)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        variants = inventory_variants(
            self.scope_queryset(request, Variant.objects.all(), Variant)
        )
        term = request.GET.get("q", "").strip()
        if term:
            variants = variants.filter(
                Q(product__name__icontains=term) | Q(sku__icontains=term)
            )
        low_only = request.GET.get("low") == "1"
        if low_only:
            variants = variants.filter(track_inventory_low=True)
        error_for, form = None, None
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            variant = variants.filter(pk=request.POST.get("variant")).first()
            form = InventoryAdjustForm(request.POST)
            if variant is None:
                raise Http404("No such variant in your stores.")
            if form.is_valid() and self._adjust_stock(request, variant, form):
                return HttpResponseRedirect(request.get_full_path())
            error_for = variant.pk
        page = Paginator(variants, 100).get_page(request.GET.get("p"))
        rows = [
            {
                "variant": v,
                "title": variant_title(v),
                "form": form
                if v.pk == error_for
                else InventoryAdjustForm(initial={"operation": "set"}),
            }
            for v in page
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Inventory",
            "rows": rows,
            "page": page,
            "q": term,
            "low_only": low_only,
        }
        return render(request, "admin/catalog/product/inventory.html", context)

    # -- columns ----------------------------------------------------------------------
    @admin.display(description="Price", ordering="price_amount")
    def price_display(self, product):
        text = format_minor(product.price_amount, product.store.currency)
        if product.sale_active():
            return format_html(
                "<s>{}</s> {}",
                text,
                format_minor(product.sale_price_amount, product.store.currency),
            )
        return text

    @admin.display(description="Stock", ordering="total_stock")
    def stock_display(self, product):
        if not product.track_inventory:
            return "not tracked"
        url = reverse("admin:catalog_product_stock", args=[product.pk])
        return format_html('<a href="{}">{}</a>', url, product.total_stock or 0)

    @admin.display(description="Variants", ordering="n_variants")
    def variant_count(self, product):
        return product.n_variants

    @admin.display(description="Stock")
    def stock_panel(self, product):
        if product.pk and product.product_type == Product.ProductType.BUNDLE:
            rows = bundles.bundle_rows(product)
            live = Variant(product=product)
            live._bundle_rows = rows
            return format_html(
                "Sold from its components' stock (below): {} whole bundle(s) available.",
                live.available_stock("live") if rows else 0,
            )
        if not product.pk:
            return "Save the product, then set its stock with Adjust stock."
        variants = product.variants.prefetch_related("option_values__option")
        rows = format_html_join(
            "", "<li>{}</li>", ((_variant_label(v),) for v in variants)
        )
        url = reverse("admin:catalog_product_stock", args=[product.pk])
        return format_html(
            '<ul style="margin:0">{}</ul><a class="button" href="{}">Adjust stock</a>',
            rows,
            url,
        )

    # -- saving -------------------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        """Nothing yet: ``save_related`` writes the product, its options, variants and
        components with one service call once the inlines are read."""

    def save_related(self, request, form, formsets, change):
        """One ``product_create`` / ``product_update``, with the input the API's ``POST`` /
        ``PATCH /products`` would give it, then the other inlines (media, files), then
        one ``product.created`` / ``product.updated`` with all of it."""
        inlines = {formset.model: formset for formset in formsets}
        data = product_input(form, inlines, creating=not change)
        with _refusals_named_for_form(PRODUCT_FORM_FIELDS):
            if change:
                product = services.product_update(
                    mode=DASHBOARD_MODE,
                    product=form.instance,
                    data=data,
                    actor=_actor(request),
                    source=InventoryAdjustment.Source.DASHBOARD,
                    publish=False,
                )
            else:
                product = services.product_create(
                    mode=DASHBOARD_MODE,
                    store=form.cleaned_data["store"],
                    data=data,
                    actor=_actor(request),
                    source=InventoryAdjustment.Source.DASHBOARD,
                    publish=False,
                )
        _adopt(form.instance, product)
        for formset in formsets:
            if formset.model in (ProductOption, Variant, BundleComponent):
                # Written by the service; the change message reads these.
                formset.new_objects, formset.changed_objects = [], []
                formset.deleted_objects = []
            else:
                self.save_formset(request, form, formset, change=change)
        services.product_notify_saved(
            mode=DASHBOARD_MODE, product=product, created=not change
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is Media:
            for media in formset.save(commit=False):
                services.media_save(media=media)
            for media in formset.deleted_objects:
                services.media_delete(media=media)
            return
        super().save_formset(request, form, formset, change)

    # -- actions ------------------------------------------------------------------------
    def _set_status(self, request, queryset, status):
        updated = 0
        for product in queryset:
            if product.status != status:
                services.product_update(
                    mode=DASHBOARD_MODE,
                    product=product,
                    data={"status": status},
                    actor=_actor(request),
                    source=InventoryAdjustment.Source.DASHBOARD,
                )
                updated += 1
        self.message_user(request, f"{updated} product(s) now {status}.")

    @admin.action(description="Publish the selected products")
    def publish(self, request, queryset):
        self._set_status(request, queryset, Product.Status.PUBLISHED)

    @admin.action(description="Move the selected products to draft")
    def make_draft(self, request, queryset):
        self._set_status(request, queryset, Product.Status.DRAFT)

    @admin.action(description="Archive the selected products (off the storefront)")
    def archive(self, request, queryset):
        for product in queryset:
            services.product_archive(mode=DASHBOARD_MODE, product=product)
        self.message_user(request, f"Archived {queryset.count()} product(s).")

    # -- stock adjustment ---------------------------------------------------------------
    def stock_view(self, request, object_id):
        product = self.get_object(request, object_id)
        if product is None:
            raise Http404
        if not self.has_change_permission(request, product):
            raise PermissionDenied
        if product.product_type == Product.ProductType.BUNDLE:
            self.message_user(
                request,
                "A bundle has no stock of its own: adjust the stock of its components.",
                messages.WARNING,
            )
            return HttpResponseRedirect(
                reverse("admin:catalog_product_change", args=[product.pk])
            )
        variants = list(product.variants.prefetch_related("option_values__option"))
        form = StockAdjustForm(request.POST or None, variants=variants)
        if (
            request.method == "POST"
            and form.is_valid()
            and self._adjust_stock(request, form.cleaned_data["variant"], form)
        ):
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": product,
            "title": f"Adjust stock: {product.name}",
            "form": form,
            "variants": variants,
            "adjustments": [
                (adjustment, variant_title(adjustment.variant))
                for adjustment in product.inventory_adjustments.select_related(
                    "variant__product"
                ).prefetch_related("variant__option_values__option")[:20]
            ],
        }
        return render(request, "admin/catalog/product/stock_adjust.html", context)


def variant_title(variant: Variant | None) -> str:
    """A variant as a merchant names it: ``Candle — Large / Red (SKU-1)``; a simple product's
    default variant by the product name."""
    if variant is None:
        return "(removed)"
    options = "" if variant.is_default else variant_name(variant)
    title = f"{variant.product.name} — {options}" if options else variant.product.name
    return f"{title} ({variant.sku})" if variant.sku else title


def _variant_label(variant: Variant) -> str:
    """A variant among its product's (the product page, the stock form)."""
    if variant.is_default:
        return f"{variant.sku or 'Product'} (stock {variant.stock})"
    label = variant_name(variant) or variant.sku or variant.pk
    return f"{label} (stock {variant.stock})"


def inventory_variants(queryset):
    """Variants with their product, names and the low-stock flag (stock at or below the
    product's threshold, for products that track stock)."""
    threshold = Coalesce(
        F("product__low_stock_threshold"), Value(DEFAULT_LOW_STOCK_THRESHOLD)
    )
    return (
        queryset.select_related("product__store")
        .prefetch_related("option_values__option")
        .annotate(
            threshold=threshold,
            track_inventory_low=Case(
                When(
                    Q(product__track_inventory=True, stock__lte=threshold),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .exclude(product__status=Product.Status.ARCHIVED)
        .order_by("stock", "product__name", "position", "id")
    )


class InventoryAdjustForm(forms.Form):
    operation = forms.ChoiceField(
        choices=[("set", "Set to"), ("increment", "Add"), ("decrement", "Remove")]
    )
    quantity = forms.IntegerField(
        min_value=0,
        max_value=10**9,
        widget=forms.NumberInput(attrs={"style": "width:6em"}),
    )
    reason = forms.CharField(
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": "Reason, e.g. stock take"}),
    )


class StockAdjustForm(forms.Form):
    variant = forms.ModelChoiceField(queryset=Variant.objects.none())
    operation = forms.ChoiceField(
        choices=[("increment", "Add"), ("decrement", "Remove"), ("set", "Set to")]
    )
    quantity = forms.IntegerField(min_value=0, max_value=10**9)
    reason = forms.CharField(
        max_length=255, help_text="E.g. stock take, delivery, damaged."
    )

    def __init__(self, *args, variants, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["variant"]
        field.queryset = Variant.objects.filter(pk__in=[v.pk for v in variants])
        labels = {v.pk: _variant_label(v) for v in variants}
        field.label_from_instance = lambda v: labels.get(v.pk, str(v))
        if len(variants) == 1:
            field.initial = variants[0].pk


@admin.register(InventoryAdjustment)
class InventoryAdjustmentAdmin(StoreScopedAdmin):
    list_display = (
        "created_at",
        "variant_shown",
        "mode",
        "stock_before",
        "stock_after",
        "change",
        "source",
        "reason",
        "actor",
        "reference",
    )
    list_filter = ("mode", "source")
    search_fields = ("product__name", "variant__sku", "reason", "reference", "actor")
    list_select_related = ("product", "variant__product")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("variant__option_values__option")
        )

    @admin.display(description="Variant", ordering="product__name")
    def variant_shown(self, adjustment):
        return (
            variant_title(adjustment.variant)
            if adjustment.variant_id
            else (f"{adjustment.product.name} (variant removed)")
        )

    @admin.display(description="Change")
    def change(self, adjustment):
        delta = adjustment.delta
        return f"+{delta}" if delta > 0 else str(delta)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# -- categories -------------------------------------------------------------------------


class CategoryAdminForm(ServiceRulesForm):
    """Saved by ``category_create`` / ``category_update`` (``CategoryAdmin.save_model``),
    which check the slug and the parent (same store, not the category or one of its
    children)."""

    class Meta:
        model = Category
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _slug_optional(self, "candles, candles-2")


def category_input(form, *, creating: bool) -> dict:
    """The category form as the input of ``category_create`` / ``category_update`` (the
    API's, and the image): every field of a new category, the changed ones of another."""
    cleaned = form.cleaned_data
    sent = (set(form.fields) if creating else set(form.changed_data)) & set(cleaned)
    data = {key: cleaned[key] for key in services.CATEGORY_FIELDS if key in sent}
    if "parent" in sent:
        data["parent_id"] = cleaned["parent"].pk if cleaned["parent"] else None
    if data.get("image") is None:
        data.pop("image", None)  # kept
    elif data["image"] is False:
        data["image"] = ""  # "Clear" ticked
    data["translations"] = form.instance.translations or {}
    return data


def _tree_order(categories) -> dict[str, tuple[int, int]]:
    """``{id: (position in depth-first order, depth)}``."""
    by_parent: dict = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)
    ids = {c.pk for c in categories}
    roots = [c for c in categories if c.parent_id is None or c.parent_id not in ids]
    order: dict[str, tuple[int, int]] = {}
    stack = [(c, 0) for c in reversed(roots)]
    while stack:
        category, depth = stack.pop()
        if category.pk in order:
            continue
        order[category.pk] = (len(order), depth)
        stack.extend(
            (child, depth + 1) for child in reversed(by_parent.get(category.pk, []))
        )
    return order


class TreeChangeList(ChangeList):
    """Categories in tree order (parents before their children) unless a column is sorted."""

    def get_ordering(self, request, queryset):
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return ["tree_position", "pk"]


@admin.register(Category)
class CategoryAdmin(TranslationsAdminMixin, ServiceDeleteMixin, StoreScopedAdmin):
    form = CategoryAdminForm
    translatable = (
        ("name", "Name", False),
        ("description", "Description", True),
        ("meta_title", "Meta title", False),
        ("meta_description", "Meta description", False),
    )
    list_display = ("tree_name", "slug", "published", "sort_order", "product_total")
    list_filter = ("published",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("id", "created_at", "updated_at")
    autocomplete_fields = ("parent",)
    fields = (
        "id",
        "store",
        "name",
        "slug",
        "parent",
        "description",
        "image",
        "meta_title",
        "meta_description",
        "published",
        "sort_order",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .annotate(n_products=Count("products", distinct=True))
        )
        rows = list(
            self.scope_queryset(
                request, Category.objects.order_by("sort_order", "name")
            ).only("pk", "parent_id")
        )
        self._tree = _tree_order(rows)
        whens = [When(pk=pk, then=Value(pos)) for pk, (pos, _) in self._tree.items()]
        position = (
            Case(*whens, default=Value(len(self._tree)), output_field=IntegerField())
            if whens
            else (Value(0, output_field=IntegerField()))
        )
        # Explicit ordering: Meta.ordering does not apply to a grouped (annotated) query.
        return queryset.annotate(tree_position=position).order_by("sort_order", "name")

    def get_changelist(self, request, **kwargs):
        return TreeChangeList

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # A category stays in its store (its slug, parent and products are the store's).
        return [*fields, "store"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        """``category_create`` / ``category_update``, as the API's ``POST`` / ``PATCH
        /categories``; a refusal shows on the field it names."""
        data = category_input(form, creating=not change)
        with _refusals_named_for_form(CATEGORY_FORM_FIELDS):
            if change:
                category = services.category_update(
                    category=Category.objects.get(pk=obj.pk), data=data
                )
            else:
                category = services.category_create(
                    store=form.cleaned_data["store"], data=data
                )
        _adopt(obj, category)

    def delete_model(self, request, obj):
        services.category_delete(category=obj)

    @admin.display(description="Name", ordering="tree_position")
    def tree_name(self, category):
        depth = getattr(self, "_tree", {}).get(category.pk, (0, 0))[1]
        return format_html(
            '<span style="padding-left:{}em">{}{}</span>',
            depth * 1.5,
            "└ " if depth else "",
            category.name,
        )

    @admin.display(description="Products", ordering="n_products")
    def product_total(self, category):
        return category.n_products


# -- reviews ----------------------------------------------------------------------------


@admin.register(Review)
class ReviewAdmin(StoreScopedAdmin):
    list_display = (
        "product",
        "rating",
        "title",
        "author_name",
        "author_email",
        "verified_purchase",
        "mode",
        "status",
        "created_at",
    )
    list_filter = ("status", "mode", "rating", "verified_purchase")
    search_fields = ("title", "body", "author_name", "author_email", "product__name")
    list_select_related = ("product",)
    readonly_fields = (
        "id",
        "mode",
        "product",
        "customer",
        "author_email",
        "verified_purchase",
        "created_at",
        "updated_at",
    )
    fields = (
        "id",
        "mode",
        "product",
        "status",
        "rating",
        "title",
        "body",
        "author_name",
        "author_email",
        "customer",
        "verified_purchase",
        "created_at",
        "updated_at",
    )
    actions = ("approve", "reject")

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """The texts as typed (the API edits none); a new status through
        ``review_moderate``, as ``PATCH /reviews/{id}`` (approved or rejected only)."""
        moderated = "status" in form.changed_data
        if moderated:
            obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        if moderated:
            services.review_moderate(review=obj, status=form.cleaned_data["status"])

    def _moderate(self, request, queryset, status):
        count = 0
        for review in queryset:
            services.review_moderate(review=review, status=status)
            count += 1
        self.message_user(request, f"{count} review(s) {status}.")

    @admin.action(description="Approve the selected reviews")
    def approve(self, request, queryset):
        self._moderate(request, queryset, Review.Status.APPROVED)

    @admin.action(description="Reject the selected reviews")
    def reject(self, request, queryset):
        self._moderate(request, queryset, Review.Status.REJECTED)


# -- the dashboard home's figures (core.admin_home) ---------------------------------------


@home_cards
def catalog_home_cards(*, request, store, mode) -> list[HomeCard]:
    """Variants at or below their low-stock threshold; reviews awaiting moderation."""
    low = (
        inventory_variants(Variant.objects.filter(product__store=store))
        .filter(track_inventory_low=True)
        .count()
    )
    pending = Review.objects.filter(
        store=store, mode=mode, status=Review.Status.PENDING
    ).count()
    reviews_url = reverse("admin:catalog_review_changelist")
    return [
        HomeCard(
            "low_stock",
            "Low-stock variants",
            str(low),
            reverse("admin:catalog_product_inventory") + "?low=1",
            "At or below their threshold",
            alert=low > 0,
        ),
        HomeCard(
            "reviews_pending",
            "Reviews to moderate",
            str(pending),
            f"{reviews_url}?status__exact={Review.Status.PENDING}&mode__exact={mode}",
            "Awaiting approval",
            alert=pending > 0,
        ),
    ]

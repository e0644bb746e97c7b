"""Input validation and output shapes of the catalog API (snake_case here, camelCase on the wire).

Output serializers read products fetched by :mod:`catalog.selectors` (prefetched variants,
options, media and categories; annotated review aggregates), so they never query.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import (
    MetadataField,
    MinorUnitsField,
    MoneySerializer,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    TimestampField,
    TranslatedCharField,
    TranslationsField,
    context_locale,
    context_mode,
    money_dict,
)
from core.api.schema import PageMetaSerializer
from core.currencies import other_currency_problem
from core.locales import translated
from core.markdown import markdown_html
from core.money import Money

from . import bundles
from .derived import (
    price_object,
    price_range,
    product_facts,
    product_stock,
    variant_in_stock,
    variant_name,
    variant_option_map,
    variant_price,
)
from .models import Product, Review

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_OPTIONS = 5
MAX_OPTION_VALUES = 100
MAX_VARIANTS = 250
#: Translatable fields (snake_case) and their maximum lengths, per kind of row.
PRODUCT_TRANSLATABLE = {"name": 255, "summary": 500, "description": 100_000}
CATEGORY_TRANSLATABLE = {
    "name": 200,
    "description": 20_000,
    "meta_title": 200,
    "meta_description": 500,
}
OPTION_TRANSLATABLE = {"name": 100, "values": MAX_OPTION_VALUES}


def _content_locale(context) -> str | None:
    return (context or {}).get("content_locale")


def _store(context):
    return context["store"]


def _money(context, amount: int | None) -> dict | None:
    if amount is None:
        return None
    return money_dict(Money(int(amount), _store(context).currency), context)


def _conversion(context):
    """The public request's currency (``X-Currency``), or None (the store currency)."""
    return context.get("currency")


def _shown(context, amount: int) -> dict:
    """An amount already in the request's currency, as a Money object."""
    conversion = _conversion(context)
    currency = conversion.currency if conversion else _store(context).currency
    return money_dict(Money(int(amount), currency), context)


def currency_prices_out(prices: dict | None, context) -> list[dict]:
    """``{"EUR": 2900}`` as ``[Money]``, currencies in order."""
    return [
        money_dict(Money(int(amount), code), context)
        for code, amount in sorted((prices or {}).items())
    ]


class CurrencyPriceInputSerializer(serializers.Serializer):
    """An explicit price in another currency: ``{"currency": "EUR", "amount": 2900}``."""

    currency = StrictCharField(max_length=3)
    amount = MinorUnitsField(help_text="Minor units of that currency.")

    class Meta:
        ref_name = "CurrencyPriceInput"

    def validate_currency(self, value):
        problem = other_currency_problem(_store(self.context), value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


def currency_prices_in(value: list[dict]) -> dict:
    """Validated ``prices`` as ``{"EUR": 2900}``; a currency twice is refused."""
    codes = [entry["currency"] for entry in value]
    if len(set(codes)) != len(codes):
        raise serializers.ValidationError("Each currency may appear once.")
    return {entry["currency"]: entry["amount"] for entry in value}


# -- output -----------------------------------------------------------------------------


class PriceSerializer(serializers.Serializer):
    """The rich price object of a product."""

    amount = serializers.IntegerField()
    original_amount = serializers.IntegerField()
    currency = serializers.CharField()
    formatted = serializers.CharField()
    original_formatted = serializers.CharField()
    inclusive = serializers.BooleanField(help_text="Store prices include tax.")
    note = serializers.CharField(help_text='"+ tax at checkout" or "incl. tax".')
    is_on_sale = serializers.BooleanField()
    sale_price = serializers.IntegerField(allow_null=True)
    sale_price_formatted = serializers.CharField(allow_null=True)
    discount_percentage = serializers.IntegerField(allow_null=True)
    sale_name = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "ProductPrice"


class MediaSerializer(serializers.Serializer):
    id = serializers.CharField()
    path = serializers.SerializerMethodField(
        help_text="Storage-relative path of the file."
    )
    alt = serializers.CharField()
    is_video = serializers.BooleanField()
    aspect_ratio = serializers.FloatField(allow_null=True, help_text="width / height")

    class Meta:
        ref_name = "ProductMedia"

    def get_path(self, media) -> str:
        return media.file.name


class OptionSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = TranslatedCharField()
    position = serializers.IntegerField()
    values = serializers.SerializerMethodField()

    class Meta:
        ref_name = "ProductOption"

    def get_values(self, option) -> list[str]:
        locale = _content_locale(self.context)
        return [translated(value, "value", locale) for value in option.values.all()]


def option_translations(option) -> dict:
    """``{locale: {"name": ..., "values": {value: text}}}`` from an option and its
    (prefetched) values."""
    result: dict[str, dict] = {}
    for locale, texts in (option.translations or {}).items():
        if texts.get("name"):
            result.setdefault(locale, {})["name"] = texts["name"]
    for value in option.values.all():
        for locale, texts in (value.translations or {}).items():
            if texts.get("value"):
                entry = result.setdefault(locale, {})
                entry.setdefault("values", {})[value.value] = texts["value"]
    return result


OPTION_TRANSLATIONS_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "values": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "example": {"fr": {"name": "Taille", "values": {"S": "Petit"}}},
}


class PrivateOptionSerializer(OptionSerializer):
    translations = serializers.SerializerMethodField(
        help_text='{"fr": {"name": "Taille", "values": {"S": "Petit"}}}'
    )

    class Meta:
        ref_name = "PrivateProductOption"

    @extend_schema_field(OPTION_TRANSLATIONS_SCHEMA)
    def get_translations(self, option):
        return option_translations(option)


class ProductCategorySerializer(serializers.Serializer):
    id = serializers.CharField()
    name = TranslatedCharField()
    slug = serializers.CharField()

    class Meta:
        ref_name = "ProductCategory"


class VariantSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.SerializerMethodField(
        help_text='Option values joined: "M / Red".'
    )
    sku = serializers.CharField()
    price = serializers.SerializerMethodField()
    in_stock = serializers.SerializerMethodField()
    inventory_count = serializers.SerializerMethodField(
        help_text="What the key's mode can buy (test mode: stock less test-mode orders)."
    )
    option_values = serializers.SerializerMethodField(
        help_text='{"Size": "M", "Colour": "Red"}'
    )
    position = serializers.IntegerField()
    media_id = serializers.CharField(
        allow_null=True,
        help_text="The media item (of the product's media) showing this variant, or null.",
    )

    class Meta:
        ref_name = "ProductVariant"

    def get_name(self, variant) -> str:
        return variant_name(variant, _content_locale(self.context))

    @extend_schema_field(MoneySerializer)
    def get_price(self, variant):
        return _shown(self.context, variant_price(variant, _conversion(self.context)))

    def get_in_stock(self, variant) -> bool:
        return variant_in_stock(variant, variant.product, context_mode(self.context))

    def get_inventory_count(self, variant) -> int:
        return variant.available_stock(context_mode(self.context))

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_option_values(self, variant):
        return variant_option_map(variant, _content_locale(self.context))


class PrivateVariantSerializer(VariantSerializer):
    stock = serializers.IntegerField()
    prices = serializers.SerializerMethodField(
        help_text="Explicit prices in other currencies (win over the exchange rate)."
    )
    barcode = serializers.CharField()
    weight_grams = serializers.IntegerField(allow_null=True)
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        ref_name = "PrivateProductVariant"

    @extend_schema_field(MoneySerializer(many=True))
    def get_prices(self, variant):
        return currency_prices_out(variant.currency_prices, self.context)


class BundleComponentSerializer(serializers.Serializer):
    """One component of a bundle: ``quantity`` units of a variant in each bundle."""

    variant_id = serializers.CharField(source="component_id")
    product_id = serializers.CharField(source="component.product_id")
    product_name = serializers.CharField(source="component.product.name")
    variant_name = serializers.SerializerMethodField(
        help_text='Option values joined ("M / Red"); null for a simple product.'
    )
    sku = serializers.SerializerMethodField()
    quantity = serializers.IntegerField()
    price = serializers.SerializerMethodField(
        help_text="What one unit of the component costs bought on its own now."
    )

    class Meta:
        ref_name = "BundleComponent"

    def get_variant_name(self, row) -> str | None:
        return variant_name(row.component) or None

    def get_sku(self, row) -> str | None:
        return row.component.sku or row.component.product.sku or None

    @extend_schema_field(MoneySerializer)
    def get_price(self, row):
        return _money(self.context, row.component.current_price_amount())


class ProductListSerializer(serializers.ListSerializer):
    """A page of products: the bundles among them get their components in one go."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        bundles.bundles_attach(items)
        return super().to_representation(items)


class SubscriptionTermsSerializer(serializers.Serializer):
    """A subscription product's billing: every ``intervalCount`` ``interval``s at the
    product's (or variant's) price, after ``trialDays`` free days."""

    interval = serializers.ChoiceField(choices=Product.Interval.choices)
    interval_count = serializers.IntegerField()
    trial_days = serializers.IntegerField()

    class Meta:
        ref_name = "SubscriptionTerms"


class ProductSerializer(serializers.Serializer):
    """The public view of a product (lists and detail)."""

    variant_serializer = VariantSerializer

    id = serializers.CharField()
    slug = serializers.CharField()
    name = TranslatedCharField(
        help_text="In the content locale (Content-Language) on the public API."
    )
    summary = TranslatedCharField()
    description = TranslatedCharField(help_text="Markdown.")
    description_html = serializers.SerializerMethodField(
        help_text="The description rendered from Markdown as sanitised HTML (no script, "
        "no event handlers)."
    )
    status = serializers.ChoiceField(choices=Product.Status.choices, read_only=True)
    product_type = serializers.ChoiceField(
        choices=Product.ProductType.choices, read_only=True
    )
    featured = serializers.BooleanField()
    digital = serializers.SerializerMethodField()
    subscription = serializers.SerializerMethodField(
        help_text="Subscription products only (else null): how often they are charged."
    )
    track_inventory = serializers.BooleanField()
    in_stock = serializers.SerializerMethodField()
    inventory_count = serializers.SerializerMethodField()
    shipping_type = serializers.ChoiceField(
        choices=Product.ShippingType.choices, read_only=True
    )
    require_delivery_or_collection = serializers.BooleanField()
    fixed_shipping_rate_cents = serializers.IntegerField(
        source="fixed_shipping_rate_amount", allow_null=True
    )
    min_order_quantity = serializers.IntegerField()
    max_order_quantity = serializers.IntegerField(allow_null=True)
    price = serializers.SerializerMethodField()
    price_min = serializers.SerializerMethodField()
    price_max = serializers.SerializerMethodField()
    has_variants = serializers.SerializerMethodField()
    has_required_options = serializers.SerializerMethodField()
    variant_count = serializers.SerializerMethodField()
    quick_add_eligible = serializers.SerializerMethodField()
    default_variant_id = serializers.SerializerMethodField()
    media = MediaSerializer(many=True, source="media.all")
    primary_media_id = serializers.SerializerMethodField()
    options = OptionSerializer(many=True, source="options.all")
    variants = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    review_count = serializers.SerializerMethodField()
    average_rating = serializers.SerializerMethodField()
    sort_order = serializers.IntegerField()
    created_at = TimestampField()
    updated_at = TimestampField()
    # Bundles (``catalog.bundles``): empty / null for other products.
    components = serializers.SerializerMethodField(
        help_text="A bundle's contents (variant, names, quantity per bundle, unit price)."
    )
    bundle_value = serializers.SerializerMethodField(
        help_text="A bundle's components bought separately now; null for other products."
    )
    bundle_saving = serializers.SerializerMethodField(
        help_text="bundleValue less the bundle's current price (never below 0); null for "
        "other products."
    )

    class Meta:
        ref_name = "Product"
        list_serializer_class = ProductListSerializer

    def to_representation(self, instance):
        bundles.bundles_attach([instance])  # no query unless a bundle not yet attached
        return super().to_representation(instance)

    @extend_schema_field(BundleComponentSerializer(many=True))
    def get_components(self, product):
        rows = bundles.bundle_rows(product)
        return list(
            BundleComponentSerializer(rows, many=True, context=self.context).data
        )

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_bundle_value(self, product):
        if product.product_type != Product.ProductType.BUNDLE:
            return None
        return _money(self.context, bundles.bundle_value(bundles.bundle_rows(product)))

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_bundle_saving(self, product):
        if product.product_type != Product.ProductType.BUNDLE:
            return None
        value = bundles.bundle_value(bundles.bundle_rows(product))
        return _money(
            self.context, max(value - product_facts(product).current_price, 0)
        )

    def get_digital(self, product) -> bool:
        return product.product_type == Product.ProductType.DIGITAL

    @extend_schema_field(SubscriptionTermsSerializer(allow_null=True))
    def get_subscription(self, product):
        return product.subscription_terms()

    def get_in_stock(self, product) -> bool:
        return product_stock(product, context_mode(self.context))[0]

    def get_inventory_count(self, product) -> int:
        return product_stock(product, context_mode(self.context))[1]

    @extend_schema_field(PriceSerializer)
    def get_price(self, product):
        store = _store(self.context)
        return price_object(
            product,
            currency=store.currency,
            tax_inclusive=store.tax_inclusive,
            locale=context_locale(self.context),
            conversion=_conversion(self.context),
        )

    def get_price_min(self, product) -> int:
        return price_range(product, _conversion(self.context))[0]

    def get_price_max(self, product) -> int:
        return price_range(product, _conversion(self.context))[1]

    def get_has_variants(self, product) -> bool:
        return bool(product_facts(product).option_variants)

    def get_has_required_options(self, product) -> bool:
        return bool(product_facts(product).option_variants)

    def get_variant_count(self, product) -> int:
        return product_facts(product).variant_count

    def get_quick_add_eligible(self, product) -> bool:
        facts = product_facts(product)
        in_stock = product_stock(product, context_mode(self.context))[0]
        return facts.is_simple and in_stock and product.min_order_quantity <= 1

    def get_default_variant_id(self, product) -> str | None:
        default = product_facts(product).default_variant
        return default.pk if default else None

    def get_description_html(self, product) -> str:
        return markdown_html(
            translated(product, "description", _content_locale(self.context))
        )

    def get_primary_media_id(self, product) -> str | None:
        media = product.media.all()
        return media[0].pk if media else None

    @extend_schema_field(VariantSerializer(many=True))
    def get_variants(self, product):
        variants = product_facts(product).option_variants
        return self.variant_serializer(variants, many=True, context=self.context).data

    def _categories(self, product):
        return [c for c in product.categories.all() if c.published]

    @extend_schema_field(ProductCategorySerializer(many=True))
    def get_categories(self, product):
        return ProductCategorySerializer(
            self._categories(product), many=True, context=self.context
        ).data

    def get_review_count(self, product) -> int:
        return product.review_summary(context_mode(self.context))[0]

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_average_rating(self, product) -> float | None:
        return product.review_summary(context_mode(self.context))[1]


class PrivateProductSerializer(ProductSerializer):
    """The private view: the public fields plus internal ones and variant stock."""

    variant_serializer = PrivateVariantSerializer

    options = PrivateOptionSerializer(many=True, source="options.all")
    translations = TranslationsField(
        fields=PRODUCT_TRANSLATABLE,
        read_only=True,
        help_text="Name, summary and description per supported locale.",
    )
    cost = serializers.SerializerMethodField()
    sku = serializers.CharField()
    barcode = serializers.CharField()
    brand = serializers.CharField()
    weight_grams = serializers.IntegerField(allow_null=True)
    sale_price = serializers.SerializerMethodField(
        help_text="The stored sale price, active or not."
    )
    sale_name = serializers.CharField()
    sale_starts_at = TimestampField(allow_null=True)
    sale_ends_at = TimestampField(allow_null=True)
    low_stock_threshold = serializers.SerializerMethodField()
    metadata = serializers.JSONField()
    prices = serializers.SerializerMethodField(
        help_text="A simple product's explicit prices in other currencies (each variant "
        "of a variant-based product has its own)."
    )

    class Meta:
        ref_name = "PrivateProduct"
        list_serializer_class = ProductListSerializer

    @extend_schema_field(MoneySerializer(many=True))
    def get_prices(self, product):
        default = product_facts(product).default_variant
        return currency_prices_out(
            default.currency_prices if default is not None else {}, self.context
        )

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_cost(self, product):
        return _money(self.context, product.cost_amount)

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_sale_price(self, product):
        return _money(self.context, product.sale_price_amount)

    def get_low_stock_threshold(self, product) -> int:
        return product.effective_low_stock_threshold

    @extend_schema_field(PrivateVariantSerializer(many=True))
    def get_variants(self, product):
        return super().get_variants(product)

    def _categories(self, product):
        return list(product.categories.all())


class InventoryResultSerializer(serializers.Serializer):
    product_id = serializers.CharField()
    variant_id = serializers.CharField()
    stock_before = serializers.IntegerField()
    stock_after = serializers.IntegerField()
    updated_at = TimestampField()

    class Meta:
        ref_name = "InventoryResult"


class PublicReviewSerializer(serializers.Serializer):
    id = serializers.CharField()
    rating = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    author_name = serializers.SerializerMethodField()
    verified_purchase = serializers.BooleanField()
    created_at = TimestampField()

    class Meta:
        ref_name = "Review"

    def get_author_name(self, review) -> str:
        return review.author_name or "Anonymous"


class ReviewCreatedSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=Review.Status.choices, read_only=True)
    created_at = TimestampField()

    class Meta:
        ref_name = "ReviewCreated"


class PrivateReviewSerializer(PublicReviewSerializer):
    product_id = serializers.CharField()
    product_name = serializers.CharField(source="product.name")
    author_email = serializers.CharField()
    customer_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=Review.Status.choices, read_only=True)
    updated_at = TimestampField()

    class Meta:
        ref_name = "PrivateReview"


class ReviewPageMetaSerializer(PageMetaSerializer):
    """The pagination meta block plus the product's rating summary."""

    average_rating = serializers.FloatField(allow_null=True)
    rating_count = serializers.IntegerField()

    class Meta:
        ref_name = "ReviewPageMeta"


def _image_url(category, context) -> str | None:
    if not category.image:
        return None
    url = category.image.url
    request = context.get("request")
    return (
        request.build_absolute_uri(url)
        if request is not None and url.startswith("/")
        else url
    )


CATEGORY_NODE_REF = {"$ref": "#/components/schemas/CategoryNode"}


class CategorySummarySerializer(serializers.Serializer):
    """The fields every public category shape shares."""

    id = serializers.CharField()
    slug = serializers.CharField()
    name = TranslatedCharField()
    description = TranslatedCharField()
    image_url = serializers.SerializerMethodField()
    parent_id = serializers.CharField(allow_null=True)
    product_count = serializers.IntegerField()

    def get_image_url(self, category) -> str | None:
        return _image_url(category, self.context)


class CategoryNodeSerializer(CategorySummarySerializer):
    """A published category in the public tree, with its published children."""

    children = serializers.SerializerMethodField()

    class Meta:
        ref_name = "CategoryNode"

    @extend_schema_field({"type": "array", "items": CATEGORY_NODE_REF})
    def get_children(self, category):
        return CategoryNodeSerializer(
            category.tree_children, many=True, context=self.context
        ).data


class CategorySerializer(CategorySummarySerializer):
    meta_title = TranslatedCharField()
    meta_description = TranslatedCharField()

    class Meta:
        ref_name = "Category"


class PrivateCategorySerializer(CategorySerializer):
    translations = TranslationsField(fields=CATEGORY_TRANSLATABLE, read_only=True)
    published = serializers.BooleanField()
    sort_order = serializers.IntegerField()
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        ref_name = "PrivateCategory"


# -- input ------------------------------------------------------------------------------


def validate_slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise serializers.ValidationError(
            "Use lowercase letters, digits and single hyphens (e.g. hand-poured-candle)."
        )
    return value


class OptionTranslationsField(TranslationsField):
    """An option's translations: ``{"fr": {"name": "Taille", "values": {"S": "Petit"}}}``
    (``values`` maps the option's own values to their translation)."""

    def clean_text(self, locale, name, value):
        if name != "values":
            return super().clean_text(locale, name, value)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Expected an object of value: text.")
        if len(value) > MAX_OPTION_VALUES:
            raise serializers.ValidationError(f"At most {MAX_OPTION_VALUES} values.")
        clean = {}
        for key, text in value.items():
            if not isinstance(text, str) or len(text.strip()) > 100:
                raise serializers.ValidationError(
                    f"{key}: a string of at most 100 characters."
                )
            if text.strip():
                clean[key.strip()] = text.strip()
        return clean


class OptionInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    values = serializers.ListField(
        child=StrictCharField(max_length=100),
        min_length=1,
        max_length=MAX_OPTION_VALUES,
    )
    translations = OptionTranslationsField(
        fields=OPTION_TRANSLATABLE,
        required=False,
        help_text='{"fr": {"name": "Taille", "values": {"S": "Petit"}}}; omitted: the '
        "option keeps the translations it had.",
    )

    class Meta:
        ref_name = "ProductOptionInput"

    def validate_name(self, value):
        return value.strip()

    def validate_values(self, value):
        value = [v.strip() for v in value]
        if any(not v for v in value):
            raise serializers.ValidationError("Values may not be blank.")
        if len({v.lower() for v in value}) != len(value):
            raise serializers.ValidationError("Each value may appear once.")
        return value

    def validate(self, attrs):
        known = {v.lower() for v in attrs.get("values", [])}
        for locale, texts in (attrs.get("translations") or {}).items():
            unknown = [v for v in texts.get("values", {}) if v.lower() not in known]
            if unknown:
                raise serializers.ValidationError(
                    {
                        "translations": {
                            locale: {
                                "values": [
                                    f"Not a value of this option: {', '.join(unknown)}."
                                ]
                            }
                        }
                    }
                )
        return attrs


class VariantInputSerializer(serializers.Serializer):
    option_values = serializers.DictField(
        child=StrictCharField(max_length=100),
        help_text='{"Size": "M", "Colour": "Red"}',
    )
    sku = StrictCharField(max_length=100, required=False, allow_blank=True)
    barcode = StrictCharField(max_length=64, required=False, allow_blank=True)
    price = MinorUnitsField(
        required=False,
        allow_null=True,
        help_text="Own price; omit or null for the product's.",
    )
    prices = CurrencyPriceInputSerializer(
        many=True,
        required=False,
        max_length=50,
        help_text='Explicit prices in other currencies: [{"currency": "EUR", "amount": 2900}].',
    )
    stock = StrictIntegerField(required=False, min_value=0, max_value=10**9)
    weight_grams = StrictIntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**7
    )
    media_id = StrictCharField(
        required=False,
        allow_null=True,
        max_length=40,
        help_text="One of the product's media (med_...) showing this variant; null for none.",
    )

    class Meta:
        ref_name = "ProductVariantInput"

    def validate_prices(self, value):
        return currency_prices_in(value)


class BundleComponentInputSerializer(serializers.Serializer):
    variant_id = StrictCharField(
        max_length=40, help_text="A variant (var_...) of another product of the store."
    )
    quantity = StrictIntegerField(
        min_value=1, max_value=10**6, default=1, help_text="Units in one bundle."
    )

    class Meta:
        ref_name = "BundleComponentInput"


class SubscriptionTermsInputSerializer(serializers.Serializer):
    interval = serializers.ChoiceField(choices=Product.Interval.choices)
    interval_count = StrictIntegerField(required=False, min_value=1, max_value=365)
    trial_days = StrictIntegerField(required=False, min_value=0, max_value=730)

    class Meta:
        ref_name = "SubscriptionTermsInput"


class ProductInputSerializer(serializers.Serializer):
    """``POST /products`` (``partial=True`` for PATCH: only sent fields change)."""

    name = StrictCharField(max_length=255)
    slug = StrictCharField(max_length=200, required=False, validators=[validate_slug])
    summary = StrictCharField(max_length=500, required=False, allow_blank=True)
    description = StrictCharField(required=False, allow_blank=True, max_length=100_000)
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)
    product_type = serializers.ChoiceField(
        choices=Product.ProductType.choices, required=False
    )
    price = MinorUnitsField(help_text="Minor units of the store currency.")
    subscription = SubscriptionTermsInputSerializer(
        required=False,
        help_text="Subscription products: the billing interval, its count (default 1) and "
        "free trial days (default 0).",
    )
    sale_price = MinorUnitsField(required=False, allow_null=True)
    prices = CurrencyPriceInputSerializer(
        many=True,
        required=False,
        max_length=50,
        help_text="A simple product's explicit prices in other currencies, which win over "
        'the exchange rate: [{"currency": "EUR", "amount": 2900}]. Replaces them.',
    )
    sale_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    sale_starts_at = TimestampField(required=False, allow_null=True)
    sale_ends_at = TimestampField(required=False, allow_null=True)
    cost = MinorUnitsField(required=False, allow_null=True)
    sku = StrictCharField(max_length=100, required=False, allow_blank=True)
    barcode = StrictCharField(max_length=64, required=False, allow_blank=True)
    brand = StrictCharField(max_length=100, required=False, allow_blank=True)
    weight_grams = StrictIntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**7
    )
    stock = StrictIntegerField(
        required=False, min_value=0, max_value=10**9, help_text="Simple products only."
    )
    track_inventory = StrictBooleanField(required=False)
    low_stock_threshold = StrictIntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**9
    )
    min_order_quantity = StrictIntegerField(
        required=False, min_value=1, max_value=10**6
    )
    max_order_quantity = StrictIntegerField(
        required=False, allow_null=True, min_value=1, max_value=10**6
    )
    shipping_type = serializers.ChoiceField(
        choices=Product.ShippingType.choices, required=False
    )
    require_delivery_or_collection = StrictBooleanField(required=False)
    fixed_shipping_rate_cents = MinorUnitsField(required=False, allow_null=True)
    featured = StrictBooleanField(required=False)
    sort_order = StrictIntegerField(required=False, min_value=-(10**6), max_value=10**6)
    metadata = MetadataField(required=False)
    category_ids = serializers.ListField(
        child=StrictCharField(max_length=40), required=False, max_length=100
    )
    options = OptionInputSerializer(many=True, required=False, max_length=MAX_OPTIONS)
    translations = TranslationsField(
        fields=PRODUCT_TRANSLATABLE,
        required=False,
        help_text='{"fr": {"name": "...", "summary": "...", "description": "..."}} for the '
        "store's supportedLocales; replaces the product's translations when sent.",
    )
    variants = VariantInputSerializer(
        many=True, required=False, max_length=MAX_VARIANTS
    )
    components = BundleComponentInputSerializer(
        many=True,
        required=False,
        max_length=bundles.MAX_COMPONENTS,
        help_text="Bundles only: the variants one bundle contains; replaces the list.",
    )

    class Meta:
        ref_name = "ProductInput"

    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("The name field may not be blank.")
        return value

    def validate_status(self, value):
        if not self.partial and value == Product.Status.ARCHIVED:
            raise serializers.ValidationError("A new product is draft or published.")
        return value

    def validate_prices(self, value):
        return currency_prices_in(value)

    def validate_options(self, value):
        names = [option["name"].lower() for option in value]
        if len(set(names)) != len(names):
            raise serializers.ValidationError("Each option name may appear once.")
        return value

    def validate(self, attrs):
        if attrs.get("variants") and "stock" in attrs:
            raise serializers.ValidationError(
                {"stock": ["Set stock on each variant of a variant-based product."]}
            )
        return attrs


class InventoryInputSerializer(serializers.Serializer):
    variant_id = StrictCharField(required=False, allow_null=True, max_length=40)
    operation = serializers.ChoiceField(choices=["set", "increment", "decrement"])
    quantity = StrictIntegerField(min_value=0, max_value=10**9)
    reason = StrictCharField(required=False, allow_blank=True, max_length=255)

    class Meta:
        ref_name = "InventoryInput"


class ReviewInputSerializer(serializers.Serializer):
    rating = StrictIntegerField(min_value=1, max_value=5)
    title = StrictCharField(max_length=200, required=False, allow_blank=True)
    body = StrictCharField(max_length=5000)
    author_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    author_email = serializers.EmailField(
        required=False, allow_blank=True, max_length=254
    )

    class Meta:
        ref_name = "ReviewInput"

    def validate_body(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("The body field may not be blank.")
        return value


class ReviewModerateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[Review.Status.APPROVED, Review.Status.REJECTED]
    )

    class Meta:
        ref_name = "ReviewModerateInput"


class CategoryInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)
    slug = StrictCharField(max_length=200, required=False, validators=[validate_slug])
    parent_id = StrictCharField(max_length=40, required=False, allow_null=True)
    description = StrictCharField(required=False, allow_blank=True, max_length=20_000)
    meta_title = StrictCharField(required=False, allow_blank=True, max_length=200)
    meta_description = StrictCharField(required=False, allow_blank=True, max_length=500)
    published = StrictBooleanField(required=False)
    sort_order = StrictIntegerField(required=False, min_value=-(10**6), max_value=10**6)
    translations = TranslationsField(
        fields=CATEGORY_TRANSLATABLE,
        required=False,
        help_text='{"fr": {"name": "...", "description": "...", "metaTitle": "...", '
        '"metaDescription": "..."}}; replaces the category\'s translations when sent.',
    )

    class Meta:
        ref_name = "CategoryInput"

    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("The name field may not be blank.")
        return value

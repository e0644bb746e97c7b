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
    context_locale,
    context_mode,
    money_dict,
)
from core.api.schema import PageMetaSerializer
from core.markdown import markdown_html
from core.money import Money

from .derived import (
    price_object,
    product_facts,
    product_stock,
    variant_in_stock,
    variant_name,
    variant_option_map,
)
from .models import Product, Review

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_OPTIONS = 5
MAX_OPTION_VALUES = 100
MAX_VARIANTS = 250


def _store(context):
    return context["store"]


def _money(context, amount: int | None) -> dict | None:
    if amount is None:
        return None
    return money_dict(Money(int(amount), _store(context).currency), context)


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
    name = serializers.CharField()
    position = serializers.IntegerField()
    values = serializers.SerializerMethodField()

    class Meta:
        ref_name = "ProductOption"

    def get_values(self, option) -> list[str]:
        return [value.value for value in option.values.all()]


class ProductCategorySerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
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
        return variant_name(variant)

    @extend_schema_field(MoneySerializer)
    def get_price(self, variant):
        return _money(self.context, variant.current_price_amount())

    def get_in_stock(self, variant) -> bool:
        return variant_in_stock(variant, variant.product, context_mode(self.context))

    def get_inventory_count(self, variant) -> int:
        return variant.available_stock(context_mode(self.context))

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_option_values(self, variant):
        return variant_option_map(variant)


class PrivateVariantSerializer(VariantSerializer):
    stock = serializers.IntegerField()
    barcode = serializers.CharField()
    weight_grams = serializers.IntegerField(allow_null=True)
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        ref_name = "PrivateProductVariant"


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
    name = serializers.CharField()
    summary = serializers.CharField()
    description = serializers.CharField(help_text="Markdown.")
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

    class Meta:
        ref_name = "Product"

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
        )

    def get_price_min(self, product) -> int:
        return product_facts(product).price_min

    def get_price_max(self, product) -> int:
        return product_facts(product).price_max

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
        return markdown_html(product.description)

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
        return ProductCategorySerializer(self._categories(product), many=True).data

    def get_review_count(self, product) -> int:
        return product.review_summary(context_mode(self.context))[0]

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_average_rating(self, product) -> float | None:
        return product.review_summary(context_mode(self.context))[1]


class PrivateProductSerializer(ProductSerializer):
    """The private view: the public fields plus internal ones and variant stock."""

    variant_serializer = PrivateVariantSerializer

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

    class Meta:
        ref_name = "PrivateProduct"

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
    name = serializers.CharField()
    description = serializers.CharField()
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
    meta_title = serializers.CharField()
    meta_description = serializers.CharField()

    class Meta:
        ref_name = "Category"


class PrivateCategorySerializer(CategorySerializer):
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


class OptionInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    values = serializers.ListField(
        child=StrictCharField(max_length=100),
        min_length=1,
        max_length=MAX_OPTION_VALUES,
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
    variants = VariantInputSerializer(
        many=True, required=False, max_length=MAX_VARIANTS
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


class ProductListQuerySerializer(serializers.Serializer):
    category = serializers.CharField(required=False, allow_blank=True, max_length=200)
    q = serializers.CharField(required=False, max_length=200, allow_blank=True)
    sort = serializers.ChoiceField(
        choices=["name", "-name", "price", "-price", "createdAt", "-createdAt"],
        required=False,
    )


class PrivateProductListQuerySerializer(ProductListQuerySerializer):
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)
    updated_after = TimestampField(required=False)
    sort = serializers.ChoiceField(
        choices=[
            "name",
            "-name",
            "price",
            "-price",
            "createdAt",
            "-createdAt",
            "updatedAt",
            "-updatedAt",
        ],
        required=False,
    )


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


class ReviewListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Review.Status.choices, required=False)
    product_id = serializers.CharField(required=False, allow_blank=True, max_length=40)


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

    class Meta:
        ref_name = "CategoryInput"

    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("The name field may not be blank.")
        return value

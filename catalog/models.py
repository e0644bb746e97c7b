"""What a store sells: products, their options and variants, media, categories, reviews.

Stock lives on variants only. A simple product has exactly one variant (``is_default``, no
option values) that carries its sku, price and stock; the API shows it as
``defaultVariantId`` with ``variants: []``. A variant-based product has one variant per
combination of option values. Every stock change leaves an :class:`InventoryAdjustment`.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.ids import PrefixedIdField
from core.models import BaseModel, StoreOwnedModel

#: Stock level at or below which ``inventory.low`` fires when a product sets no threshold.
DEFAULT_LOW_STOCK_THRESHOLD = 5
#: The most units one variant can hold: the largest value of its ``stock`` column (a 32-bit
#: integer on every database). A change that would go past it is refused (422).
MAX_STOCK = 2_147_483_647


class Category(StoreOwnedModel):
    id = PrefixedIdField("cat")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    description = models.TextField(blank=True, default="")
    image = models.ImageField(upload_to="categories/%Y/%m/", blank=True, null=True)
    meta_title = models.CharField(max_length=200, blank=True, default="")
    meta_description = models.CharField(max_length=500, blank=True, default="")
    published = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0)
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text="Other locales' text: {locale: {name, description, meta_title, "
        "meta_description}} (see core.locales).",
    )

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["store", "slug"], name="uniq_category_slug_per_store"
            )
        ]

    def __str__(self):
        return self.name


class Product(StoreOwnedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    class ProductType(models.TextChoices):
        PHYSICAL = "physical", "Physical"
        DIGITAL = "digital", "Digital"
        BUNDLE = "bundle", "Bundle"
        SUBSCRIPTION = "subscription", "Subscription"

    class Interval(models.TextChoices):
        """A subscription product's billing interval (``subscription.interval``)."""

        DAY = "day", "Day"
        WEEK = "week", "Week"
        MONTH = "month", "Month"
        YEAR = "year", "Year"

    class ShippingType(models.TextChoices):
        REQUIRED = "required", "Required"
        OPTIONAL = "optional", "Optional"
        NONE = "none", "None"

    id = PrefixedIdField("prod")
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255)
    summary = models.CharField(max_length=500, blank=True, default="")
    description = models.TextField(blank=True, default="", help_text="Markdown.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    product_type = models.CharField(
        max_length=16, choices=ProductType.choices, default=ProductType.PHYSICAL
    )
    # Money in minor units of the store currency.
    price_amount = models.PositiveBigIntegerField(default=0)
    sale_price_amount = models.PositiveBigIntegerField(null=True, blank=True)
    sale_name = models.CharField(max_length=100, blank=True, default="")
    sale_starts_at = models.DateTimeField(null=True, blank=True)
    sale_ends_at = models.DateTimeField(null=True, blank=True)
    cost_amount = models.PositiveBigIntegerField(null=True, blank=True)
    sku = models.CharField(max_length=100, blank=True, default="")
    barcode = models.CharField(max_length=64, blank=True, default="")
    brand = models.CharField(max_length=100, blank=True, default="")
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    min_order_quantity = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)]
    )
    max_order_quantity = models.PositiveIntegerField(null=True, blank=True)
    shipping_type = models.CharField(
        max_length=16, choices=ShippingType.choices, default=ShippingType.REQUIRED
    )
    require_delivery_or_collection = models.BooleanField(default=False)
    fixed_shipping_rate_amount = models.PositiveBigIntegerField(null=True, blank=True)
    track_inventory = models.BooleanField(default=True)
    featured = models.BooleanField(default=False)
    sort_order = models.IntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=f"inventory.low fires when a variant's stock falls to this or below "
        f"(empty: {DEFAULT_LOW_STOCK_THRESHOLD}).",
    )
    metadata = models.JSONField(default=dict, blank=True)
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text="Other locales' text: {locale: {name, summary, description}} "
        "(see core.locales).",
    )
    # Subscription products (``product_type`` subscription) only: charged every
    # ``interval_count`` ``interval``s at the variant price, after ``trial_days`` free days
    # (the ``subscriptions`` app bills them).
    subscription_interval = models.CharField(
        max_length=8, choices=Interval.choices, blank=True, default="", db_default=""
    )
    subscription_interval_count = models.PositiveSmallIntegerField(
        default=1,
        db_default=1,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    subscription_trial_days = models.PositiveSmallIntegerField(
        default=0, db_default=0, validators=[MaxValueValidator(730)]
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="products")
    # Approved reviews by the mode of the key that posted them, kept by
    # ``services.product_review_totals_refresh`` on every review write, so that lists read
    # them with the row instead of aggregating reviews per product. See review_summary().
    reviews_live_count = models.PositiveIntegerField(default=0, editable=False)
    reviews_live_rating_sum = models.PositiveIntegerField(default=0, editable=False)
    reviews_test_count = models.PositiveIntegerField(default=0, editable=False)
    reviews_test_rating_sum = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "slug"], name="uniq_product_slug_per_store"
            ),
            models.CheckConstraint(
                condition=Q(max_order_quantity__isnull=True)
                | Q(max_order_quantity__gte=models.F("min_order_quantity")),
                name="product_max_qty_gte_min_qty",
            ),
        ]
        # One per order the list endpoints offer (selectors.PUBLIC_SORTS / PRIVATE_SORTS),
        # ending in ``id`` like the ORDER BY, so a page is an index range scan, never a sort
        # of the catalogue: with the status (the public list) and without (the private one).
        indexes = [
            models.Index(
                fields=["store", "status", "sort_order", "name", "id"],
                name="catalog_prod_status_order",
            ),
            models.Index(
                fields=["store", "status", "name", "id"],
                name="catalog_prod_status_name",
            ),
            models.Index(
                fields=["store", "status", "created_at", "id"],
                name="catalog_prod_status_created",
            ),
            models.Index(
                fields=["store", "sort_order", "name", "id"], name="catalog_prod_order"
            ),
            models.Index(
                fields=["store", "updated_at", "id"], name="catalog_prod_updated"
            ),
        ]

    def __str__(self):
        return self.name

    def sale_active(self, at=None) -> bool:
        """A sale price below the price, inside its window (open ends allowed)."""
        if (
            self.sale_price_amount is None
            or self.sale_price_amount >= self.price_amount
        ):
            return False
        at = at or timezone.now()
        if self.sale_starts_at and at < self.sale_starts_at:
            return False
        return not (self.sale_ends_at and at >= self.sale_ends_at)

    def current_price_amount(self, at=None) -> int:
        """What a shopper pays per unit now: the sale price while the sale runs, else price."""
        return self.sale_price_amount if self.sale_active(at) else self.price_amount

    def review_summary(self, mode: str) -> tuple[int, float | None]:
        """``(count, average rating to one decimal)`` of the approved reviews a key of
        ``mode`` shows (:meth:`Review.shown_in`: test mode adds test reviews to live ones)."""
        count, total = self.reviews_live_count, self.reviews_live_rating_sum
        if mode != "live":
            count += self.reviews_test_count
            total += self.reviews_test_rating_sum
        return count, (round(total / count, 1) if count else None)

    @property
    def is_subscription(self) -> bool:
        return self.product_type == self.ProductType.SUBSCRIPTION

    def subscription_terms(self) -> dict | None:
        """``{interval, interval_count, trial_days}`` of a subscription product, else None."""
        if not self.is_subscription:
            return None
        return {
            "interval": self.subscription_interval or self.Interval.MONTH,
            "interval_count": self.subscription_interval_count,
            "trial_days": self.subscription_trial_days,
        }

    @property
    def requires_shipping(self) -> bool:
        return (
            self.shipping_type != self.ShippingType.NONE
            and self.product_type != self.ProductType.DIGITAL
        )

    @property
    def effective_low_stock_threshold(self) -> int:
        if self.low_stock_threshold is None:
            return DEFAULT_LOW_STOCK_THRESHOLD
        return self.low_stock_threshold


class ProductOption(BaseModel):
    """An option such as Size, with ordered values (S, M, L)."""

    id = PrefixedIdField("opt")
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="options"
    )
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text="Other locales' name: {locale: {name}}.",
    )

    store_lookup = "product__store"

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "name"], name="uniq_option_name_per_product"
            )
        ]

    def __str__(self):
        return self.name


class ProductOptionValue(BaseModel):
    id = PrefixedIdField("optv")
    option = models.ForeignKey(
        ProductOption, on_delete=models.CASCADE, related_name="values"
    )
    value = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text="Other locales' text: {locale: {value}}.",
    )

    store_lookup = "option__product__store"

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["option", "value"], name="uniq_value_per_option"
            )
        ]

    def __str__(self):
        return self.value


class Variant(BaseModel):
    """A purchasable SKU: the default one of a simple product, or one option combination."""

    id = PrefixedIdField("var")
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants"
    )
    is_default = models.BooleanField(default=False)
    sku = models.CharField(max_length=100, blank=True, default="")
    barcode = models.CharField(max_length=64, blank=True, default="")
    # None: the product's price (and sale price) apply.
    price_amount = models.PositiveBigIntegerField(null=True, blank=True)
    #: Explicit prices in other currencies, ``{"EUR": 2900}`` (minor units): they win over
    #: the store's exchange rate (and over sales) in that currency.
    currency_prices = models.JSONField(default=dict, blank=True, db_default={})
    stock = models.IntegerField(default=0)
    test_reserved = models.PositiveIntegerField(
        default=0,
        help_text="Units taken by test-mode orders. Test mode never changes stock: what it "
        "can buy is stock minus these, and a reset of the test data clears them.",
    )
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    option_values = models.ManyToManyField(
        ProductOptionValue, blank=True, related_name="variants"
    )
    # The product image showing this variant (one of the product's media), if any.
    media = models.ForeignKey(
        "Media", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    store_lookup = "product__store"

    class Meta:
        ordering = ["position", "created_at"]
        indexes = [models.Index(fields=["sku"], name="catalog_variant_sku")]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__gte=0), name="variant_stock_not_negative"
            ),
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(is_default=True),
                name="one_default_variant",
            ),
        ]

    def __str__(self):
        return self.sku or self.id

    def current_price_amount(self, at=None) -> int:
        """A variant's own price when it has one (product sales do not apply to it), else the
        product's current price (sale included)."""
        if self.price_amount is not None:
            return self.price_amount
        return self.product.current_price_amount(at)

    def available_stock(self, mode: str = "live") -> int:
        """Units a key of ``mode`` can buy: the stock in live mode; in test mode, the stock
        less what test-mode orders took (``test_reserved``), never below 0.

        The variant of a bundle holds no stock: once ``catalog.bundles`` has attached the
        bundle's components to it (``_bundle_rows``), this is the number of whole bundles
        they allow (:func:`bundle_available`); without them, its own stock (0)."""
        rows = getattr(self, "_bundle_rows", None)
        if rows is not None:
            return bundle_available(rows, mode)
        if mode == "test":
            return max(self.stock - self.test_reserved, 0)
        return self.stock

    def is_purchasable_quantity(self, quantity: int, mode: str = "live") -> bool:
        return (
            not self.product.track_inventory or self.available_stock(mode) >= quantity
        )


def bundle_available(rows, mode: str = "live") -> int:
    """Whole bundles that ``rows`` (:class:`BundleComponent` with ``component.product``
    loaded) allow a key of ``mode``: the least, over components whose product tracks stock,
    of the component's available stock divided by its quantity (rounded down). A bundle
    without components is not for sale (0); one whose components track no stock is limited
    by nothing (:data:`MAX_STOCK`)."""
    if not rows:
        return 0
    counts = [
        row.component.available_stock(mode) // row.quantity
        for row in rows
        if row.component.product.track_inventory
    ]
    return max(min(counts), 0) if counts else MAX_STOCK


class Media(BaseModel):
    id = PrefixedIdField("med")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to="products/%Y/%m/", max_length=300)
    alt = models.CharField(max_length=255, blank=True, default="")
    is_video = models.BooleanField(default=False)
    aspect_ratio = models.FloatField(null=True, blank=True, help_text="width / height")
    position = models.PositiveIntegerField(
        default=0, help_text="0 is the primary item."
    )

    store_lookup = "product__store"

    class Meta:
        ordering = ["position", "created_at"]
        verbose_name_plural = "media"

    def __str__(self):
        return self.alt or self.file.name


class Review(StoreOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending_moderation", "Pending moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    id = PrefixedIdField("prev")
    mode = models.CharField(
        max_length=8,
        default="test",
        help_text="The key mode it was posted with. Live storefronts show live reviews "
        "only; test mode shows live and test reviews.",
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="reviews"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    title = models.CharField(max_length=200, blank=True, default="")
    body = models.TextField()
    author_name = models.CharField(max_length=100, blank=True, default="")
    author_email = models.EmailField(blank=True, default="")
    verified_purchase = models.BooleanField(default=False)
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.PENDING, db_index=True
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5),
                name="review_rating_1_to_5",
            )
        ]

    def __str__(self):
        return f"{self.rating}★ {self.title or self.body[:30]}"

    @staticmethod
    def shown_in(mode: str) -> Q:
        """The reviews a key of ``mode`` shows: test mode adds its own to the live ones."""
        return Q(mode="live") if mode == "live" else Q(mode__in=("live", mode))


class InventoryAdjustment(StoreOwnedModel):
    """Audit row for every stock change."""

    class Source(models.TextChoices):
        API = "api", "API"
        DASHBOARD = "dashboard", "Dashboard"
        CHECKOUT = "checkout", "Checkout"
        RELEASE = "release", "Released reservation"
        REFUND = "refund", "Refund restock"
        CANCEL = "cancel", "Cancellation restock"
        IMPORT = "import", "Import"

    id = PrefixedIdField("inv")
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="inventory_adjustments"
    )
    # Kept (variant set to null) when a variant is removed, so the audit trail survives.
    variant = models.ForeignKey(
        Variant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inventory_adjustments",
    )
    mode = models.CharField(
        max_length=8,
        default="live",
        help_text="test: a test-mode order took or gave back units; before and after are "
        "then the test-mode availability (live stock is untouched).",
    )
    stock_before = models.IntegerField()
    stock_after = models.IntegerField()
    reason = models.CharField(max_length=255, blank=True, default="")
    source = models.CharField(max_length=16, choices=Source.choices)
    reference = models.CharField(
        max_length=64, blank=True, default="", help_text="Order id, etc."
    )
    actor = models.CharField(
        max_length=150, blank=True, default="", help_text="User or key."
    )

    class Meta:
        ordering = ["-created_at"]

    @property
    def delta(self) -> int:
        return self.stock_after - self.stock_before


class BundleComponent(BaseModel):
    """``quantity`` units of ``component`` in one unit of the ``bundle`` product.

    A bundle holds no stock of its own: it is sold from its components' stock
    (``catalog.services.stock_reserve`` takes ``quantity`` x bundles of each), and what it
    can sell is the number of whole bundles they allow. A component is a variant of a
    product of the same store that is not itself a bundle. A variant that is a component
    cannot be deleted (``RESTRICT``) until no bundle lists it; deleting the bundle (or the
    whole store) takes its components rows with it.
    """

    id = PrefixedIdField("bcmp")
    bundle = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="bundle_components"
    )
    component = models.ForeignKey(
        Variant, on_delete=models.RESTRICT, related_name="bundle_memberships"
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    position = models.PositiveIntegerField(default=0)

    store_lookup = "bundle__store"

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bundle", "component"], name="uniq_bundle_component"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="bundle_component_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.component_id}"

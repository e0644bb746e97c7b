"""Pricing configuration: discount codes, shipping methods and tax rates.

The cart itself is an :class:`orders.models.Order` with ``type="cart"`` (Cart and Order share
one model, as the API's ``ord_`` ids show).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

from core.ids import PrefixedIdField
from core.models import StoreOwnedModel
from orders.models import Order


class Discount(StoreOwnedModel):
    class Type(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage"
        FIXED = "fixed", "Fixed amount"
        FREE_SHIPPING = "free_shipping", "Free shipping"

    id = PrefixedIdField("disc")
    code = models.CharField(max_length=64, help_text="Matched case-insensitively.")
    type = models.CharField(max_length=16, choices=Type.choices)
    # percentage: whole percent (20 = 20%); fixed: minor units; free_shipping: unused (0).
    value = models.PositiveBigIntegerField(default=0)
    active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    usage_limit_per_customer = models.PositiveIntegerField(null=True, blank=True)
    usage_count = models.PositiveIntegerField(default=0, editable=False)
    test_usage_count = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Uses by test-mode orders, counted apart: test mode never uses up the "
        "live code, and its limits apply within test mode.",
    )
    minimum_subtotal_amount = models.PositiveBigIntegerField(null=True, blank=True)
    #: Explicit amounts in other currencies, which win over the exchange rate:
    #: ``{"EUR": {"value": 500, "minimum_subtotal": 2000}}`` (fixed value, minimum).
    currency_amounts = models.JSONField(default=dict, blank=True, db_default={})
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="discounts"
    )
    categories = models.ManyToManyField(
        "catalog.Category", blank=True, related_name="discounts"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Upper("code"), "store", name="uniq_discount_code_per_store"
            ),
            models.CheckConstraint(
                condition=~Q(type="percentage") | Q(value__lte=100),
                name="discount_percentage_lte_100",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True)
                | Q(usage_count__lte=models.F("usage_limit")),
                name="discount_usage_within_limit",
            ),
        ]

    def __str__(self):
        return self.code

    def used(self, mode: str = "live") -> int:
        """Uses counted against ``usage_limit`` in ``mode``."""
        return self.test_usage_count if mode == "test" else self.usage_count


#: The usage counter of each key mode.
USAGE_COUNTER = {"live": "usage_count", "test": "test_usage_count"}


class DiscountRedemption(StoreOwnedModel):
    """One use of a discount by one order (the per-customer limit counts these)."""

    id = PrefixedIdField("dred")
    discount = models.ForeignKey(
        Discount, on_delete=models.CASCADE, related_name="redemptions"
    )
    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="discount_redemption"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    email = models.EmailField(blank=True, default="")


class ShippingMethod(StoreOwnedModel):
    id = PrefixedIdField("shm")
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True, default="")
    price_amount = models.PositiveBigIntegerField(default=0)
    countries = models.JSONField(
        default=list, blank=True, help_text="ISO codes; empty = every shipping country."
    )
    estimated_min_days = models.PositiveIntegerField(null=True, blank=True)
    estimated_max_days = models.PositiveIntegerField(null=True, blank=True)
    free_above_amount = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="Free when the discounted subtotal reaches this.",
    )
    min_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    max_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0)

    #: Explicit amounts in other currencies, which win over the exchange rate:
    #: ``{"EUR": {"price": 500, "free_above": 5000}}``.
    currency_amounts = models.JSONField(default=dict, blank=True, db_default={})

    class Meta:
        ordering = ["sort_order", "price_amount", "name"]

    def __str__(self):
        return self.name


class TaxRate(StoreOwnedModel):
    id = PrefixedIdField("txr")
    country_code = models.CharField(max_length=2)
    state = models.CharField(max_length=10, blank=True, default="")
    postcode_prefix = models.CharField(max_length=20, blank=True, default="")
    name = models.CharField(max_length=100, default="VAT")
    rate = models.DecimalField(
        max_digits=7,
        decimal_places=5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="0.2 for 20%.",
    )
    applies_to_shipping = models.BooleanField(default=True)

    class Meta:
        ordering = ["country_code", "state", "postcode_prefix"]

    def __str__(self):
        where = "-".join(
            filter(None, [self.country_code, self.state, self.postcode_prefix])
        )
        return f"{self.name} {self.rate} ({where})"


class OpenCartManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(type="cart")


class OpenCart(Order):
    """Open carts (``orders.Order`` with ``type="cart"``), for their own dashboard page."""

    objects = OpenCartManager()

    class Meta:
        proxy = True
        verbose_name = "open cart"
        verbose_name_plural = "open carts"

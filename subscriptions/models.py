"""Customer subscriptions: a subscription product bought at checkout, charged again every
period by the renewal task (``services.subscriptions_renew_due``).

Each charge is an order placed through checkout's own code (``carts.checkout``), so stock,
tax, emails, webhooks and reports see renewals as orders. A :class:`SubscriptionRenewal` is
one try at paying one period; its unique key (subscription, period start, attempt) is what
makes a renewal run twice, or by two workers at once, charge once.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.ids import PrefixedIdField
from core.models import BaseModel, Mode, StoreOwnedModel
from core.money import Money


class Subscription(StoreOwnedModel):
    class Status(models.TextChoices):
        TRIALING = "trialing", "Trialing"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due"
        PAUSED = "paused", "Paused"
        CANCELLED = "cancelled", "Cancelled"

    #: Subscriptions the renewal task charges when due.
    BILLABLE_STATES = (Status.TRIALING, Status.ACTIVE, Status.PAST_DUE)
    #: Subscriptions that can still be cancelled (by the shopper or the merchant).
    OPEN_STATES = (*BILLABLE_STATES, Status.PAUSED)

    id = PrefixedIdField("sub")
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.TEST)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscriptions",
    )
    email = models.EmailField(blank=True, default="")
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    variant = models.ForeignKey(
        "catalog.Variant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    product_name = models.CharField(max_length=255, blank=True, default="")
    variant_name = models.CharField(max_length=255, blank=True, default="")
    quantity = models.PositiveIntegerField(default=1)
    currency = models.CharField(max_length=3)
    #: The price of one unit per period when the subscription started (minor units); each
    #: renewal charges the variant's price at that time, priced like any checkout.
    price_amount = models.BigIntegerField(default=0)
    interval = models.CharField(max_length=8)
    interval_count = models.PositiveSmallIntegerField(default=1)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    #: When the renewal task charges next (the period end, or a retry after a decline).
    next_charge_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    # How renewals pay: the payment method checkout was given (a test card with the offline
    # gateway), through the gateway that took it.
    payment_gateway = models.CharField(max_length=32, blank=True, default="")
    payment_method = models.CharField(max_length=100, blank=True, default="")
    #: Stripe Billing: the Customer and Subscription ids when Stripe bills it.
    gateway_customer_id = models.CharField(max_length=255, blank=True, default="")
    gateway_subscription_id = models.CharField(
        max_length=255, blank=True, default="", db_index=True
    )
    # Where renewal orders go: copied from the order that started the subscription.
    shipping_address = models.JSONField(null=True, blank=True)
    billing_address = models.JSONField(null=True, blank=True)
    shipping_method = models.ForeignKey(
        "carts.ShippingMethod",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin_order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Checkout's order.paid is handled once per line, whatever replays it.
            models.UniqueConstraint(
                fields=["origin_order", "variant"],
                condition=Q(origin_order__isnull=False, variant__isnull=False),
                name="one_subscription_per_order_line",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_charge_at"], name="subs_due_idx"),
            models.Index(
                fields=["store", "mode", "-created_at", "-id"], name="subs_store_new"
            ),
        ]

    def __str__(self):
        return f"{self.product_name} every {self.interval_count} {self.interval}"

    def money(self, amount: int) -> Money:
        return Money(int(amount), self.currency)

    @property
    def billed_by_stripe(self) -> bool:
        """Stripe Billing charges it (checkout paid through Stripe); else the renewal task."""
        return self.payment_gateway == "stripe"

    @property
    def price(self) -> Money:
        return self.money(self.price_amount * self.quantity)


class SubscriptionRenewal(BaseModel):
    """One try at charging one period of a subscription (the trial's end is the first)."""

    class Status(models.TextChoices):
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = PrefixedIdField("subr")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="renewals"
    )
    period_start = models.DateTimeField()
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PROCESSING
    )
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.CharField(max_length=500, blank=True, default="")

    store_lookup = "subscription__store"

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start", "attempt"],
                name="one_renewal_per_period_attempt",
            )
        ]

    def __str__(self):
        return f"{self.subscription_id} {self.period_start:%Y-%m-%d} #{self.attempt}"

    @property
    def cart_token(self) -> str:
        """The token of the cart this renewal checks out (one per renewal, so a resumed
        renewal finds its own cart or order again)."""
        return f"subscription-renewal-{self.id}"


class SubscriptionInvoice(BaseModel):
    """A Stripe Billing renewal invoice we completed while it was a draft
    (``invoice.created``): the shipping, tax and any other difference added to it as invoice
    items so that it charges what the renewal order totals. One per Stripe invoice (its
    unique id is what makes a redelivered ``invoice.created`` add nothing twice)."""

    id = PrefixedIdField("subi")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="invoices"
    )
    invoice_id = models.CharField(max_length=255, unique=True)
    currency = models.CharField(max_length=3)
    #: What Stripe's draft charged before (the subscription's price x quantity).
    invoice_amount = models.BigIntegerField(default=0)
    shipping_amount = models.BigIntegerField(default=0)
    tax_amount = models.BigIntegerField(default=0)
    #: Any other difference (a price changed since the subscription started, a discount).
    adjustment_amount = models.BigIntegerField(default=0)
    #: Our renewal order's total when priced: what the invoice charges now.
    total_amount = models.BigIntegerField(default=0)

    store_lookup = "subscription__store"

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.invoice_id

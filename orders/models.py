"""Carts and orders: one model, ``type`` cart or order (the API's ``ord_`` ids show it).

A cart belongs to its store, the key mode that created it and its ``X-Cart-Token``; at most one
open cart exists per token. Checkout turns it into an order: prices, addresses, tax lines and
the shipping choice are snapshotted onto the row and its items, and ``order_number`` is set.
Money columns are integers of minor units in ``currency``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.ids import PrefixedIdField
from core.models import BaseModel, Mode, StoreOwnedModel
from core.money import Money


class Order(StoreOwnedModel):
    class Type(models.TextChoices):
        CART = "cart", "Cart"
        ORDER = "order", "Order"

    class PaymentStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        REFUNDED = "refunded", "Refunded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    #: Orders whose payment was taken (refunds since then included): what a customer spent.
    PAID_STATES = (
        PaymentStatus.PAID,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
    )
    #: Paid orders with money still held: what can be fulfilled and refunded, and what
    #: makes a purchase (a verified review).
    REFUNDABLE_STATES = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)
    #: Placed orders that are still going somewhere: awaiting payment, or paid and not
    #: fully refunded (not failed, cancelled or refunded).
    OPEN_STATES = (PaymentStatus.PENDING, *REFUNDABLE_STATES)

    class FulfillmentStatus(models.TextChoices):
        UNFULFILLED = "unfulfilled", "Unfulfilled"
        PARTIAL = "partial", "Partially fulfilled"
        FULFILLED = "fulfilled", "Fulfilled"

    id = PrefixedIdField("ord")
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.TEST)
    type = models.CharField(
        max_length=8, choices=Type.choices, default=Type.CART, db_index=True
    )
    cart_token = models.CharField(max_length=128, db_index=True)
    currency = models.CharField(max_length=3)
    #: Units of ``currency`` per unit of the store currency when the order was priced in
    #: another currency (null: the store currency). Kept for ever: reports turn the order's
    #: amounts back into the store currency with it.
    exchange_rate = models.DecimalField(
        max_digits=16, decimal_places=6, null=True, blank=True
    )
    visitor_country = models.CharField(max_length=2, blank=True, default="")

    # Who and where.
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    email = models.EmailField(blank=True, default="")
    shipping_address = models.JSONField(null=True, blank=True)
    billing_address = models.JSONField(null=True, blank=True)
    same_as_shipping = models.BooleanField(default=True)
    notes = models.TextField(blank=True, default="")
    # db_default: rows written by code that predates the column still get "".
    locale = models.CharField(
        max_length=16,
        blank=True,
        default="",
        db_default="",
        help_text="The store locale the shopper used at checkout: the customer's emails "
        "are written in it (empty: the store's default).",
    )
    marketing_opt_in = models.BooleanField(default=False)
    terms_accepted = models.BooleanField(default=False)

    # Pricing choices and their snapshots.
    discount = models.ForeignKey(
        "carts.Discount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    discount_code = models.CharField(max_length=64, blank=True, default="")
    discount_type = models.CharField(max_length=16, blank=True, default="")
    discount_value = models.PositiveBigIntegerField(null=True, blank=True)
    shipping_method = models.ForeignKey(
        "carts.ShippingMethod",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    shipping_option = models.JSONField(
        null=True, blank=True, help_text="Snapshot: id, name, price."
    )
    tax_inclusive = models.BooleanField(default=False)
    tax_breakdown = models.JSONField(default=list, blank=True)
    subtotal_amount = models.BigIntegerField(default=0)
    discount_amount = models.BigIntegerField(default=0)
    shipping_amount = models.BigIntegerField(default=0)
    tax_amount = models.BigIntegerField(default=0)
    total_amount = models.BigIntegerField(default=0)

    # Order state.
    order_number = models.PositiveIntegerField(null=True, blank=True)
    payment_status = models.CharField(
        max_length=24,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PENDING,
        db_index=True,
    )
    fulfillment_status = models.CharField(
        max_length=16,
        choices=FulfillmentStatus.choices,
        default=FulfillmentStatus.UNFULFILLED,
    )
    payment_method = models.CharField(max_length=100, blank=True, default="")
    payment_gateway = models.CharField(max_length=32, blank=True, default="")
    payment_intent_id = models.CharField(
        max_length=255, blank=True, default="", db_index=True
    )
    payment_intent_status = models.CharField(
        max_length=32,
        blank=True,
        default="",
        help_text="The payment's own word (succeeded, ...).",
    )
    next_action_url = models.URLField(max_length=1000, blank=True, default="")
    return_url = models.URLField(max_length=1000, blank=True, default="")
    stock_reserved = models.BooleanField(default=False)
    reservation_expires_at = models.DateTimeField(null=True, blank=True)
    refunded_amount = models.BigIntegerField(default=0)
    placed_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    internal_notes = models.TextField(blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "mode", "cart_token"],
                condition=Q(type="cart"),
                name="one_open_cart_per_token",
            ),
            models.UniqueConstraint(
                fields=["store", "mode", "order_number"],
                condition=Q(order_number__isnull=False),
                name="uniq_order_number_per_store_mode",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0), name="order_refunded_not_negative"
            ),
        ]
        indexes = [
            # The private order list: newest first, ``id`` breaking ties like its ORDER BY.
            models.Index(
                fields=["store", "mode", "type", "-created_at", "-id"],
                name="orders_store_mode_type_new",
            ),
            models.Index(fields=["store", "type", "updated_at"]),
        ]

    def __str__(self):
        if self.type == self.Type.ORDER and self.order_number:
            return f"Order #{self.order_number}"
        return f"{self.get_type_display()} {self.id}"

    def money(self, amount: int) -> Money:
        return Money(int(amount), self.currency)

    @property
    def is_cart(self) -> bool:
        return self.type == self.Type.CART


class OrderItem(BaseModel):
    """A line of a cart or order. On orders, names, sku and prices are snapshots."""

    id = PrefixedIdField("oitm")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
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
    quantity = models.PositiveIntegerField(default=1)
    product_name = models.CharField(max_length=255, blank=True, default="")
    product_slug = models.CharField(max_length=255, blank=True, default="")
    variant_name = models.CharField(max_length=255, blank=True, default="")
    sku = models.CharField(max_length=100, blank=True, default="")
    product_type = models.CharField(max_length=16, blank=True, default="")
    requires_shipping = models.BooleanField(default=True)
    unit_price_amount = models.BigIntegerField(default=0)
    subtotal_amount = models.BigIntegerField(default=0)
    discount_amount = models.BigIntegerField(default=0)
    tax_amount = models.BigIntegerField(default=0)
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    quantity_refunded = models.PositiveIntegerField(default=0)
    quantity_restocked = models.PositiveIntegerField(
        default=0, help_text="Units put back in stock by refunds or the cancellation."
    )
    # A bundle line: what one bundle contained when it was priced (``catalog.bundles.
    # components_snapshot``): [{"variant_id", "product_id", "product_name",
    # "variant_name", "sku", "quantity"}]. Its stock moves are these variants'.
    bundle_components = models.JSONField(default=list, blank=True)

    store_lookup = "order__store"

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "variant"],
                condition=Q(variant__isnull=False),
                name="one_line_per_variant",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_item_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_name or self.product_id}"


class OrderNumberCounter(models.Model):
    """The next order number of one store in one key mode (test and live count separately).

    ``orders.services.order_number_assign`` locks this row with ``select_for_update`` inside the
    caller's transaction, so numbers are sequential with no gaps and no duplicates.
    """

    store = models.ForeignKey("core.Store", on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=8, choices=Mode.choices)
    next_number = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "mode"], name="uniq_order_counter_per_store_mode"
            )
        ]

    def __str__(self):
        return f"{self.store_id} {self.mode}: next #{self.next_number}"


class OfflinePaymentIntent(StoreOwnedModel):
    """A PaymentIntent of the offline gateway (no ``STRIPE_SECRET_KEY``): Stripe test mode,
    played locally. ``idempotency_key`` makes a retried create return the same intent."""

    class Status(models.TextChoices):
        REQUIRES_CONFIRMATION = "requires_confirmation", "Requires confirmation"
        SUCCEEDED = "succeeded", "Succeeded"
        REQUIRES_ACTION = "requires_action", "Requires action"
        PROCESSING = "processing", "Processing"
        REQUIRES_PAYMENT_METHOD = "requires_payment_method", "Requires payment method"
        CANCELED = "canceled", "Canceled"

    id = PrefixedIdField("pi_test")
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.TEST)
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offline_intents",
    )
    idempotency_key = models.CharField(max_length=255, unique=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    payment_method = models.CharField(max_length=100)
    status = models.CharField(max_length=32, choices=Status.choices)
    return_url = models.URLField(max_length=1000, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    error_code = models.CharField(max_length=64, blank=True, default="")
    decline_code = models.CharField(max_length=64, blank=True, default="")
    decline_message = models.CharField(max_length=255, blank=True, default="")
    amount_refunded = models.BigIntegerField(default=0)
    canceled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.id} ({self.status})"


class OfflineRefund(BaseModel):
    """A refund of an :class:`OfflinePaymentIntent` (always succeeds, like Stripe test mode)."""

    id = PrefixedIdField("re_test")
    intent = models.ForeignKey(
        OfflinePaymentIntent, on_delete=models.CASCADE, related_name="refunds"
    )
    idempotency_key = models.CharField(max_length=255, unique=True)
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=32, blank=True, default="")
    status = models.CharField(max_length=16, default="succeeded")

    store_lookup = "intent__store"

    class Meta:
        ordering = ["created_at"]


class PaymentAttempt(BaseModel):
    """One try at paying for a checkout (``carts.checkout``).

    ``number`` gives the gateway idempotency key (``payment_idempotency_key(order=, attempt=)``):
    a retry after a decline takes the next number, so the gateway does not replay the decline;
    a retry after a gateway error with the same payment method and amount reuses the number,
    so a payment the gateway did take is found again instead of charged twice. Declined
    attempts stay recorded, so a late webhook for their payment is recognised as stale.

    The attempt is committed before the gateway is called, and its ``intent_id`` is committed
    (in its own write) before the payment is confirmed: whatever dies afterwards, the payment
    can be found again and the order ends paid or refunded, never silently failed. While its
    ``status`` is pending or error, the outcome is unknown to us.
    """

    #: Statuses whose outcome is not known yet (ask the gateway).
    UNRESOLVED = ("pending", "error")

    class Status(models.TextChoices):
        PENDING = "pending", "Sent to the gateway"
        SUCCEEDED = "succeeded", "Succeeded"
        REQUIRES_ACTION = "requires_action", "Requires action"
        PROCESSING = "processing", "Processing"
        DECLINED = "declined", "Declined"
        REFUSED = "refused", "Refused by the gateway"
        ERROR = "error", "Gateway error (outcome unknown)"

    id = PrefixedIdField("payatt")
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="payment_attempts"
    )
    number = models.PositiveIntegerField()
    gateway = models.CharField(max_length=32)
    payment_method = models.CharField(
        max_length=100, help_text="What the gateway charged."
    )
    idempotency_key = models.CharField(max_length=255)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.PENDING
    )
    intent_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    error_code = models.CharField(max_length=64, blank=True, default="")
    decline_code = models.CharField(max_length=64, blank=True, default="")
    message = models.CharField(max_length=500, blank=True, default="")
    request_key = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text="The Idempotency-Key of the checkout request that made this attempt.",
    )

    store_lookup = "order__store"

    class Meta:
        ordering = ["order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "number"], name="uniq_payment_attempt_number"
            )
        ]

    def __str__(self):
        return f"Attempt {self.number} of {self.order_id} ({self.status})"


class StripeEvent(models.Model):
    """A Stripe webhook event already processed: a replayed event id changes nothing."""

    id = models.CharField(
        max_length=255, primary_key=True, help_text="Stripe's evt_ id."
    )
    type = models.CharField(max_length=64)
    livemode = models.BooleanField(default=False)
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stripe_events",
    )
    outcome = models.CharField(max_length=255, blank=True, default="")
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-processed_at"]

    def __str__(self):
        return f"{self.type} {self.id}"


# -- order operations: fulfilments, refunds and the timeline ------------------------------


class Fulfillment(BaseModel):
    """One shipment of some (or all) of an order's units, with its tracking details."""

    id = PrefixedIdField("ful")
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="fulfillments"
    )
    tracking_number = models.CharField(max_length=100, blank=True, default="")
    tracking_url = models.URLField(max_length=1000, blank=True, default="")
    carrier = models.CharField(max_length=100, blank=True, default="")
    notify_customer = models.BooleanField(default=True)
    created_by = models.CharField(max_length=150, blank=True, default="")

    store_lookup = "order__store"

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Fulfilment {self.id}"


class FulfillmentLine(BaseModel):
    """``quantity`` units of one order line shipped by a fulfilment."""

    id = PrefixedIdField("fulln")
    fulfillment = models.ForeignKey(
        Fulfillment, on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(
        OrderItem, on_delete=models.CASCADE, related_name="fulfillment_lines"
    )
    quantity = models.PositiveIntegerField()

    store_lookup = "fulfillment__order__store"

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="fulfillment_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.item_id}"


class Refund(BaseModel):
    """Money given back on an order, through the gateway that took the payment.

    ``status`` is the gateway's word (succeeded, pending) or failed: an attempt the gateway
    refused or that got no answer; the latter (``outcome_unknown``) is reused by a retry of
    the same refund, so its idempotency key can never refund twice.
    """

    class Reason(models.TextChoices):
        CUSTOMER_REQUEST = "customer_request", "Customer request"
        DUPLICATE = "duplicate", "Duplicate"
        FRAUDULENT = "fraudulent", "Fraudulent"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    #: The ``gateway`` of a refund recorded without a gateway call (bank transfer orders).
    MANUAL = "manual"

    id = PrefixedIdField("ref")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(
        max_length=32, choices=Reason.choices, blank=True, default=""
    )
    restock = models.BooleanField(default=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING
    )
    gateway = models.CharField(max_length=32, blank=True, default="")
    gateway_refund_id = models.CharField(max_length=255, blank=True, default="")
    failure_message = models.CharField(max_length=500, blank=True, default="")
    outcome_unknown = models.BooleanField(
        default=False,
        help_text="Failed without an answer from the gateway (it may have refunded): a retry "
        "of the same refund reuses this attempt's idempotency key.",
    )
    created_by = models.CharField(max_length=150, blank=True, default="")

    store_lookup = "order__store"

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=1), name="refund_amount_positive"
            ),
        ]

    def __str__(self):
        return f"Refund {self.id} ({self.status})"

    @property
    def money(self) -> Money:
        return Money(int(self.amount), self.currency)

    @property
    def counts(self) -> bool:
        """Whether this refund is part of the order's ``refunded`` total."""
        return self.status != self.Status.FAILED


class RefundLine(BaseModel):
    """``quantity`` units of one order line covered by a refund (restocked or not)."""

    id = PrefixedIdField("refln")
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(
        OrderItem, on_delete=models.CASCADE, related_name="refund_lines"
    )
    quantity = models.PositiveIntegerField()
    restocked = models.BooleanField(default=False)

    store_lookup = "refund__order__store"

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="refund_line_quantity_positive"
            ),
        ]


class OrderEvent(BaseModel):
    """One entry of an order's timeline: what changed, when, and who did it (a dashboard
    user, an API key, or the system: the payment gateway, the reservation timeout)."""

    class Type(models.TextChoices):
        PLACED = "placed", "Placed"
        PAID = "paid", "Paid"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        PAYMENT_REFUNDED = "payment_refunded", "Payment refunded automatically"
        FULFILLED = "fulfilled", "Fulfilled"
        REFUNDED = "refunded", "Refunded"
        CANCELLED = "cancelled", "Cancelled"
        UPDATED = "updated", "Updated"
        NOTE = "note", "Note"

    class ActorType(models.TextChoices):
        USER = "user", "Dashboard user"
        API_KEY = "api_key", "API key"
        SYSTEM = "system", "System"

    id = PrefixedIdField("oevt")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="timeline")
    type = models.CharField(max_length=24, choices=Type.choices)
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    actor_type = models.CharField(
        max_length=16, choices=ActorType.choices, default=ActorType.SYSTEM
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_api_key = models.ForeignKey(
        "core.ApiKey",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True, default="")

    store_lookup = "order__store"

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"])]

    def __str__(self):
        return f"{self.get_type_display()}: {self.message}"

"""Output shapes of the Order object, one class per shape of the reference.

- :class:`PublicOrderSerializer`: the reduced public view (``GET /orders/{order}``);
- :class:`OrderSerializer`: the full Order object (``GET /account/orders/{order}``);
- :class:`AccountOrderListItemSerializer` / :class:`PrivateOrderListItemSerializer`: list rows;
- :class:`PrivateOrderSerializer`: the private detail (adds payment, refunded, internal notes,
  metadata). Subclass it (and extend ``Meta.fields``-free declarations) to add more.
- :class:`OrderStatusSerializer`: ``GET /orders/{order}/status``.

Field names are snake_case (the renderer camelCases them). Addresses are the JSON snapshots on
the order, rendered with every key of the Address object (absent ones null), like
``GET /cart/checkout-data``. Expected querysets: ``select_related("customer")`` and
``prefetch_related("items")`` (see ``orders.selectors``).
"""

from __future__ import annotations

from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.addresses import (
    AddressSerializer,
    BillingAddressInput,
    ShippingAddressInput,
    address_dict,
)
from core.api.fields import (
    MetadataField,
    MoneyField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    TimestampField,
    context_locale,
)

from . import signals
from .gateways import REFUND_REASONS, PaymentStatus
from .models import Order, OrderEvent, Refund

#: paymentStatus of ``GET /orders/{order}/status``: the payment's own words.
PAYMENT_WORDS = ("succeeded", "requires_action", "processing", "failed", "canceled")


class OrderPaymentStatusField(serializers.ChoiceField):
    """``paymentStatus`` of an order: an enum in the schema (OrderPaymentStatusEnum)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Order.PaymentStatus.choices, read_only=True, **kwargs)


class OrderFulfillmentStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=Order.FulfillmentStatus.choices, read_only=True, **kwargs
        )


class PaymentWordField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=PAYMENT_WORDS, read_only=True, **kwargs)


def payment_status_word(order: Order) -> str:
    """The order's payment in the payment's own words (succeeded, requires_action,
    processing, failed, canceled): the order's state first, then its PaymentIntent's."""
    status = order.payment_status
    if status in (
        Order.PaymentStatus.PAID,
        Order.PaymentStatus.PARTIALLY_REFUNDED,
        Order.PaymentStatus.REFUNDED,
    ):
        return "succeeded"
    if status == Order.PaymentStatus.FAILED:
        return "failed"
    if status == Order.PaymentStatus.CANCELLED:
        return "canceled"
    intent = order.payment_intent_status
    if intent == PaymentStatus.REQUIRES_ACTION:
        return "requires_action"
    if intent == PaymentStatus.REQUIRES_PAYMENT_METHOD:
        return "failed"
    if intent == PaymentStatus.CANCELED:
        return "canceled"
    return "processing"


class OrderMoneyField(MoneyField):
    """A Money object from an ``*_amount`` column of the order (or of a line, in the order's
    currency)."""

    def __init__(self, amount_attr: str, **kwargs):
        self.amount_attr = amount_attr
        super().__init__(source="*", **kwargs)

    def to_representation(self, obj):
        order = obj if isinstance(obj, Order) else obj.order
        return super().to_representation(order.money(getattr(obj, self.amount_attr)))


class OrderTotalsSerializer(serializers.Serializer):
    subtotal = OrderMoneyField("subtotal_amount")
    tax = OrderMoneyField("tax_amount")
    shipping = OrderMoneyField("shipping_amount")
    discount = OrderMoneyField("discount_amount")
    total = OrderMoneyField("total_amount")

    class Meta:
        ref_name = "OrderTotals"


class OrderTotalOnlySerializer(serializers.Serializer):
    total = OrderMoneyField("total_amount")

    class Meta:
        ref_name = "OrderTotal"


class BlankAsNullCharField(serializers.CharField):
    """Output ``""`` as null (snapshot columns default to blank)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return super().to_representation(value) or None


@extend_schema_field(serializers.ChoiceField(choices=REFUND_REASONS, allow_null=True))
class RefundReasonField(BlankAsNullCharField):
    """A refund's reason, or null when none was given."""


class PublicOrderItemComponentSerializer(serializers.Serializer):
    """What a bundle line contains (its snapshot, names as they were when ordered)."""

    product_name = serializers.CharField()
    variant_name = BlankAsNullCharField()
    quantity = serializers.IntegerField(help_text="Units in one bundle.")
    total_quantity = serializers.SerializerMethodField(
        help_text="Units in the whole line (quantity x the line's quantity)."
    )

    class Meta:
        ref_name = "PublicOrderItemComponent"

    def get_total_quantity(self, entry) -> int:
        return int(entry["quantity"]) * self.context.get("line_quantity", 1)


class OrderItemComponentSerializer(PublicOrderItemComponentSerializer):
    variant_id = serializers.CharField()
    product_id = serializers.CharField(allow_null=True)
    sku = BlankAsNullCharField()

    class Meta:
        ref_name = "OrderItemComponent"


def _components(serializer_class, item, context) -> list[dict]:
    """A bundle line's contents (``OrderItem.bundle_components``); ``[]`` otherwise."""
    return list(
        serializer_class(
            item.bundle_components or [],
            many=True,
            context={**context, "line_quantity": item.quantity},
        ).data
    )


class OrderItemSerializer(serializers.Serializer):
    id = serializers.CharField()
    product_id = serializers.CharField(allow_null=True)
    variant_id = serializers.CharField(allow_null=True)
    product_name = serializers.CharField()
    variant_name = BlankAsNullCharField()
    sku = BlankAsNullCharField()
    quantity = serializers.IntegerField()
    price = OrderMoneyField("unit_price_amount")
    subtotal = OrderMoneyField("subtotal_amount")
    components = serializers.SerializerMethodField(
        help_text="A bundle line's contents; empty for other lines."
    )

    class Meta:
        ref_name = "OrderItem"

    @extend_schema_field(OrderItemComponentSerializer(many=True))
    def get_components(self, item):
        return _components(OrderItemComponentSerializer, item, self.context)


class PublicOrderItemSerializer(serializers.Serializer):
    product_name = serializers.CharField()
    variant_name = BlankAsNullCharField()
    quantity = serializers.IntegerField()
    price = OrderMoneyField("unit_price_amount")
    subtotal = OrderMoneyField("subtotal_amount")
    components = serializers.SerializerMethodField(
        help_text="A bundle line's contents; empty for other lines."
    )

    class Meta:
        ref_name = "PublicOrderItem"

    @extend_schema_field(PublicOrderItemComponentSerializer(many=True))
    def get_components(self, item):
        return _components(PublicOrderItemComponentSerializer, item, self.context)


class OrderCustomerSerializer(serializers.Serializer):
    """Customer snapshot: the order's email and customer record, names from the customer or
    the billing/shipping address."""

    id = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    first_name = serializers.CharField(allow_null=True)
    last_name = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "OrderCustomer"

    def to_representation(self, order):
        customer = order.customer
        if customer is None and not order.email:
            return None
        address = (
            address_dict(order.billing_address)
            or address_dict(order.shipping_address)
            or {}
        )
        return {
            "id": order.customer_id,
            "email": order.email or (customer.email if customer else None),
            "first_name": (customer.first_name if customer else "")
            or address.get("first_name"),
            "last_name": (customer.last_name if customer else "")
            or address.get("last_name"),
        }


class BankTransferSerializer(serializers.Serializer):
    """How to pay a bank-transfer order: the store's bank details and the reference."""

    details = serializers.CharField(
        help_text="The store's bank details, as it wrote them."
    )
    reference = serializers.CharField(help_text="The payment reference to quote.")
    amount = OrderMoneyField("total_amount")

    class Meta:
        ref_name = "OrderBankTransfer"

    def to_representation(self, order):
        return {
            "details": order.store.bank_transfer_details,
            "reference": order.store.payment_reference(order.order_number or order.id),
            "amount": self.fields["amount"].to_representation(order),
        }


class OrderDownloadSerializer(serializers.Serializer):
    """A download link of a paid order (digital products; answered by the downloads app
    through ``orders.signals.order_downloads``)."""

    id = serializers.CharField()
    item_id = serializers.CharField()
    product_name = serializers.CharField()
    file_name = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    url = serializers.CharField(
        allow_null=True, help_text="Signed link; null once it no longer works."
    )
    downloads_used = serializers.IntegerField()
    download_limit = serializers.IntegerField()
    expires_at = TimestampField()
    available = serializers.BooleanField()

    class Meta:
        ref_name = "OrderDownload"


def order_downloads(order, request=None) -> list[dict]:
    """The order's download links, from whichever app answers ``order_downloads``
    (absolute URLs on ``request``'s address when there is one)."""
    found = []
    for _receiver, answer in signals.order_downloads.send(
        sender=Order, order=order, request=request
    ):
        found.extend(answer or [])
    return found


def downloads_field():
    return serializers.SerializerMethodField(
        help_text="Download links of the order's digital products, once it is paid."
    )


class OrderDownloadsMixin:
    """``get_downloads`` for a serializer declaring ``downloads = downloads_field()``."""

    @extend_schema_field(OrderDownloadSerializer(many=True))
    def get_downloads(self, order):
        shape = OrderDownloadSerializer(context=self.context)
        links = order_downloads(order, request=self.context.get("request"))
        return [shape.to_representation(link) for link in links]


class PublicOrderSerializer(OrderDownloadsMixin, serializers.Serializer):
    """``GET /orders/{order}``: the reduced Order object, no internal fields. The reference's
    fields, and (added for the confirmation page) every total, the unit price of each line,
    the discount code, the shipping option's name, the payment method and, for a bank
    transfer not yet paid, how to pay it."""

    id = serializers.CharField()
    order_number = serializers.CharField(allow_null=True)
    payment_status = OrderPaymentStatusField()
    fulfillment_status = OrderFulfillmentStatusField()
    currency = serializers.CharField()
    totals = OrderTotalsSerializer(source="*")
    items = PublicOrderItemSerializer(many=True)
    shipping_address = AddressSerializer(allow_null=True)
    discount_code = BlankAsNullCharField()
    shipping_option_name = serializers.SerializerMethodField()
    payment_method = serializers.SerializerMethodField(
        help_text="card, bank_transfer, apple_pay or google_pay."
    )
    bank_transfer = serializers.SerializerMethodField()
    email = BlankAsNullCharField()
    created_at = TimestampField()
    downloads = downloads_field()

    class Meta:
        ref_name = "PublicOrder"

    def get_shipping_option_name(self, order) -> str | None:
        return (order.shipping_option or {}).get("name") or None

    def get_payment_method(self, order) -> str | None:
        method = order.payment_method or ""
        if method.startswith("pm_"):
            return "card"
        return method or None

    @extend_schema_field(BankTransferSerializer(allow_null=True))
    def get_bank_transfer(self, order):
        if order.payment_method != "bank_transfer" or order.payment_status != "pending":
            return None
        return BankTransferSerializer(order, context=self.context).data


class OrderSerializer(OrderDownloadsMixin, serializers.Serializer):
    """The Order object (``GET /account/orders/{order}``)."""

    id = serializers.CharField()
    order_number = serializers.CharField(allow_null=True)
    type = serializers.ChoiceField(choices=Order.Type.choices, read_only=True)
    payment_status = OrderPaymentStatusField()
    fulfillment_status = OrderFulfillmentStatusField()
    currency = serializers.CharField()
    totals = OrderTotalsSerializer(source="*")
    items = OrderItemSerializer(many=True)
    shipping_address = AddressSerializer(allow_null=True)
    billing_address = AddressSerializer(allow_null=True)
    customer = OrderCustomerSerializer(source="*", allow_null=True)
    created_at = TimestampField()
    paid_at = TimestampField(allow_null=True)
    fulfilled_at = TimestampField(allow_null=True)
    cancelled_at = TimestampField(allow_null=True)
    downloads = downloads_field()

    class Meta:
        ref_name = "Order"


class OrderPaymentSerializer(serializers.Serializer):
    gateway = BlankAsNullCharField(source="payment_gateway")
    payment_intent_id = BlankAsNullCharField()
    status = serializers.SerializerMethodField()

    class Meta:
        ref_name = "OrderPayment"

    @extend_schema_field(PaymentWordField())
    def get_status(self, order) -> str:
        return payment_status_word(order)


class PrivateOrderSerializer(OrderSerializer):
    """The private Order object (``GET /v3/private/orders/{order}``): the Order object plus
    payment, refunded, internal notes and metadata. Order operations subclass it to add
    refunds, fulfilments and the timeline."""

    payment = OrderPaymentSerializer(source="*")
    refunded = OrderMoneyField("refunded_amount")
    exchange_rate = serializers.SerializerMethodField(
        help_text="Units of the order's currency per unit of the store currency when it "
        "was placed in another currency (kept for ever; reports convert with it), else null."
    )
    internal_notes = BlankAsNullCharField()
    metadata = serializers.DictField()
    updated_at = TimestampField()
    # Not in the private order (nor in webhook payloads): the merchant reads the links
    # with their counts at GET /orders/{order}/downloads.
    downloads = None

    class Meta:
        ref_name = "PrivateOrder"

    def get_exchange_rate(self, order) -> str | None:
        rate = order.exchange_rate
        return None if rate is None else format(rate.normalize(), "f")


class AccountOrderListItemSerializer(serializers.Serializer):
    """A row of ``GET /account/orders``; ``item_count`` (units ordered) is annotated by the
    selector."""

    id = serializers.CharField()
    order_number = serializers.CharField(allow_null=True)
    payment_status = OrderPaymentStatusField()
    fulfillment_status = OrderFulfillmentStatusField()
    currency = serializers.CharField()
    totals = OrderTotalOnlySerializer(source="*")
    item_count = serializers.IntegerField()
    created_at = TimestampField()

    class Meta:
        ref_name = "AccountOrderListItem"


class PrivateOrderListItemSerializer(serializers.Serializer):
    """A row of the private ``GET /orders``."""

    id = serializers.CharField()
    order_number = serializers.CharField(allow_null=True)
    payment_status = OrderPaymentStatusField()
    fulfillment_status = OrderFulfillmentStatusField()
    currency = serializers.CharField()
    totals = OrderTotalOnlySerializer(source="*")
    customer_email = BlankAsNullCharField(source="email")
    created_at = TimestampField()

    class Meta:
        ref_name = "PrivateOrderListItem"


#: The columns a row of the private order list reads (``.only()`` them).
ORDER_LIST_ITEM_FIELDS = (
    "id",
    "order_number",
    "payment_status",
    "fulfillment_status",
    "currency",
    "total_amount",
    "email",
    "created_at",
)


def order_list_items(orders, context) -> list[dict]:
    """The rows of the private ``GET /orders`` as :class:`PrivateOrderListItemSerializer`
    gives them (which documents them), without its fields per row: the flat read path of a
    page of orders (``orders/tests/test_list_totals.py`` compares the two)."""
    locale = context_locale(context)
    timestamp = TimestampField().to_representation
    return [
        {
            "id": order.pk,
            "order_number": None
            if order.order_number is None
            else str(order.order_number),
            "payment_status": order.payment_status,
            "fulfillment_status": order.fulfillment_status,
            "currency": order.currency,
            "totals": {"total": order.money(order.total_amount).as_dict(locale)},
            "customer_email": order.email or None,
            "created_at": timestamp(order.created_at),
        }
        for order in orders
    ]


class OrderStatusSerializer(serializers.Serializer):
    payment_status = serializers.SerializerMethodField()
    fulfillment_status = OrderFulfillmentStatusField()
    updated_at = TimestampField()

    class Meta:
        ref_name = "OrderStatus"

    @extend_schema_field(PaymentWordField())
    def get_payment_status(self, order) -> str:
        return payment_status_word(order)


# -- order operations: the private orders API -------------------------------------------------


class PrivateOrderItemSerializer(OrderItemSerializer):
    """A line of the private view, with how many of its units shipped and were refunded."""

    quantity_fulfilled = serializers.IntegerField()
    quantity_refunded = serializers.IntegerField()

    class Meta:
        ref_name = "PrivateOrderItem"


class OrderRefundLineSerializer(serializers.Serializer):
    item_id = serializers.CharField()
    quantity = serializers.IntegerField()
    restocked = serializers.BooleanField()

    class Meta:
        ref_name = "OrderRefundLine"


class OrderRefundSerializer(serializers.Serializer):
    """A refund: the reference's ``refund`` object (id, amount, reason, createdAt) plus its
    status (succeeded, pending, failed), whether it restocked, and the units it covers."""

    id = serializers.CharField()
    amount = MoneyField(source="money")
    reason = RefundReasonField()
    status = serializers.ChoiceField(choices=Refund.Status.choices, read_only=True)
    restock = serializers.BooleanField()
    items = OrderRefundLineSerializer(source="lines", many=True)
    created_at = TimestampField()

    class Meta:
        ref_name = "OrderRefund"


class FulfillmentLineSerializer(serializers.Serializer):
    item_id = serializers.CharField()
    quantity = serializers.IntegerField()

    class Meta:
        ref_name = "OrderFulfillmentLine"


class FulfillmentSerializer(serializers.Serializer):
    id = serializers.CharField()
    tracking_number = BlankAsNullCharField()
    tracking_url = BlankAsNullCharField()
    carrier = BlankAsNullCharField()
    items = FulfillmentLineSerializer(source="lines", many=True)
    created_at = TimestampField()

    class Meta:
        ref_name = "OrderFulfillment"


class OrderActorSerializer(serializers.Serializer):
    """Who: ``user`` (a dashboard user, by email), ``api_key`` (by its prefix) or ``system``."""

    type = serializers.ChoiceField(choices=OrderEvent.ActorType.choices, read_only=True)
    id = serializers.CharField(
        allow_null=True, help_text="The API key's id (api_key only)."
    )
    label = serializers.CharField()

    class Meta:
        ref_name = "OrderActor"

    def to_representation(self, event):
        return {
            "type": event.actor_type,
            "id": event.actor_api_key_id or None,
            "label": event.actor_label,
        }


class OrderTimelineEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.ChoiceField(choices=OrderEvent.Type.choices, read_only=True)
    message = serializers.CharField()
    actor = OrderActorSerializer(source="*")
    data = serializers.DictField()
    created_at = TimestampField()

    class Meta:
        ref_name = "OrderTimelineEntry"


class PrivateOrderDetailSerializer(PrivateOrderSerializer):
    """``GET /v3/private/orders/{order}`` and the operations' responses: the private Order
    object with line progress, refunds, fulfilments and the timeline (oldest first).
    Expects ``orders.selectors.order_get``'s prefetches."""

    items = PrivateOrderItemSerializer(many=True)
    refunds = OrderRefundSerializer(many=True)
    fulfillments = FulfillmentSerializer(many=True)
    timeline = OrderTimelineEntrySerializer(many=True)

    class Meta:
        ref_name = "PrivateOrderDetail"


class OrderRefundResultSerializer(PrivateOrderDetailSerializer):
    """``POST /orders/{order}/refund``: the order and the ``refund`` just made."""

    refund = serializers.SerializerMethodField()

    class Meta:
        ref_name = "OrderRefundResult"

    @extend_schema_field(OrderRefundSerializer)
    def get_refund(self, order) -> dict:
        return OrderRefundSerializer(self.context["refund"], context=self.context).data


# -- inputs --------------------------------------------------------------------------------


class OrderPatchSerializer(serializers.Serializer):
    """``PATCH /orders/{order}``: only the fields sent change; metadata is replaced whole."""

    internal_notes = StrictCharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=10000,
        trim_whitespace=False,
    )
    metadata = MetadataField(
        required=False, help_text="Replaces the metadata entirely."
    )
    shipping_address = ShippingAddressInput(
        required=False,
        help_text="Allowed until the order (partly) ships: 409 after that.",
    )
    billing_address = BillingAddressInput(required=False)

    class Meta:
        ref_name = "OrderPatch"

    def validate_internal_notes(self, value):
        return value or ""


class LineQuantityInput(serializers.Serializer):
    id = StrictCharField(max_length=40, help_text="An order line id (oitm_...).")
    quantity = StrictIntegerField(min_value=1, max_value=1_000_000)

    class Meta:
        ref_name = "OrderLineQuantityInput"


def _line_items_field(help_text: str):
    return serializers.ListField(
        child=LineQuantityInput(),
        required=False,
        min_length=1,
        max_length=500,
        help_text=help_text,
    )


class OrderFulfillInput(serializers.Serializer):
    tracking_number = StrictCharField(
        required=False, allow_blank=True, allow_null=True, max_length=100
    )
    tracking_url = StrictCharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=1000,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="An http(s) URL.",
    )
    carrier = StrictCharField(
        required=False, allow_blank=True, allow_null=True, max_length=100
    )
    notify_customer = StrictBooleanField(required=False, default=True)
    items = _line_items_field(
        "Units to ship, line by line; omitted: every unit not yet shipped (or refunded)."
    )

    class Meta:
        ref_name = "OrderFulfillInput"

    def validate_tracking_url(self, value):
        return value or ""


class OrderRefundInput(serializers.Serializer):
    amount = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=10**12,
        help_text="Minor units; omitted: everything not yet refunded.",
    )
    reason = serializers.ChoiceField(
        choices=REFUND_REASONS, required=False, allow_null=True
    )
    restock = StrictBooleanField(required=False, default=True)
    notify_customer = StrictBooleanField(required=False, default=True)
    items = _line_items_field(
        "Units this refund covers (restocked unless restock is false). Omitted: every unit "
        "not yet refunded when the refund completes the order's refund, none otherwise."
    )

    class Meta:
        ref_name = "OrderRefundInput"


class OrderCancelInput(serializers.Serializer):
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=500,
        help_text="Internal note on why the order was cancelled (kept in the timeline).",
    )
    notify_customer = StrictBooleanField(required=False, default=True)

    class Meta:
        ref_name = "OrderCancelInput"

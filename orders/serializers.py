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

from rest_framework import serializers

from core.api.casing import to_snake
from core.api.fields import MoneyField
from core.money import DEFAULT_LOCALE

from .gateways import PaymentStatus
from .models import Order

ADDRESS_FIELDS = (
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

#: paymentStatus of ``GET /orders/{order}/status``: the payment's own words.
PAYMENT_WORDS = ("succeeded", "requires_action", "processing", "failed", "canceled")


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


def address_dict(value) -> dict | None:
    """An address snapshot (snake_case or camelCase keys) with every Address key."""
    if not value:
        return None
    data = {to_snake(str(k)): v for k, v in value.items()}
    return {name: (data.get(name) or None) for name in ADDRESS_FIELDS}


class AddressSerializer(serializers.Serializer):
    first_name = serializers.CharField(allow_null=True)
    last_name = serializers.CharField(allow_null=True)
    company = serializers.CharField(allow_null=True)
    line1 = serializers.CharField(allow_null=True)
    line2 = serializers.CharField(allow_null=True)
    city = serializers.CharField(allow_null=True)
    state = serializers.CharField(allow_null=True)
    postcode = serializers.CharField(allow_null=True)
    country_code = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "OrderAddress"

    def to_representation(self, instance):
        return address_dict(instance)


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

    class Meta:
        ref_name = "OrderItem"


class PublicOrderItemSerializer(serializers.Serializer):
    product_name = serializers.CharField()
    variant_name = BlankAsNullCharField()
    quantity = serializers.IntegerField()
    subtotal = OrderMoneyField("subtotal_amount")

    class Meta:
        ref_name = "PublicOrderItem"


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
        address = address_dict(order.billing_address) or address_dict(order.shipping_address) or {}
        return {
            "id": order.customer_id,
            "email": order.email or (customer.email if customer else None),
            "first_name": (customer.first_name if customer else "") or address.get("first_name"),
            "last_name": (customer.last_name if customer else "") or address.get("last_name"),
        }


class PublicOrderSerializer(serializers.Serializer):
    """``GET /orders/{order}``: the reduced Order object, no internal fields."""

    id = serializers.CharField()
    order_number = serializers.CharField(allow_null=True)
    payment_status = serializers.CharField(
        help_text="pending | paid | partially_refunded | refunded | failed | cancelled"
    )
    fulfillment_status = serializers.CharField(help_text="unfulfilled | partial | fulfilled")
    currency = serializers.CharField()
    totals = OrderTotalOnlySerializer(source="*")
    items = PublicOrderItemSerializer(many=True)
    shipping_address = AddressSerializer(allow_null=True)
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "PublicOrder"


class OrderSerializer(serializers.Serializer):
    """The Order object (``GET /account/orders/{order}``)."""

    id = serializers.CharField()
    order_number = serializers.CharField(allow_null=True)
    type = serializers.CharField()
    payment_status = serializers.CharField(
        help_text="pending | paid | partially_refunded | refunded | failed | cancelled"
    )
    fulfillment_status = serializers.CharField(help_text="unfulfilled | partial | fulfilled")
    currency = serializers.CharField()
    totals = OrderTotalsSerializer(source="*")
    items = OrderItemSerializer(many=True)
    shipping_address = AddressSerializer(allow_null=True)
    billing_address = AddressSerializer(allow_null=True)
    customer = OrderCustomerSerializer(source="*", allow_null=True)
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    fulfilled_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "Order"


class OrderPaymentSerializer(serializers.Serializer):
    gateway = BlankAsNullCharField(source="payment_gateway")
    payment_intent_id = BlankAsNullCharField()
    status = serializers.SerializerMethodField(help_text=" | ".join(PAYMENT_WORDS))

    class Meta:
        ref_name = "OrderPayment"

    def get_status(self, order) -> str:
        return payment_status_word(order)


class PrivateOrderSerializer(OrderSerializer):
    """The private Order object (``GET /v3/private/orders/{order}``): the Order object plus
    payment, refunded, internal notes and metadata. Order operations subclass it to add
    refunds, fulfilments and the timeline."""

    payment = OrderPaymentSerializer(source="*")
    refunded = OrderMoneyField("refunded_amount")
    internal_notes = BlankAsNullCharField()
    metadata = serializers.DictField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "PrivateOrder"


class AccountOrderListItemSerializer(serializers.Serializer):
    """A row of ``GET /account/orders``; ``item_count`` (units ordered) is annotated by the
    selector."""

    id = serializers.CharField()
    order_number = serializers.CharField(allow_null=True)
    payment_status = serializers.CharField()
    fulfillment_status = serializers.CharField()
    currency = serializers.CharField()
    totals = OrderTotalOnlySerializer(source="*")
    item_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "AccountOrderListItem"


class PrivateOrderListItemSerializer(serializers.Serializer):
    """A row of the private ``GET /orders``."""

    id = serializers.CharField()
    order_number = serializers.CharField(allow_null=True)
    payment_status = serializers.CharField()
    fulfillment_status = serializers.CharField()
    currency = serializers.CharField()
    totals = OrderTotalOnlySerializer(source="*")
    customer_email = BlankAsNullCharField(source="email")
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "PrivateOrderListItem"


class OrderStatusSerializer(serializers.Serializer):
    payment_status = serializers.SerializerMethodField(help_text=" | ".join(PAYMENT_WORDS))
    fulfillment_status = serializers.CharField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "OrderStatus"

    def get_payment_status(self, order) -> str:
        return payment_status_word(order)


def order_event_data(order: Order, *, serializer_class=PrivateOrderSerializer) -> dict:
    """The private representation of ``order`` for ``webhooks.services.event_record``."""
    locale = order.store.locale if order.store_id else DEFAULT_LOCALE
    return serializer_class(order, context={"locale": locale}).data

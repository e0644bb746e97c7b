"""Order reads, always scoped to the store and the key's mode."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round

from core.exceptions import NotFound
from core.ids import has_prefix
from core.money import currency_exponent

from .models import Order


def in_store_currency(amount, *, store):
    """SQL: an order amount (an expression of minor units of the order's currency) in minor
    units of the store currency, at the ``exchange_rate`` the order stored, rounded half up
    per order (``core.currencies.to_base`` in SQL). Orders without a rate count as they are
    (orders in the store currency)."""
    if isinstance(amount, str):
        amount = F(amount)
    base = currency_exponent(store.currency)
    codes = set(store.supported_currencies or []) | set(store.exchange_rates or {})
    by_exponent: dict[int, list[str]] = {}
    for code in sorted(codes - {store.currency}):
        by_exponent.setdefault(currency_exponent(code), []).append(code)

    def converted(scale: int):
        return Cast(
            Round(
                ExpressionWrapper(
                    amount * Value(Decimal(10) ** scale) / F("exchange_rate"),
                    output_field=DecimalField(max_digits=30, decimal_places=6),
                )
            ),
            BigIntegerField(),
        )

    whens = [When(exchange_rate__isnull=True, then=amount)]
    whens += [
        When(currency__in=group, then=converted(base - exponent))
        for exponent, group in sorted(by_exponent.items())
        if exponent != base
    ]
    return Case(*whens, default=converted(0), output_field=BigIntegerField())


def _orders(*, store, mode: str) -> QuerySet[Order]:
    return Order.objects.filter(store=store, mode=mode, type=Order.Type.ORDER)


def _detail(queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.select_related("store", "customer").prefetch_related("items")


def order_get_for_visitor(
    *, store, mode: str, order_id: str, cart_token: str, customer=None
) -> Order:
    """An order the visitor may see: created with their ``X-Cart-Token`` or owned by the
    customer authenticated on it. Anything else is a 404 (never a 403 that confirms the id)."""
    access = Q(cart_token=cart_token)
    if customer is not None:
        access |= Q(customer=customer)
    order = _detail(_orders(store=store, mode=mode).filter(access, pk=order_id)).first()
    if order is None:
        raise NotFound("Order not found.")
    return order


def _customer_orders(*, store, mode: str, customer, placed_on: str | None):
    orders = _orders(store=store, mode=mode).filter(customer=customer)
    return orders if placed_on is None else orders.filter(cart_token=placed_on)


def order_list_for_customer(
    *, store, mode: str, customer, placed_on: str | None = None
) -> QuerySet[Order]:
    """The customer's orders, newest first, with ``item_count`` (units ordered);
    ``placed_on``: only those placed on that cart token (an unverified session)."""
    return (
        _customer_orders(store=store, mode=mode, customer=customer, placed_on=placed_on)
        .annotate(item_count=Coalesce(Sum("items__quantity"), 0))
        .order_by("-created_at", "-id")
    )


def order_get_for_customer(
    *, store, mode: str, customer, order_id: str, placed_on: str | None = None
) -> Order:
    """One of the customer's orders (``placed_on``: only one placed on that cart token)."""
    order = _detail(
        _customer_orders(
            store=store, mode=mode, customer=customer, placed_on=placed_on
        ).filter(pk=order_id)
    ).first()
    if order is None:
        raise NotFound("Order not found.")
    return order


def order_get_by_payment_intent(
    *, intent_id: str, order_id: str | None = None
) -> Order | None:
    """The row (any store: gateway ids are global) that ``intent_id`` was made for: the
    placed order paying with it, else the row of the attempt that prepared it (an earlier
    attempt, or an order whose checkout was given back as a cart), else ``order_id`` (the
    intent's metadata) when it names a row. ``orders.services.order_payment_record``
    decides what the outcome means for it (a stale decline changes nothing; money taken
    pays the order or is refunded)."""
    if not intent_id:
        return None
    rows = Order.objects.select_related("store")
    order = rows.filter(type=Order.Type.ORDER, payment_intent_id=intent_id).first()
    if order is None:
        order = rows.filter(payment_attempts__intent_id=intent_id).first()
    if order is None and order_id:
        order = rows.filter(pk=order_id).first()
    return order


def product_purchased(
    *, product, email: str, customer=None, mode: str, **kwargs
) -> bool:
    """Whether ``email`` (or ``customer``) has a paid order of ``mode`` containing
    ``product`` (the receiver of ``catalog.signals.purchase_verify``)."""
    who = Q()
    if email:
        who |= Q(email__iexact=email)
    if customer is not None:
        who |= Q(customer=customer)
    if not who:
        return False
    return Order.objects.filter(
        who,
        store_id=product.store_id,
        mode=mode,
        type=Order.Type.ORDER,
        payment_status__in=Order.REFUNDABLE_STATES,
        items__product_id=product.pk,
    ).exists()


# -- order operations: the private orders API ---------------------------------------------

#: ``status`` filter of ``GET /orders``: every placed order is in exactly one bucket.
ORDER_LIST_STATUSES = (
    "pending",
    "paid",
    "fulfilled",
    "refunded",
    "cancelled",
    "failed",
)


def order_status_q(status: str) -> Q:
    """The ``status`` filter as a condition on ``payment_status`` / ``fulfillment_status``:

    - pending: awaiting payment (``payment_status`` pending);
    - paid: paid or partially refunded, not yet completely shipped (unfulfilled or partial);
    - fulfilled: paid or partially refunded and completely shipped;
    - refunded: fully refunded (whatever was shipped);
    - cancelled: cancelled;
    - failed: the payment failed (not one of the reference's values: an addition).
    """
    fulfilled = Q(fulfillment_status=Order.FulfillmentStatus.FULFILLED)
    conditions = {
        "pending": Q(payment_status=Order.PaymentStatus.PENDING),
        "paid": Q(payment_status__in=Order.REFUNDABLE_STATES) & ~fulfilled,
        "fulfilled": Q(payment_status__in=Order.REFUNDABLE_STATES) & fulfilled,
        "refunded": Q(payment_status=Order.PaymentStatus.REFUNDED),
        "cancelled": Q(payment_status=Order.PaymentStatus.CANCELLED),
        "failed": Q(payment_status=Order.PaymentStatus.FAILED),
    }
    return conditions[status]


def order_status_bucket(order: Order) -> str:
    """The ``status`` filter value ``order`` falls in (see :func:`order_status_q`)."""
    payment = order.payment_status
    if payment in Order.REFUNDABLE_STATES:
        shipped = order.fulfillment_status == Order.FulfillmentStatus.FULFILLED
        return "fulfilled" if shipped else "paid"
    return str(payment)


def order_list(*, store, mode: str) -> QuerySet[Order]:
    """Placed orders of the store in ``mode``, newest first (``orders.filters.OrderFilter``
    filters them)."""
    return _orders(store=store, mode=mode).order_by("-created_at", "-id")


def order_get(*, store, mode: str, order_id: str) -> Order:
    """One placed order of the store in ``mode`` with everything the private view shows;
    another store's, another mode's, a cart or a malformed id is a 404."""
    if (
        len(order_id) > 40
        or not order_id.isprintable()
        or not has_prefix(order_id, "ord")
    ):
        raise NotFound("Order not found.")
    order = (
        _detail(_orders(store=store, mode=mode).filter(pk=order_id))
        .prefetch_related(
            "refunds__lines",
            "fulfillments__lines",
            "timeline",
        )
        .first()
    )
    if order is None:
        raise NotFound("Order not found.")
    return order

"""Order reads, always scoped to the store and the key's mode."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from core.exceptions import NotFound

from .models import Order


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


def order_list_for_customer(*, store, mode: str, customer) -> QuerySet[Order]:
    """The customer's orders, newest first, with ``item_count`` (units ordered)."""
    return (
        _orders(store=store, mode=mode)
        .filter(customer=customer)
        .annotate(item_count=Coalesce(Sum("items__quantity"), 0))
        .order_by("-created_at", "-id")
    )


def order_get_for_customer(*, store, mode: str, customer, order_id: str) -> Order:
    order = _detail(_orders(store=store, mode=mode).filter(customer=customer, pk=order_id)).first()
    if order is None:
        raise NotFound("Order not found.")
    return order


def order_get_by_payment_intent(*, intent_id: str, order_id: str | None = None) -> Order | None:
    """The placed order paying with ``intent_id`` (any store: gateway ids are global), or the
    order ``order_id`` (the intent's metadata) when it has no intent recorded yet, unless
    ``intent_id`` is one of its earlier checkout attempts (a declined card's late event must
    not touch the attempt in flight)."""
    if not intent_id:
        return None
    orders = Order.objects.filter(type=Order.Type.ORDER).select_related("store")
    order = orders.filter(payment_intent_id=intent_id).first()
    if order is None and order_id:
        order = (
            orders.filter(pk=order_id, payment_intent_id="")
            .exclude(payment_attempts__intent_id=intent_id)
            .first()
        )
    return order

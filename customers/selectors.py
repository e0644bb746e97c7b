"""Reads for customers: session lookup, email lookup, the private list with order totals."""

from __future__ import annotations

import copy

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower

from core.addresses import ADDRESS_FIELDS
from core.exceptions import NotFound
from core.ids import has_prefix
from orders.models import Order
from orders.selectors import in_store_currency

from .models import Address, Customer, CustomerSession, address_identity, address_values


def session_get(*, store, mode: str, cart_token: str | None) -> CustomerSession | None:
    """The customer session on this visitor token (with its customer), or None."""
    if not cart_token:
        return None
    return (
        CustomerSession.objects.select_related("customer")
        .filter(store=store, mode=mode, cart_token=cart_token)
        .first()
    )


def session_customer_get(
    *, store, mode: str, cart_token: str | None, verified_only: bool = False
) -> Customer | None:
    """The customer authenticated on this visitor token, or None.

    ``verified_only``: only when a login link proved the email on this session. Anything
    that shows or attributes the customer's data beyond what the token itself created
    (order pages by customer, conversations, reviews) asks for a verified session.
    """
    session = session_get(store=store, mode=mode, cart_token=cart_token)
    if session is None or (verified_only and not session.is_verified):
        return None
    return session.customer


def _own_default_address(session: CustomerSession) -> Address | None:
    """The saved address of the latest order this session's token placed, if saved."""
    shipped_to = (
        Order.objects.filter(
            store_id=session.store_id,
            mode=session.mode,
            cart_token=session.cart_token,
            customer_id=session.customer_id,
            type="order",
        )
        .exclude(shipping_address=None)
        .order_by("-placed_at", "-created_at")
        .values_list("shipping_address", flat=True)
        .first()
    )
    if not isinstance(shipped_to, dict):
        return None
    identity = address_identity(address_values(shipped_to))
    for saved in Address.objects.filter(customer_id=session.customer_id):
        values = {name: getattr(saved, name) for name in ADDRESS_FIELDS}
        if address_identity(values) == identity:
            saved.is_default = True  # the one default this session knows
            return saved
    return None


def session_profile(session: CustomerSession) -> Customer:
    """The customer as ``session`` may see it.

    A verified session sees the customer. An unverified one (create-account, no login link
    yet) sees the customer's id and email, the details it typed itself (``details``) and,
    as its default address, the address of its own latest order: never names, phone,
    addresses or preferences that reached the customer another way (a guest checkout on
    another device, the merchant). The result of an unverified session is an unsaved copy.
    """
    customer = session.customer
    if session.is_verified:
        return customer
    details = session.details or {}
    view = copy.copy(customer)
    view.first_name = details.get("first_name") or ""
    view.last_name = details.get("last_name") or ""
    view.phone = details.get("phone") or ""
    view.marketing_opt_in = bool(details.get("marketing_opt_in"))
    view._prefetched_objects_cache = {}
    view.session_default_address = _own_default_address(session)
    return view


def customer_get_by_email(*, store, mode: str, email: str) -> Customer | None:
    """The store's customer of ``mode`` for ``email`` (case-insensitive), or None. Uses the
    unique index."""
    return (
        Customer.objects.alias(email_lower=Lower("email"))
        .filter(store=store, mode=mode, email_lower=email.strip().lower())
        .first()
    )


def _paid_orders(*, mode: str):
    return Order.objects.filter(
        customer=OuterRef("pk"),
        type=Order.Type.ORDER,
        mode=mode,
        payment_status__in=Order.PAID_STATES,
    ).order_by()


def customer_totals_annotate(queryset: QuerySet, *, store, mode: str) -> QuerySet:
    """Add ``total_orders`` and ``total_spend_amount`` (minor units of the store currency).

    Both count the customer's orders of ``mode`` that were paid, net of refunds: an order whose
    refunds cover its whole total (``refunded`` status, or refunded_amount >= total) counts
    in neither. Spend sums ``total_amount - refunded_amount`` in the store currency: orders
    placed in another currency (multi-currency) are converted with the exchange rate each
    order stored; orders in another currency without one (from before a change of the
    store currency) are left out; totalOrders counts every currency. Two correlated subqueries, so a page costs the same number of queries at any size.
    """
    counted = (
        _paid_orders(mode=mode)
        .exclude(payment_status=Order.PaymentStatus.REFUNDED)
        .filter(total_amount__gt=F("refunded_amount"))
    )
    count = counted.values("customer").annotate(n=Count("pk")).values("n")
    spend = (
        counted.filter(Q(currency=store.currency) | Q(exchange_rate__isnull=False))
        .values("customer")
        .annotate(
            s=Sum(
                in_store_currency(F("total_amount") - F("refunded_amount"), store=store)
            )
        )
        .values("s")
    )
    return queryset.annotate(
        total_orders=Coalesce(Subquery(count, output_field=IntegerField()), 0),
        total_spend_amount=Coalesce(Subquery(spend, output_field=IntegerField()), 0),
    )


def customer_list(*, store, mode: str) -> QuerySet:
    """The store's customers of ``mode``, newest first, with order totals
    (``customers.filters.CustomerFilter`` filters them)."""
    queryset = customer_totals_annotate(
        Customer.objects.filter(store=store, mode=mode), store=store, mode=mode
    )
    return queryset.order_by("-created_at", "-id")


def customer_get(*, store, mode: str, customer_id: str) -> Customer:
    """One customer of the store in ``mode`` with its addresses and totals; another store's
    or the other mode's is a 404."""
    malformed = len(customer_id) > 40 or not customer_id.isprintable()
    if malformed or not has_prefix(customer_id, "cust"):
        raise NotFound("Customer not found.")
    addresses = Address.objects.order_by("-is_default", "created_at")
    queryset = customer_totals_annotate(
        Customer.objects.filter(store=store, mode=mode, pk=customer_id),
        store=store,
        mode=mode,
    ).prefetch_related(Prefetch("addresses", queryset=addresses))
    customer = queryset.first()
    if customer is None:
        raise NotFound("Customer not found.")
    return customer


def customer_default_address(customer: Customer) -> Address | None:
    """The default saved address (from the prefetch cache when there is one); for the
    profile of an unverified session, the one :func:`session_profile` chose."""
    if hasattr(customer, "session_default_address"):
        return customer.session_default_address
    cache = getattr(customer, "_prefetched_objects_cache", {})
    if "addresses" in cache:
        return next((a for a in cache["addresses"] if a.is_default), None)
    return customer.addresses.filter(is_default=True).first()


def customers_with_tag(queryset: QuerySet, tag: str) -> QuerySet:
    """Customers whose ``tags`` list holds ``tag`` exactly, on PostgreSQL and SQLite alike."""
    if connection.features.supports_json_field_contains:
        return queryset.filter(tags__contains=[tag])
    table = Customer._meta.db_table
    return queryset.alias(
        has_tag=RawSQL(
            f'EXISTS (SELECT 1 FROM json_each("{table}"."tags") WHERE json_each.value = %s)',
            (tag,),
            output_field=BooleanField(),
        )
    ).filter(has_tag=True)


def customer_tags_in_use(queryset: QuerySet, *, limit: int = 100) -> list[str]:
    """The distinct tags of ``queryset``'s customers, sorted (at most ``limit``)."""
    tags: set[str] = set()
    for value in queryset.exclude(tags=[]).values_list("tags", flat=True).iterator():
        if isinstance(value, list):
            tags.update(t for t in value if isinstance(t, str))
    return sorted(tags, key=str.casefold)[:limit]


def marketing_export_rows(queryset: QuerySet):
    """(email, first name, last name, tags) of the opted-in customers of ``queryset``."""
    return (
        queryset.filter(marketing_opt_in=True)
        .order_by("email")
        .values_list("email", "first_name", "last_name", "tags")
    )

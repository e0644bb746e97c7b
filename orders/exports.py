"""The dashboard's CSV export of orders for a date range."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from core.csvfiles import csv_lines
from core.db import replica_alias
from core.money import to_major_string

from .models import Order
from .selectors import order_status_bucket, order_status_q

COLUMNS = (
    "order_number",
    "order_id",
    "mode",
    "created_at",
    "paid_at",
    "fulfilled_at",
    "cancelled_at",
    "status",
    "payment_status",
    "fulfillment_status",
    "email",
    "customer_name",
    "shipping_country",
    "payment_method",
    "payment_gateway",
    "payment_intent_id",
    "currency",
    "subtotal",
    "discount",
    "shipping",
    "tax",
    "total",
    "refunded",
    "units",
)


def date_range_bounds(
    start: date, end: date, tz: str = "UTC"
) -> tuple[datetime, datetime]:
    """``[start 00:00, end + 1 day 00:00)`` in time zone ``tz``: both dates inclusive."""
    zone = ZoneInfo(tz)
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def order_export_queryset(
    queryset: QuerySet[Order],
    *,
    start: date,
    end: date,
    tz: str = "UTC",
    status: str | None = None,
    mode: str | None = None,
) -> QuerySet[Order]:
    """Placed orders of ``queryset`` created between two dates (inclusive, in ``tz``)."""
    lower, upper = date_range_bounds(start, end, tz)
    queryset = queryset.filter(
        type=Order.Type.ORDER, created_at__gte=lower, created_at__lt=upper
    )
    if status:
        queryset = queryset.filter(order_status_q(status))
    if mode:
        queryset = queryset.filter(mode=mode)
    # A report may lag the primary by a moment: read from a replica when there is one.
    return (
        queryset.using(replica_alias())
        .select_related("customer")
        .prefetch_related("items")
        .order_by("created_at", "id")
    )


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _row(order: Order) -> list:
    money = lambda amount: to_major_string(amount, order.currency)  # noqa: E731
    address = order.shipping_address or {}
    customer = order.customer
    name = (
        " ".join(filter(None, [customer.first_name, customer.last_name]))
        if customer
        else ""
    )
    if not name:
        name = " ".join(
            filter(
                None,
                [
                    address.get("first_name") or address.get("firstName"),
                    address.get("last_name") or address.get("lastName"),
                ],
            )
        )
    return [
        order.order_number or "",
        order.pk,
        order.mode,
        _when(order.created_at),
        _when(order.paid_at),
        _when(order.fulfilled_at),
        _when(order.cancelled_at),
        order_status_bucket(order),
        order.payment_status,
        order.fulfillment_status,
        order.email,
        name,
        address.get("country_code") or address.get("countryCode") or "",
        order.payment_method,
        order.payment_gateway,
        order.payment_intent_id,
        order.currency,
        money(order.subtotal_amount),
        money(order.discount_amount),
        money(order.shipping_amount),
        money(order.tax_amount),
        money(order.total_amount),
        money(order.refunded_amount),
        sum(item.quantity for item in order.items.all()),
    ]


def order_csv_lines(orders: Iterable[Order]) -> Iterator[str]:
    """The CSV text, one line at a time (header first); amounts in major units."""
    return csv_lines(COLUMNS, (_row(order) for order in orders))

"""CSV exports, streamed: products (Shopify's format or this platform's), orders (one row
per line, times in the store's time zone) and customers.

Every export is a generator of CSV text lines over ``.iterator(chunk_size=...)`` querysets
(products in chunks with their variants, options, media and categories prefetched per
chunk), so a large store is never held in memory; the API wraps them in a
``StreamingHttpResponse`` and the commands write them to a file.

Customers and marketing: the full export (``audience="all"``) is the merchant's own record
of its customers and lists every customer of the mode with an ``accepts_marketing`` column;
``audience="marketing"`` lists only those who opted in, which is the list to hand to a
mailing tool (the same rule as the dashboard's marketing export).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import zip_longest
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.utils import timezone

from catalog.models import Category, Media, Product, ProductOption, Variant
from core.csvfiles import csv_lines
from core.links import server_base_url
from customers.models import Customer
from orders.models import Order, OrderItem

from . import formats

CHUNK = 500
PRODUCT_FORMATS = ("shopify", "native")
AUDIENCES = ("all", "marketing")


def _products(store):
    return (
        Product.objects.filter(store=store)
        .order_by("created_at", "id")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.order_by(
                    "position", "created_at"
                ).prefetch_related("option_values__option"),
            ),
            Prefetch(
                "options",
                queryset=ProductOption.objects.prefetch_related("values"),
            ),
            Prefetch("media", queryset=Media.objects.filter(is_video=False)),
            Prefetch("categories", queryset=Category.objects.order_by("name")),
        )
        .iterator(chunk_size=CHUNK)
    )


def csv_response(lines, name: str) -> StreamingHttpResponse:
    """A streamed CSV download named ``<name>-<UTC time>.csv``."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def default_media_url(name: str) -> str:
    url = default_storage.url(name)
    return url if "://" in url else f"{server_base_url()}{url}"


def _variant_rows(product: Product):
    """``(variant, [(option name, value)...])`` for each sellable variant."""
    variants = list(product.variants.all())
    options = [o.name for o in product.options.all()]
    if options:
        for variant in variants:
            if variant.is_default:
                continue
            values = {v.option.name: v.value for v in variant.option_values.all()}
            yield variant, [(name, values.get(name, "")) for name in options]
    else:
        default = next((v for v in variants if v.is_default), None)
        yield default, []


def _native_rows(store, media_url) -> Iterator[list]:
    currency = store.currency
    for product in _products(store):
        images = [(media_url(m.file.name), m.alt) for m in product.media.all()]
        variants = list(_variant_rows(product))
        for index, (pair, image) in enumerate(
            zip_longest(variants, images, fillvalue=None)
        ):
            variant, values = pair if pair else (None, [])
            row = {"handle": product.slug}
            if index == 0:
                row.update(
                    name=product.name,
                    description=product.description,
                    status=product.status,
                    brand=product.brand,
                    categories=formats.LIST_SEPARATOR.join(
                        c.name for c in product.categories.all()
                    ),
                    tags=formats.LIST_SEPARATOR.join(
                        str(t) for t in (product.metadata or {}).get("tags") or []
                    ),
                    price=formats.major(product.price_amount, currency),
                    sale_price=formats.major(product.sale_price_amount, currency),
                    cost=formats.major(product.cost_amount, currency),
                    track_inventory="true" if product.track_inventory else "false",
                )
            for number, (name, value) in enumerate(values, start=1):
                row[f"option{number}_name"] = name
                row[f"option{number}_value"] = value
            if variant is not None:
                row.update(
                    variant_sku=variant.sku,
                    variant_price=formats.major(variant.price_amount, currency)
                    if values
                    else "",
                    variant_stock=variant.stock,
                    variant_barcode=variant.barcode,
                    variant_weight_grams=""
                    if variant.weight_grams is None
                    else variant.weight_grams,
                )
            if image is not None:
                row.update(image_url=image[0], image_alt=image[1])
            yield [row.get(column, "") for column in formats.NATIVE_COLUMNS]


def _shopify_rows(store, media_url) -> Iterator[list]:
    currency = store.currency
    for product in _products(store):
        images = [(media_url(m.file.name), m.alt) for m in product.media.all()]
        variants = list(_variant_rows(product))
        categories = [c.name for c in product.categories.all()]
        tags = [str(t) for t in (product.metadata or {}).get("tags") or []]
        tags += [c for c in categories[1:] if c not in tags]
        sale = product.sale_active()
        for index, (pair, image) in enumerate(
            zip_longest(variants, images, fillvalue=None)
        ):
            variant, values = pair if pair else (None, [])
            row = {"Handle": product.slug}
            if index == 0:
                row.update(
                    {
                        "Title": product.name,
                        "Body (HTML)": product.description,
                        "Vendor": product.brand,
                        "Type": categories[0] if categories else "",
                        "Tags": ", ".join(tags),
                        "Published": "TRUE"
                        if product.status == Product.Status.PUBLISHED
                        else "FALSE",
                        "Status": "archived"
                        if product.status == Product.Status.ARCHIVED
                        else "active"
                        if product.status == Product.Status.PUBLISHED
                        else "draft",
                        "Cost per item": formats.major(product.cost_amount, currency),
                    }
                )
                if not values:
                    row.update({"Option1 Name": "Title"})
            if variant is not None:
                own = variant.price_amount
                price = own if own is not None else product.current_price_amount()
                compare = product.price_amount if sale and own is None else None
                for number, (name, value) in enumerate(values, start=1):
                    row[f"Option{number} Name"] = name if index == 0 else ""
                    row[f"Option{number} Value"] = value
                if not values:
                    row["Option1 Value"] = "Default Title"
                row.update(
                    {
                        "Variant SKU": variant.sku,
                        "Variant Grams": ""
                        if variant.weight_grams is None
                        else variant.weight_grams,
                        "Variant Inventory Tracker": "shopify"
                        if product.track_inventory
                        else "",
                        "Variant Inventory Qty": variant.stock,
                        "Variant Price": formats.major(price, currency),
                        "Variant Compare At Price": formats.major(compare, currency),
                        "Variant Barcode": variant.barcode,
                    }
                )
            if image is not None:
                row.update(
                    {
                        "Image Src": image[0],
                        "Image Position": index + 1,
                        "Image Alt Text": image[1],
                    }
                )
            yield [row.get(column, "") for column in formats.SHOPIFY_COLUMNS]


def product_csv_lines(
    *, store, format: str = "native", media_url: Callable[[str], str] | None = None
) -> Iterator[str]:
    """The store's products as CSV lines; ``media_url(name)`` makes image URLs absolute."""
    media_url = media_url or default_media_url
    if format == "shopify":
        return csv_lines(formats.SHOPIFY_COLUMNS, _shopify_rows(store, media_url))
    return csv_lines(formats.NATIVE_COLUMNS, _native_rows(store, media_url))


ORDER_COLUMNS = (
    "order_number",
    "order_id",
    "created_at",
    "paid_at",
    "payment_status",
    "fulfillment_status",
    "email",
    "customer_id",
    "shipping_country",
    "currency",
    "order_subtotal",
    "order_discount",
    "order_shipping",
    "order_tax",
    "order_total",
    "order_refunded",
    "line_item_id",
    "product_id",
    "variant_id",
    "sku",
    "product_name",
    "variant_name",
    "quantity",
    "unit_price",
    "line_subtotal",
    "line_discount",
    "line_tax",
    "quantity_fulfilled",
    "quantity_refunded",
)


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds") if value else ""


def _order_rows(store, mode: str) -> Iterator[list]:
    zone = ZoneInfo(store.timezone)
    orders = (
        Order.objects.filter(store=store, mode=mode, type=Order.Type.ORDER)
        .order_by("created_at", "id")
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.order_by("created_at", "id"))
        )
        .iterator(chunk_size=CHUNK)
    )
    for order in orders:
        money = lambda amount, c=order.currency: formats.major(amount, c)  # noqa: E731
        address = order.shipping_address or {}
        head = [
            order.order_number or "",
            order.pk,
            _local(order.created_at, zone),
            _local(order.paid_at, zone),
            order.payment_status,
            order.fulfillment_status,
            order.email,
            order.customer_id or "",
            address.get("country_code") or address.get("countryCode") or "",
            order.currency,
            money(order.subtotal_amount),
            money(order.discount_amount),
            money(order.shipping_amount),
            money(order.tax_amount),
            money(order.total_amount),
            money(order.refunded_amount),
        ]
        for item in order.items.all():
            yield [
                *head,
                item.pk,
                item.product_id or "",
                item.variant_id or "",
                item.sku,
                item.product_name,
                item.variant_name,
                item.quantity,
                money(item.unit_price_amount),
                money(item.subtotal_amount),
                money(item.discount_amount),
                money(item.tax_amount),
                item.quantity_fulfilled,
                item.quantity_refunded,
            ]


def order_csv_lines(*, store, mode: str) -> Iterator[str]:
    """Placed orders of ``mode``, one row per line item (the order's columns repeated),
    times in the store's time zone with their offset, amounts in major units."""
    return csv_lines(ORDER_COLUMNS, _order_rows(store, mode))


CUSTOMER_COLUMNS = (
    "customer_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "accepts_marketing",
    "tags",
    "created_at",
)


def _customer_rows(store, mode: str, audience: str) -> Iterator[list]:
    zone = ZoneInfo(store.timezone)
    customers = Customer.objects.filter(store=store, mode=mode)
    if audience == "marketing":
        customers = customers.filter(marketing_opt_in=True)
    for customer in customers.order_by("created_at", "id").iterator(chunk_size=CHUNK):
        yield [
            customer.pk,
            customer.email,
            customer.first_name,
            customer.last_name,
            customer.phone,
            "yes" if customer.marketing_opt_in else "no",
            ", ".join(t for t in customer.tags or [] if isinstance(t, str)),
            _local(customer.created_at, zone),
        ]


def customer_csv_lines(*, store, mode: str, audience: str = "all") -> Iterator[str]:
    return csv_lines(CUSTOMER_COLUMNS, _customer_rows(store, mode, audience))

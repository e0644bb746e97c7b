"""The hot API reads are index scans, never a sequential scan of products, variants or orders.

Real rows, spread over several stores as in production, then ``ANALYZE``, so the planner
chooses with true statistics; every query the endpoint runs (captured through the test
client) is checked with ``EXPLAIN (FORMAT JSON)``.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Product
from catalog.tests.factories import bulk_catalogue
from orders.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

#: Rows of each store: enough for the planner to prefer reading a page in index order to
#: sorting the store's rows.
PRODUCTS = 2000
ORDERS = 4000
WATCHED = {"catalog_product", "catalog_variant", "orders_order"}


def _orders(store, count: int) -> None:
    start = timezone.now() - timedelta(days=365)
    Order.objects.bulk_create(
        [
            Order(
                store=store,
                mode="test",
                type=Order.Type.ORDER,
                cart_token=f"tok-{store.pk}-{i}",
                currency=store.currency,
                email=f"buyer{i}@example.com",
                order_number=1001 + i,
                total_amount=1000 + i,
                placed_at=start + timedelta(minutes=i),
            )
            for i in range(count)
        ],
        batch_size=1000,
    )


def _relations(plan: dict) -> set[str]:
    found = {plan["Relation Name"]} if "Relation Name" in plan else set()
    for child in plan.get("Plans", []):
        found |= _relations(child)
    return found


def _problems(plan: dict, *, paged: bool) -> list[str]:
    """Seq Scans of watched tables, and sorts of products or orders: a page must be read in
    index order, not by sorting the store's rows (a top-N sort over the catalogue)."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in WATCHED:
        found.append(f"Seq Scan on {plan['Relation Name']}")
    # An Incremental Sort (rows read in index order, ties sorted) is fine: only a full one
    # reads and sorts every row of the store.
    if paged and plan.get("Node Type") == "Sort":
        sorted_rows = _relations(plan) & {"catalog_product", "orders_order"}
        if sorted_rows:
            found.append(f"Sort of {sorted(sorted_rows)}")
    for child in plan.get("Plans", []):
        found += _problems(child, paged=paged)
    return found


def _plans(client, path, *, paged: bool, **kwargs) -> list[tuple[str, list[str]]]:
    """``[(sql, problems)]`` for every query of the request that reads a watched table."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **kwargs)
    assert response.status_code == 200, response.content
    checked = []
    with connection.cursor() as cursor:
        for query in ctx.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or not any(
                f'"{table}"' in sql for table in WATCHED
            ):
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            raw = cursor.fetchone()[0]
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            checked.append((sql, _problems(plan, paged=paged)))
    assert checked, "the request read none of the watched tables"
    return checked


def _other_products(store, count: int) -> None:
    """Plain product rows (other stores' lists are not read, only their size matters)."""
    Product.objects.bulk_create(
        [
            Product(
                store=store,
                name=f"Other {i}",
                slug=f"other-{i}",
                status=Product.Status.PUBLISHED,
            )
            for i in range(count)
        ],
        batch_size=1000,
    )


@pytest.fixture
def big_shop(shop, make_store):
    """``shop`` with a catalogue and an order history, among other stores twice its size
    (a shared database: a store's count is then served by its index, not a table read)."""
    bulk_catalogue(
        shop.store, PRODUCTS, variants_each=2, media_each=1, categories_each=1
    )
    _orders(shop.store, ORDERS)
    for i in range(2):
        other = make_store(name=f"Other {i}").store
        _other_products(other, PRODUCTS)
        _orders(other, ORDERS)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return shop


def test_hot_reads_never_scan_products_variants_or_orders(big_shop, public, private):
    """One setup for every case (the rows take most of the time)."""
    product = Product.objects.filter(store=big_shop.store).order_by("name").first()
    cases = [
        (public, "/products", {"perPage": 20}),
        (public, "/products", {"perPage": 50, "page": 2}),
        (public, "/products", {"sort": "name"}),
        (public, "/products", {"sort": "-createdAt"}),
        (public, f"/products/{product.slug}", {}),
        (public, f"/products/{product.pk}", {}),
        (private, "/products", {"perPage": 20}),
        (private, "/orders", {"perPage": 20}),
        (private, "/orders", {"perPage": 50, "page": 3}),
    ]
    for client, path, query in cases:
        paged = not path.startswith("/products/")  # a detail sorts its one row
        for sql, problems in _plans(client, path, paged=paged, query=query):
            assert not problems, f"{path} {query}: {problems}: {sql}"

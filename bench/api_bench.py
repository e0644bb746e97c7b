"""Latency and query counts of the hottest endpoints, in-process (no HTTP server).

    .venv/bin/python bench/api_bench.py                 # SQLite (a throwaway test database)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/api_bench.py
    .venv/bin/python bench/api_bench.py --products 2000 --repeat 50

It creates a throwaway test database, seeds one store with N products (some with variants,
media and categories), a cart and orders, then calls each endpoint ``--repeat`` times through
Django's test client and prints the median and p95 latency and the queries per request. Rate
limits are off. Not part of the test suite: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shoprocket_site.settings")
os.environ.setdefault("RATELIMIT_ENABLE", "false")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        fixtures = seed(args.products, args.orders)
        rows = []
        for name, call in endpoints(fixtures):
            call()  # warm-up
            timings, queries = [], 0
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = call()
                    timings.append((time.perf_counter() - started) * 1000)
                queries = len(ctx.captured_queries)
                assert response.status_code < 400, (
                    name,
                    response.status_code,
                    response.content[:300],
                )
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
            rows.append((name, statistics.median(timings), p95, queries))
        vendor = connection.vendor
        print(
            f"\n{vendor}, {args.products} products, {args.orders} orders, {args.repeat} calls each\n"
        )
        print(f"{'endpoint':58} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for name, median, p95, queries in rows:
            print(f"{name:58} {median:10.1f} {p95:8.1f} {queries:8d}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def seed(product_count: int, order_count: int) -> dict:
    from catalog import services as catalog_services
    from catalog.models import Product
    from core import services as core_services

    store, keys = core_services.store_create(
        name="Bench Candles",
        currency="GBP",
        country="GB",
        shipping_countries=["GB", "US"],
    )
    categories = [
        catalog_services.category_create(store=store, data={"name": f"Category {i}"})
        for i in range(5)
    ]
    for i in range(product_count):
        data = {
            "name": f"Product {i}",
            "price": 1000 + i,
            "status": "published",
            "category_ids": [categories[i % 5].pk],
            "description": "Hand-poured soy wax candle with a cotton wick.",
        }
        if i % 10 == 0:
            data["options"] = [{"name": "Size", "values": ["S", "M", "L"]}]
        else:
            data["stock"] = 100
        catalog_services.product_create(store=store, data=data, mode="test")
    product = Product.objects.filter(store=store, variants__is_default=True).first()

    from django.test import Client

    pk, sk = keys["test"]["publishable"], keys["test"]["secret"]
    public = Client(HTTP_AUTHORIZATION=f"Bearer {pk}", HTTP_X_CART_TOKEN="bench-cart")
    for simple in Product.objects.filter(store=store, variants__is_default=True)[:10]:
        public.post(
            f"/v3/public/{pk}/cart/items",
            {"productId": simple.pk, "quantity": 1},
            content_type="application/json",
        )
    seed_orders(store, order_count)
    return {
        "store": store,
        "pk": pk,
        "sk": sk,
        "product": product,
        "public": public,
        "private": Client(HTTP_AUTHORIZATION=f"Bearer {sk}"),
    }


def seed_orders(store, count: int) -> None:
    from customers.models import Customer
    from orders.models import Order, OrderItem

    customers = Customer.objects.bulk_create(
        [
            Customer(store=store, email=f"buyer{i}@example.com")
            for i in range(max(count // 3, 1))
        ]
    )
    orders = Order.objects.bulk_create(
        [
            Order(
                store=store,
                type="order",
                cart_token=f"t{i}",
                currency="GBP",
                email=f"buyer{i}@example.com",
                customer=customers[i % len(customers)],
                order_number=1001 + i,
                payment_status="paid",
                subtotal_amount=2400,
                tax_amount=480,
                total_amount=2880,
            )
            for i in range(count)
        ]
    )
    OrderItem.objects.bulk_create(
        [
            OrderItem(
                order=o,
                product_name="Candle",
                quantity=2,
                unit_price_amount=1200,
                subtotal_amount=2400,
            )
            for o in orders
        ]
    )


def endpoints(f: dict):
    pk, public, private, product = f["pk"], f["public"], f["private"], f["product"]
    base = f"/v3/public/{pk}"
    return [
        (
            "public GET /products?perPage=100",
            lambda: public.get(f"{base}/products?perPage=100"),
        ),
        (
            "public GET /products?q=candle",
            lambda: public.get(f"{base}/products?q=candle"),
        ),
        (
            "public GET /products/{slug}",
            lambda: public.get(f"{base}/products/{product.slug}"),
        ),
        ("public GET /categories", lambda: public.get(f"{base}/categories")),
        ("public GET /cart (10 lines)", lambda: public.get(f"{base}/cart")),
        (
            "public POST /tax/calculate",
            lambda: public.post(
                f"{base}/tax/calculate",
                {
                    "items": [{"productId": product.pk, "quantity": 2}],
                    "countryCode": "GB",
                },
                content_type="application/json",
            ),
        ),
        (
            "private GET /products?perPage=100",
            lambda: private.get("/v3/private/products?perPage=100"),
        ),
        (
            "private GET /orders?perPage=100",
            lambda: private.get("/v3/private/orders?perPage=100"),
        ),
        (
            "private GET /customers?perPage=100",
            lambda: private.get("/v3/private/customers?perPage=100"),
        ),
    ]


if __name__ == "__main__":
    main()

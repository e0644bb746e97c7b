"""The HTTP bench: generate (once) a large store, serve it with gunicorn, load it with wrk.

    .venv/bin/python -m bench.run --products 10000     # or: make bench BENCH_ARGS="--products 10000"

One command does everything, and can be run again at any time:

1. creates the bench database (``bench_<products>`` on the PostgreSQL server of
   ``--database-url``), migrates it and, unless it already holds this data set, generates it
   (``bench/generate.py``), then checks with real API calls that the generated rows work
   (fulfil, refund, product and inventory edits, order reads);
2. serves the project with gunicorn (``--workers`` sync workers, ``DEBUG=false``, a random
   ``SECRET_KEY``, ``RATELIMIT_ENABLE=false``, ``REDIS_URL`` on a dedicated Redis db) with
   ``bench.settings``: the project's settings plus the ceiling view and the
   ``X-Bench-Queries`` header;
3. smoke-tests list, detail, cart and checkout over HTTP on the generated data;
4. for each endpoint, counts its queries on a few requests, warms it up, then loads it with
   wrk from a second process (``--connections``, one per wrk thread) for ``--duration``
   seconds; the ceiling (a bare ``JsonResponse``) runs first and last;
5. prints a markdown table (requests/s, % of the ceiling, p50/p95/p99, errors, queries) and
   appends it to ``bench/RESULTS.md`` with the command, date, machine and commit;
6. stops gunicorn and removes the carts it made, whatever happens.

Needs PostgreSQL, Redis and ``wrk`` (Debian: ``apt-get install wrk``). See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import random
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
LUA_SCRIPT = BENCH_DIR / "wrk" / "endpoint.lua"
RESULTS = BENCH_DIR / "RESULTS.md"
VAR = ROOT / "var" / "bench"
QUERIES_HEADER = "X-Bench-Queries"
CART_LINES = 5
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_{products}"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"

ENDPOINTS = ("list", "detail", "cart_add", "checkout", "orders")
LABELS = {
    "ceiling": "ceiling: bare `JsonResponse`",
    "list": "public `GET /products?perPage=20`",
    "detail": "public `GET /products/{slug}`",
    "cart_add": "`POST /cart/items` (5-line cart)",
    "checkout": "`POST /cart/checkout`",
    "orders": "private `GET /orders?perPage=20`",
}


class BenchError(Exception):
    """Something the bench cannot go on without; the message says what to do."""


def log(message: str = "") -> None:
    print(message, flush=True)


# -- configuration ------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Generate a bench store (once), serve it with gunicorn and load each "
        "endpoint with wrk; print and record the results.",
    )
    size = parser.add_argument_group("data set")
    size.add_argument("--products", type=int, default=100_000)
    size.add_argument("--orders", type=int, default=200_000)
    size.add_argument("--customers", type=int, default=50_000)
    size.add_argument("--categories", type=int, default=500)
    size.add_argument("--seed", type=int, default=14)
    size.add_argument(
        "--regenerate",
        action="store_true",
        help="drop the bench database and generate it again",
    )
    size.add_argument(
        "--generate-only", action="store_true", help="stop after generating"
    )
    services = parser.add_argument_group("services")
    services.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="bench database ({products} is replaced); its name must start with "
        "'bench' (it may be dropped). Default: %(default)s",
    )
    services.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        help="a Redis db of its own (flushed before and after the run, never db 0). "
        "Default: %(default)s",
    )
    load = parser.add_argument_group("load")
    load.add_argument("--workers", type=int, default=5, help="gunicorn sync workers")
    load.add_argument(
        "--connections", type=int, default=32, help="wrk connections (one per thread)"
    )
    load.add_argument(
        "--duration", type=int, default=15, help="seconds measured per endpoint"
    )
    load.add_argument(
        "--warmup", type=int, default=3, help="seconds of load before each measure"
    )
    load.add_argument(
        "--ceiling-duration",
        type=int,
        default=5,
        help="seconds of each ceiling run (one before the first endpoint and one after "
        "each)",
    )
    load.add_argument(
        "--timeout", type=int, default=10, help="wrk request timeout in seconds"
    )
    load.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure everything this many times; each endpoint's median round is "
        "reported, with every round's ratio",
    )
    load.add_argument(
        "--endpoints",
        default=",".join(ENDPOINTS),
        help="comma-separated subset of %(default)s (the ceiling always runs)",
    )
    load.add_argument(
        "--checkout-carts",
        type=int,
        default=0,
        help="pre-filled carts per connection for the checkout run (default: sized from "
        "the ceiling: a quarter of its rate, for warm-up and measure)",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--no-record",
        action="store_true",
        help="print the results without appending them to bench/RESULTS.md",
    )
    out.add_argument("--note", default="", help="a line recorded with the results")
    args = parser.parse_args(argv)
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    unknown = set(args.endpoints) - set(ENDPOINTS)
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(sorted(unknown))}")
    args.database_url = args.database_url.replace("{products}", str(args.products))
    db_name = urlparse(args.database_url).path.lstrip("/")
    if not db_name.startswith("bench"):
        parser.error(
            f"the bench database name must start with 'bench' (it may be dropped), "
            f"not {db_name!r}"
        )
    if urlparse(args.redis_url).path.strip("/") in ("", "0"):
        parser.error("--redis-url must name a Redis db of its own (not db 0)")
    return args


#: The bench servers' cache key prefix: the only Redis keys the bench ever deletes.
CACHE_PREFIX = "bench"


def configure_environment(args) -> None:
    """The environment gunicorn and this process run Django with: production settings."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "RATELIMIT_ENABLE": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CACHE_KEY_PREFIX": CACHE_PREFIX,
            "LOG_LEVEL": "WARNING",
        }
    )


# -- database and data set ------------------------------------------------------------------------


def _admin_connection(database_url: str):
    import psycopg

    url = urlparse(database_url)
    return psycopg.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname="postgres",
        autocommit=True,
    )


def database_recreate(database_url: str, *, drop: bool) -> bool:
    """Create the bench database (dropping it first when ``drop``); True when created."""
    from psycopg import sql

    name = urlparse(database_url).path.lstrip("/")
    assert name.startswith("bench"), name
    with _admin_connection(database_url) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and drop:
            admin.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


#: What the database holds (one row, outside Django's models: the harness's own note).
MARKER_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_dataset "
    "(id integer PRIMARY KEY, sizes jsonb NOT NULL, info jsonb NOT NULL)"
)


def dataset_marker() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(MARKER_TABLE)
        cursor.execute("SELECT sizes, info FROM bench_dataset WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return None
    sizes, info = row
    if isinstance(sizes, str):
        sizes, info = json.loads(sizes), json.loads(info)
    return {"sizes": sizes, "info": info}


def dataset_marker_write(sizes: dict, info: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(MARKER_TABLE)
        cursor.execute(
            "INSERT INTO bench_dataset (id, sizes, info) VALUES (1, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET sizes = EXCLUDED.sizes, info = EXCLUDED.info",
            [json.dumps(sizes), json.dumps(info)],
        )


def ensure_dataset(args) -> tuple[dict, bool]:
    """Migrate the bench database and generate the data set unless it is there already.

    Returns the data set's marker (sizes and generation info) and whether it was generated
    now."""
    import django
    from django.core.management import call_command

    from . import generate

    sizes = generate.Sizes(
        products=args.products,
        orders=args.orders,
        customers=args.customers,
        categories=args.categories,
        seed=args.seed,
    )
    name = urlparse(args.database_url).path.lstrip("/")
    created = database_recreate(args.database_url, drop=args.regenerate)
    django.setup()
    marker = None if created else dataset_marker()
    if marker is not None and marker["sizes"] != sizes.as_dict():
        log(
            f"Database {name} holds another data set ({marker['sizes']}): regenerating."
        )
        marker = None
    if marker is None and not created:
        from django.db import connections

        connections.close_all()
        database_recreate(args.database_url, drop=True)
    log(f"Migrating {name} ...")
    call_command("migrate", interactive=False, verbosity=0)
    if marker is not None:
        log(
            f"Reusing the data set in {name} (generated {marker['info']['generated_at']})."
        )
        return marker, False
    log(
        f"Generating {sizes.products:,} products, {sizes.orders:,} orders, "
        f"{sizes.customers:,} customers in {name} ..."
    )
    from django.db import connection

    with connection.cursor() as cursor:
        # A bench database: a generation that crashes half-way is simply started again.
        cursor.execute("SET synchronous_commit TO off")
    started = time.perf_counter()
    counts = generate.generate(sizes, log=log)
    generation_seconds = time.perf_counter() - started
    log("  VACUUM ANALYZE ...")
    vacuum_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuum_seconds = time.perf_counter() - vacuum_started
    rows = sum(counts.rows.values())
    info = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "seconds": round(generation_seconds, 1),
        "vacuum_seconds": round(vacuum_seconds, 1),
        "rows": counts.rows,
        "steps": {k: round(v, 1) for k, v in counts.seconds.items()},
    }
    dataset_marker_write(sizes.as_dict(), info)
    log(
        f"Generated {rows:,} rows in {generation_seconds:.0f} s "
        f"({rows / generation_seconds:,.0f} rows/s), VACUUM ANALYZE {vacuum_seconds:.0f} s."
    )
    return {"sizes": sizes.as_dict(), "info": info}, True


# -- the bench store as the run sees it -----------------------------------------------------------


@dataclass
class Shop:
    store_id: str
    pk: str
    sk: str
    shipping_method_id: str
    #: Per connection, CART_LINES simple products (id, variant id), distinct across all.
    cart_products: list[list[tuple[str, str]]]
    detail_slugs: list[str]
    variant_slug: str
    simple_slug: str
    variant_product: tuple[str, str]  # product id, variant id
    published: int
    counts: dict = field(default_factory=dict)


def shop_load(args, *, connections: int) -> Shop:
    """The bench store, a fresh test secret key (rolled through the service), the products
    the carts use (stock topped up) and the products the detail run walks."""
    from carts.models import ShippingMethod
    from catalog import services as catalog_services
    from catalog.models import InventoryAdjustment, Product, Review, Variant
    from core import services as core_services
    from core.models import ApiKey, Store
    from customers.models import Customer
    from orders.models import Order

    from .generate import STOCK, STORE_NAME

    store = Store.objects.get(name=STORE_NAME)
    keys = ApiKey.objects.filter(store=store, mode="test", revoked_at__isnull=True)
    pk = keys.get(kind="publishable").publishable_key
    sk = core_services.api_key_roll(api_key=keys.get(kind="secret")).raw
    method = ShippingMethod.objects.get(store=store, countries=["GB"])
    published = Product.objects.filter(store=store, status="published")
    rng = random.Random(args.seed + 1)
    simple = list(
        Variant.objects.filter(
            product__in=published,
            product__product_type="physical",
            is_default=True,
            stock__gt=0,
        )
        .order_by("pk")
        .values_list("product_id", "pk")
    )
    wanted = (connections + 1) * CART_LINES  # + the probe cart
    if len(simple) < wanted:
        raise BenchError(
            f"The bench store has {len(simple)} purchasable simple products; the carts "
            f"need {wanted}: use more --products or fewer --connections."
        )
    chosen = rng.sample(simple, wanted)
    for variant in Variant.objects.filter(
        pk__in=[v for _, v in chosen], stock__lt=STOCK
    ).select_related("product"):
        catalog_services.stock_adjust(
            mode="live",
            variant=variant,
            operation="set",
            quantity=STOCK,
            reason="Bench top-up",
            source=InventoryAdjustment.Source.IMPORT,
        )
    slugs = list(published.order_by("pk").values_list("slug", flat=True))
    with_variants = (
        published.filter(variants__is_default=False, variants__stock__gt=0)
        .order_by("pk")
        .values_list("pk", "slug", "variants__pk")
    )
    variant_product = with_variants.first()
    if variant_product is None:
        raise BenchError("The bench store has no product with variants in stock.")
    counts = {
        "products": Product.objects.filter(store=store).count(),
        "published": published.count(),
        "variant_products": published.filter(options__isnull=False).distinct().count(),
        "variants": Variant.objects.filter(product__store=store).count(),
        "orders": Order.objects.filter(store=store, type="order").count(),
        "customers": Customer.objects.filter(store=store).count(),
        "reviews": Review.objects.filter(store=store).count(),
    }
    return Shop(
        store_id=store.pk,
        pk=pk,
        sk=sk,
        shipping_method_id=method.pk,
        cart_products=[
            chosen[i * CART_LINES : (i + 1) * CART_LINES]
            for i in range(connections + 1)
        ],
        detail_slugs=rng.sample(slugs, min(1000, len(slugs))),
        variant_slug=variant_product[1],
        simple_slug=Product.objects.get(pk=chosen[0][0]).slug,
        variant_product=(variant_product[0], variant_product[2]),
        published=counts["published"],
        counts=counts,
    )


# -- processes ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving ``bench.settings`` on a free loopback port; stopped by its pid."""

    def __init__(self, *, workers: int, log_path: Path):
        self.workers = workers
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log(f"Starting gunicorn ({self.workers} sync workers) on 127.0.0.1:{self.port}")
        self.log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "shoprocket_site.wsgi:application",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
                "--pid",
                str(self.log_path.with_name("gunicorn.pid")),
            ],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers stop with it
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}"
                )
            try:
                status, _, _ = Client(self.port).call("GET", "/bench/ceiling")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise BenchError(f"gunicorn did not answer in 60 s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            # SIGTERM to the master (gunicorn stops its workers); then the group it leads.
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.log_file.close()


class Client:
    """A tiny HTTP/1.1 client for the API checks (one connection per request, like wrk
    against gunicorn's sync workers)."""

    def __init__(self, port: int):
        self.port = port

    def call(self, method, path, body=None, *, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            payload = json.dumps(body) if body is not None else None
            all_headers = {"Content-Type": "application/json", **(headers or {})}
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            raw = response.read()
            try:
                data = json.loads(raw) if raw else None
            except ValueError:
                data = raw[:300]
            return response.status, dict(response.getheaders()), data
        finally:
            connection.close()


# -- the API on the generated data -----------------------------------------------------------------


class Api:
    """The bench store's public and private API over HTTP; every call must succeed."""

    def __init__(self, port: int, shop: Shop):
        self.client = Client(port)
        self.shop = shop
        self.public_prefix = f"/v3/public/{shop.pk}"

    def public(self, method, path, body=None, *, cart=None, headers=None, expect=200):
        all_headers = {"Authorization": f"Bearer {self.shop.pk}", **(headers or {})}
        if cart:
            all_headers["X-Cart-Token"] = cart
        return self._check(
            method, self.public_prefix + path, body, all_headers, expect=expect
        )

    def private(self, method, path, body=None, *, expect=200):
        headers = {"Authorization": f"Bearer {self.shop.sk}"}
        return self._check(method, "/v3/private" + path, body, headers, expect=expect)

    def _check(self, method, path, body, headers, *, expect):
        status, response_headers, data = self.client.call(
            method, path, body, headers=headers
        )
        if status != expect:
            raise BenchError(
                f"{method} {path} answered {status}, expected {expect}: {data}"
            )
        return data, int(response_headers.get(QUERIES_HEADER, -1))

    def fill_cart(self, token: str, products: list[tuple[str, str]]) -> None:
        for product_id, _ in products:
            self.public(
                "POST",
                "/cart/items",
                {"productId": product_id, "quantity": 1},
                cart=token,
            )

    def ready_for_checkout(self, token: str) -> None:
        self.public(
            "PUT",
            "/cart/checkout-data",
            {
                "email": f"{token}@bench.test",
                "shippingAddress": {
                    "firstName": "Sam",
                    "lastName": "Buyer",
                    "line1": "221B Baker Street",
                    "city": "London",
                    "postcode": "NW1 6XE",
                    "countryCode": "GB",
                },
                "sameAsShipping": True,
            },
            cart=token,
        )
        self.public(
            "POST",
            "/cart/shipping-option",
            {"shippingOptionId": self.shop.shipping_method_id},
            cart=token,
        )

    def checkout(self, token: str):
        return self.public(
            "POST",
            "/cart/checkout",
            {"paymentMethod": "pm_card_visa"},
            cart=token,
            headers={"Idempotency-Key": token},
        )


def smoke(api: Api, run_id: str) -> None:
    """List, detail, cart and checkout on the generated data, through gunicorn."""
    from orders.models import OrderNumberCounter

    shop = api.shop
    data, _ = api.public("GET", "/products?perPage=20")
    if len(data["data"]) != 20 or data["meta"]["total"] != shop.published:
        raise BenchError(f"Unexpected product list: {data['meta']}")
    data, _ = api.public("GET", f"/products/{shop.variant_slug}")
    if not data["data"]["variants"]:
        raise BenchError(f"{shop.variant_slug} shows no variants.")
    data, _ = api.public("GET", f"/products/{shop.simple_slug}")
    if not data["data"]["defaultVariantId"]:
        raise BenchError(f"{shop.simple_slug} shows no default variant.")
    token = f"{run_id}-smoke"
    api.fill_cart(token, shop.cart_products[0][:2])
    product_id, variant_id = shop.variant_product
    api.public(
        "POST",
        "/cart/items",
        {"productId": product_id, "variantId": variant_id, "quantity": 2},
        cart=token,
    )
    api.ready_for_checkout(token)
    cart, _ = api.public("GET", "/cart", cart=token)
    if len(cart["data"]["items"]) != 3:
        raise BenchError(f"The smoke cart has {len(cart['data']['items'])} lines.")
    expected = OrderNumberCounter.objects.get(
        store_id=shop.store_id, mode="test"
    ).next_number
    data, _ = api.checkout(token)
    result = data["data"]
    if result["status"] != "paid" or result["orderNumber"] != str(expected):
        raise BenchError(f"Unexpected checkout result {result}, expected #{expected}")
    data, _ = api.private("GET", "/orders?perPage=20")
    if data["data"][0]["id"] != result["orderId"]:
        raise BenchError("The order just placed is not first in GET /orders.")
    log(
        f"Smoke test passed: list, detail, cart, checkout (order #{expected}), "
        "private orders."
    )


def verify_generated(api: Api) -> None:
    """Once, after generating: operations on generated rows go through the real services."""
    from catalog.models import Product
    from orders.models import Order

    shop = api.shop
    orders = Order.objects.filter(store_id=shop.store_id, type="order", mode="test")
    unfulfilled = orders.filter(fulfillment_status="unfulfilled").order_by("created_at")
    fulfilled = orders.filter(fulfillment_status="fulfilled").order_by("created_at")
    to_fulfil, to_refund = unfulfilled.first(), fulfilled.first()
    api.private("GET", f"/orders/{to_fulfil.pk}")
    api.private(
        "POST",
        f"/orders/{to_fulfil.pk}/fulfill",
        {"carrier": "Royal Mail", "trackingNumber": "BENCHVERIFY1"},
    )
    data, _ = api.private(
        "POST", f"/orders/{to_refund.pk}/refund", {"amount": 100, "restock": False}
    )
    if data["data"]["paymentStatus"] != "partially_refunded":
        raise BenchError(f"Unexpected refund result: {data['data']}")
    product_id, variant_id = shop.variant_product
    api.private(
        "PATCH", f"/products/{product_id}", {"summary": "Checked by the bench."}
    )
    api.private(
        "PATCH",
        f"/products/{product_id}/inventory",
        {"variantId": variant_id, "operation": "increment", "quantity": 1},
    )
    simple = Product.objects.get(slug=shop.simple_slug, store_id=shop.store_id)
    api.private("GET", f"/products/{simple.pk}")
    api.private("GET", "/customers?perPage=20")
    api.public("GET", "/categories")
    api.public("GET", f"/products/{shop.variant_slug}/reviews")
    api.public("GET", "/products?q=candle&perPage=20")
    log(
        "Generated data verified: order read, fulfil, refund, product and inventory "
        "edits, customers, categories, reviews, search."
    )


# -- carts for the cart runs ---------------------------------------------------------------------


def clone_carts(template_token: str, tokens: list[str], *, store_id: str) -> None:
    """Copies of the cart ``template_token`` (built through the API) under ``tokens``:
    the same row and lines, new ids."""
    from django.db import transaction
    from django.utils import timezone

    from core.ids import new_id
    from orders.models import Order, OrderItem

    template = Order.objects.get(
        store_id=store_id, mode="test", type="cart", cart_token=template_token
    )
    lines = list(template.items.all())
    order_fields = [
        f.attname for f in Order._meta.concrete_fields if f.attname not in ("id",)
    ]
    item_fields = [
        f.attname
        for f in OrderItem._meta.concrete_fields
        if f.attname not in ("id", "order_id")
    ]
    now = timezone.now()
    carts, items = [], []
    for token in tokens:
        cart = Order(**{name: getattr(template, name) for name in order_fields})
        cart.id, cart.cart_token, cart.created_at = new_id("ord"), token, now
        cart.email = f"{token}@bench.test"  # each checkout a new (guest) customer
        carts.append(cart)
        for line in lines:
            item = OrderItem(**{name: getattr(line, name) for name in item_fields})
            item.id, item.order_id = new_id("oitm"), cart.id
            items.append(item)
    with transaction.atomic():
        Order.objects.bulk_create(carts, batch_size=2000)
        OrderItem.objects.bulk_create(items, batch_size=2000)


def carts_remaining(prefix: str, *, store_id: str) -> int:
    from orders.models import Order

    return Order.objects.filter(
        store_id=store_id, type="cart", cart_token__startswith=prefix
    ).count()


def carts_delete(prefix: str, *, store_id: str) -> int:
    """Delete the run's leftover carts (placed orders stay: they are real orders now)."""
    from orders.models import Order, OrderItem

    carts = Order.objects.filter(
        store_id=store_id, type="cart", cart_token__startswith=prefix
    )
    OrderItem.objects.filter(order__in=carts).delete()
    return carts.delete()[0]


# -- measuring ------------------------------------------------------------------------------------


@dataclass
class Measure:
    key: str
    label: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: dict
    queries: list[int]
    note: str = ""
    #: The mean of the two ceiling runs around this one (for the ratio).
    ceiling_rps: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def wrk(port: int, env: dict, *, connections: int, seconds: int, timeout: int) -> dict:
    """Run wrk with ``bench/wrk/endpoint.lua`` configured by ``env``; its result dict."""
    command = [
        "wrk",
        "-t",
        str(connections),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        f"{timeout}s",
        "-s",
        str(LUA_SCRIPT),
        f"http://127.0.0.1:{port}",
    ]
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=seconds + timeout + 30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise BenchError("wrk did not finish in time") from None
    match = re.search(r"^BENCH_RESULT (\{.*\})$", output, re.MULTILINE)
    if process.returncode != 0 or match is None:
        raise BenchError(f"wrk failed ({process.returncode}):\n{output}")
    return json.loads(match.group(1))


def errors_by_kind(raw: dict) -> dict[str, int]:
    """Non-2xx answers (by status when the script counted them) and socket errors."""
    errors = {
        f"HTTP {status}": count
        for status, count in sorted(raw.get("statuses", {}).items())
        if not status.startswith("2")
    }
    if not errors and raw["status"]:
        errors["HTTP 4xx/5xx"] = raw["status"]
    for name in ("timeout", "connect", "read", "write"):
        if raw[name]:
            errors[name] = raw[name]
    return errors


class Bench:
    def __init__(self, args, *, port: int, shop: Shop, run_id: str, work: Path):
        self.args = args
        self.port = port
        self.shop = shop
        self.run_id = run_id
        #: Prefix of the cart tokens of the current round (all start with the run id).
        self.tag = run_id
        self.work = work
        self.api = Api(port, shop)
        self.connections = args.connections

    def drain(self) -> None:
        """Wait until gunicorn has finished the requests wrk left behind.

        When wrk stops, up to ``--connections`` requests are still queued or running; sync
        workers finish them before anything else, which would slow the start of the next
        run. Rounds of one ceiling request per worker, sent together, go through only once
        every worker is free."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            started = time.monotonic()
            with ThreadPoolExecutor(self.args.workers) as pool:
                list(
                    pool.map(
                        lambda _: Client(self.port).call("GET", "/bench/ceiling"),
                        range(self.args.workers),
                    )
                )
            if time.monotonic() - started < 0.5:
                return
        raise BenchError("gunicorn stayed busy for 2 minutes after wrk stopped.")

    def load(
        self,
        key: str,
        env: dict,
        queries: list[int],
        *,
        note="",
        warmup: int | None = None,
        duration: int | None = None,
    ) -> Measure:
        warmup = self.args.warmup if warmup is None else warmup
        if warmup:
            wrk(
                self.port,
                env.get("warmup", env["measure"]),
                connections=self.connections,
                seconds=warmup,
                timeout=self.args.timeout,
            )
            self.drain()
        raw = wrk(
            self.port,
            env["measure"],
            connections=self.connections,
            seconds=duration or self.args.duration,
            timeout=self.args.timeout,
        )
        self.drain()
        measure = Measure(
            key=key,
            label=LABELS[key],
            requests=raw["requests"],
            seconds=raw["duration_us"] / 1e6,
            p50_ms=raw["p50_us"] / 1000,
            p95_ms=raw["p95_us"] / 1000,
            p99_ms=raw["p99_us"] / 1000,
            errors=errors_by_kind(raw),
            queries=queries,
            note=note,
        )
        for status, body in raw.get("samples", {}).items():
            log(f"  first {status} answer: {body}")
        log(
            f"  {measure.label}: {measure.rps:,.1f} req/s, p50 {measure.p50_ms:.1f} ms, "
            f"p99 {measure.p99_ms:.1f} ms, errors {measure.error_count}, "
            f"queries {format_queries(queries)}"
        )
        return measure

    # each endpoint: count its queries on a few requests, then load it

    def ceiling(self, *, first: bool) -> Measure:
        """The ceiling, before the first endpoint (warmed up) and after each one."""
        queries = [
            int(Client(self.port).call("GET", "/bench/ceiling")[1][QUERIES_HEADER])
            for _ in range(3)
        ]
        env = {"BENCH_MODE": "static", "BENCH_PATH": "/bench/ceiling"}
        return self.load(
            "ceiling",
            {"measure": env},
            queries,
            warmup=None if first else 0,
            duration=self.args.ceiling_duration,
        )

    def product_list(self) -> Measure:
        path = "/products?perPage=20"
        queries = [self.api.public("GET", path)[1] for _ in range(3)]
        env = {
            "BENCH_MODE": "static",
            "BENCH_PATH": f"{self.api.public_prefix}{path}",
            "BENCH_AUTH": f"Bearer {self.shop.pk}",
        }
        return self.load("list", {"measure": env}, queries)

    def product_detail(self) -> Measure:
        slugs = self.shop.detail_slugs
        queries = [
            self.api.public("GET", f"/products/{slug}")[1]
            for slug in (self.shop.variant_slug, self.shop.simple_slug, *slugs[:3])
        ]
        paths = self.work / "detail-paths.txt"
        paths.write_text(
            "".join(f"{self.api.public_prefix}/products/{s}\n" for s in slugs)
        )
        env = {
            "BENCH_MODE": "rotate",
            "BENCH_PATHS": str(paths),
            "BENCH_AUTH": f"Bearer {self.shop.pk}",
        }
        note = f"{len(slugs)} products in turn"
        return self.load("detail", {"measure": env}, queries, note=note)

    def cart_add(self) -> Measure:
        prefix = f"{self.tag}-add-"
        products = self.shop.cart_products
        for c in range(1, self.connections + 1):
            self.api.fill_cart(f"{prefix}{c}", products[c - 1])
        probe = f"{self.tag}-probe-add"
        self.api.fill_cart(probe, products[-1])
        queries = [
            self.api.public(
                "POST",
                "/cart/items",
                {"productId": product_id, "quantity": 1},
                cart=probe,
            )[1]
            for product_id, _ in products[-1][:3]
        ]
        lines = self.work / "cart-products.txt"
        lines.write_text(
            "".join(
                " ".join(p for p, _ in products[c]) + "\n"
                for c in range(self.connections)
            )
        )
        env = {
            "BENCH_MODE": "cart_add",
            "BENCH_PREFIX": self.api.public_prefix,
            "BENCH_TOKEN": prefix,
            "BENCH_PRODUCTS": str(lines),
            "BENCH_AUTH": f"Bearer {self.shop.pk}",
        }
        return self.load("cart_add", {"measure": env}, queries, note="one more unit")

    def checkout(self, ceiling_rps: float) -> Measure:
        args, shop = self.args, self.shop
        # Carts per connection: a quarter of the ceiling's rate, or --checkout-carts.
        rate = ceiling_rps / 4 / self.connections
        warm = math.ceil(rate * args.warmup) + 5 if args.warmup else 0
        measured = args.checkout_carts or math.ceil(rate * args.duration) + 10
        log(
            f"  preparing {self.connections * (warm + measured) + 3:,} carts of "
            f"{CART_LINES} lines for checkout ..."
        )
        for c in range(1, self.connections + 1):
            template = f"{self.tag}-co-template-{c}"
            self.api.fill_cart(template, shop.cart_products[c - 1])
            self.api.ready_for_checkout(template)
            tokens = [f"{self.tag}-co-w{c}-{n}" for n in range(1, warm + 1)]
            tokens += [f"{self.tag}-co-m{c}-{n}" for n in range(1, measured + 1)]
            if c == 1:
                tokens += [f"{self.tag}-probe-co-{n}" for n in range(3)]
            clone_carts(template, tokens, store_id=shop.store_id)
        queries = [self.api.checkout(f"{self.tag}-probe-co-{n}")[1] for n in range(3)]
        base = {
            "BENCH_MODE": "checkout",
            "BENCH_PREFIX": self.api.public_prefix,
            "BENCH_AUTH": f"Bearer {shop.pk}",
        }
        measure = self.load(
            "checkout",
            {
                "warmup": {**base, "BENCH_TOKEN": f"{self.tag}-co-w"},
                "measure": {**base, "BENCH_TOKEN": f"{self.tag}-co-m"},
            },
            queries,
            note=f"5 lines, card, {measured} carts per connection",
        )
        exhausted = [
            c
            for c in range(1, self.connections + 1)
            if carts_remaining(f"{self.tag}-co-m{c}-", store_id=shop.store_id) == 0
        ]
        if exhausted:
            measure.note += (
                f"; INVALID: {len(exhausted)} connections ran out of carts "
                "(raise --checkout-carts)"
            )
            log(f"  WARNING: {measure.note}")
        return measure

    def order_list(self) -> Measure:
        path = "/orders?perPage=20"
        queries = [self.api.private("GET", path)[1] for _ in range(3)]
        env = {
            "BENCH_MODE": "static",
            "BENCH_PATH": f"/v3/private{path}",
            "BENCH_AUTH": f"Bearer {self.shop.sk}",
        }
        return self.load("orders", {"measure": env}, queries)

    def run(self, round_number: int = 1) -> tuple[list[Measure], list[Measure]]:
        """Every endpoint asked for, each between two ceiling runs: its ratio is to their
        mean, so load from elsewhere that drifts during the run cancels out as far as it
        can. Returns the endpoints' measures and the ceiling's."""
        self.tag = f"{self.run_id}-r{round_number}"
        ceilings = [self.ceiling(first=round_number == 1)]
        steps = {
            "list": self.product_list,
            "detail": self.product_detail,
            "cart_add": self.cart_add,
            "checkout": lambda: self.checkout(ceilings[0].rps),
            "orders": self.order_list,
        }
        results = []
        for key in ENDPOINTS:
            if key in self.args.endpoints:
                measure = steps[key]()
                ceilings.append(self.ceiling(first=False))
                measure.ceiling_rps = (ceilings[-2].rps + ceilings[-1].rps) / 2
                results.append(measure)
        return results, ceilings


def combine(rounds: list[tuple[list[Measure], list[Measure]]]):
    """Each endpoint's median round (by ratio to the ceiling), noting every round's ratio;
    and every ceiling run."""
    if len(rounds) == 1:
        return rounds[0]
    results = []
    for position in range(len(rounds[0][0])):
        measures = sorted(
            (r[0][position] for r in rounds), key=lambda m: m.rps / m.ceiling_rps
        )
        median = measures[len(measures) // 2]
        ratios = ", ".join(f"{m.rps / m.ceiling_rps * 100:.1f}%" for m in measures)
        median.note = "; ".join(
            filter(None, [median.note, f"median of {len(measures)} rounds: {ratios}"])
        )
        results.append(median)
    return results, [c for r in rounds for c in r[1]]


# -- the report ---------------------------------------------------------------------------------


def format_queries(queries: list[int]) -> str:
    if not queries:
        return "-"
    low, high = min(queries), max(queries)
    return str(low) if low == high else f"{low}-{high}"


def git_commit() -> str:
    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return f"{commit} ({branch}{', with uncommitted changes' if dirty else ''})"


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({model or platform.machine()}){memory}"


def versions() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    import redis

    try:
        redis_version = redis.Redis.from_url(os.environ["REDIS_URL"]).info()[
            "redis_version"
        ]
    except redis.RedisError:
        redis_version = "?"
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    wrk_text = (wrk_version.stdout or wrk_version.stderr).split()
    import django
    import gunicorn

    return (
        f"PostgreSQL {postgres}, Redis {redis_version}, Python "
        f"{platform.python_version()}, Django {django.get_version()}, gunicorn "
        f"{gunicorn.__version__}, wrk {wrk_text[1] if len(wrk_text) > 1 else '?'}"
    )


def command_line() -> str:
    python = Path(sys.executable)
    if python.is_relative_to(ROOT):
        python = python.relative_to(ROOT)
    return shlex.join([str(python), "-m", "bench.run", *sys.argv[1:]])


def report(
    args, results: list[Measure], ceilings: list[Measure], *, shop: Shop, marker, loads
) -> str:
    counts = shop.counts
    info = marker["info"]
    rates = [c.rps for c in ceilings]
    mean = sum(rates) / len(rates)
    typical = sorted(ceilings, key=lambda c: c.rps)[len(ceilings) // 2]
    lines = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {counts['products']:,} products "
        f"· commit {git_commit()}",
        "",
        f"`{command_line()}`",
        "",
        f"- Machine: {machine()}; load average {loads[0]:.2f} before, "
        f"{loads[1]:.2f} after (other work shares these cores).",
        f"- {versions()}.",
        f"- Server: gunicorn, {args.workers} sync workers, `DEBUG=false`, rate limits "
        "off, PostgreSQL and Redis on loopback, no Celery worker (tasks queue in Redis).",
        f"- Load: wrk, {args.connections} connections (one per thread), "
        f"{args.warmup} s warm-up then {args.duration} s per endpoint, timeout "
        f"{args.timeout} s; the ceiling for {args.ceiling_duration} s before the first "
        "endpoint and after each one"
        + (f"; {args.rounds} rounds." if args.rounds > 1 else "."),
        f"- Data: {counts['products']:,} products ({counts['published']:,} published, "
        f"{counts['variant_products']:,} with options; {counts['variants']:,} variants), "
        f"{args.categories} categories, {counts['orders']:,} orders, "
        f"{counts['customers']:,} customers, {counts['reviews']:,} reviews "
        f"(generated {info['generated_at']} in {info['seconds']:.0f} s).",
        f"- Ceiling: {min(rates):,.0f} to {max(rates):,.0f} req/s over the run "
        f"({(max(rates) - min(rates)) / mean * 100:.0f}% apart: that is the noise); each "
        "endpoint's ratio is to the mean of the ceiling runs just before and after it.",
    ]
    if args.note:
        lines.append(f"- Note: {args.note}")
    lines += [
        "",
        "| endpoint | req/s | ceiling req/s | % of ceiling | p50 ms | p95 ms | p99 ms "
        "| errors | queries | |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {LABELS['ceiling']} | {mean:,.1f} | | | {typical.p50_ms:.1f} "
        f"| {typical.p95_ms:.1f} | {typical.p99_ms:.1f} "
        f"| {sum(c.error_count for c in ceilings)} | {format_queries(typical.queries)} "
        f"| mean of {len(ceilings)} runs; latencies of the median one |",
    ]
    for m in results:
        ratio = f"{m.rps / m.ceiling_rps * 100:.1f}%" if m.ceiling_rps else "-"
        errors = str(m.error_count)
        if m.errors:
            errors += " (" + ", ".join(f"{k}: {v}" for k, v in m.errors.items()) + ")"
        lines.append(
            f"| {m.label} | {m.rps:,.1f} | {m.ceiling_rps:,.0f} | {ratio} "
            f"| {m.p50_ms:.1f} | {m.p95_ms:.1f} | {m.p99_ms:.1f} | {errors} "
            f"| {format_queries(m.queries)} | {m.note} |"
        )
    return "\n".join(lines) + "\n"


RESULTS_HEADER = """# HTTP bench results

Appended by `python -m bench.run` (see [README.md](README.md)), newest last. Each run
measures the ceiling (a bare `JsonResponse` view through the same settings, middleware and
gunicorn) before the first endpoint and after each one, and gives each endpoint's rate as a
ratio to the mean of the two ceiling runs around it: **the ratio is the figure to compare**
between runs and machines (absolute rates on a shared 2-core machine move by tens of
percent). Queries are counted with the `X-Bench-Queries` header on a few requests of each kind
before the load; errors are non-2xx answers and socket errors or timeouts (wrk `--timeout`).
"""


def record(text: str) -> None:
    if not RESULTS.exists():
        RESULTS.write_text(RESULTS_HEADER)
    with RESULTS.open("a") as results:
        results.write("\n" + text)


def redis_flush(url: str) -> int:
    """Delete the bench's own cache keys (``bench:*``), never the whole database: the Redis
    server is shared (tests, other runs). Returns how many keys went."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{CACHE_PREFIX}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    return len(keys)


# -- main -----------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    if (
        not args.generate_only
        and subprocess.run(
            ["sh", "-c", "command -v wrk"], capture_output=True
        ).returncode
    ):
        raise SystemExit("wrk is not installed (Debian/Ubuntu: apt-get install wrk).")
    configure_environment(args)
    sys.path.insert(0, str(ROOT))
    # A SIGTERM (a killed make, a CI timeout) runs the clean-up below like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    run_id = f"bench{datetime.now(UTC):%Y%m%d%H%M%S}{secrets.token_hex(2)}"
    work = VAR / run_id
    work.mkdir(parents=True, exist_ok=True)
    server = None
    shop = None
    try:
        marker, generated = ensure_dataset(args)
        if args.generate_only:
            return 0
        redis_flush(args.redis_url)
        shop = shop_load(args, connections=args.connections)
        loads_before = os.getloadavg()[0]
        server = Server(workers=args.workers, log_path=work / "gunicorn.log")
        server.start()
        bench = Bench(args, port=server.port, shop=shop, run_id=run_id, work=work)
        if generated:
            verify_generated(bench.api)
        smoke(bench.api, run_id)
        log(
            f"Measuring {', '.join(['ceiling', *args.endpoints])} "
            f"({args.warmup} + {args.duration} s each) ..."
        )
        rounds = []
        for number in range(1, args.rounds + 1):
            if args.rounds > 1:
                log(f"Round {number} of {args.rounds}")
            rounds.append(bench.run(number))
        results, ceilings = combine(rounds)
        server.stop()
        loads_after = os.getloadavg()[0]
        text = report(
            args,
            results,
            ceilings,
            shop=shop,
            marker=marker,
            loads=(loads_before, loads_after),
        )
        log("")
        log(text)
        if not args.no_record:
            record(text)
            log(f"Appended to {RESULTS.relative_to(ROOT)}.")
        return 0
    except BenchError as error:
        log(f"bench: {error}")
        return 1
    finally:
        if server is not None:
            server.stop()
        if shop is not None:
            removed = carts_delete(run_id, store_id=shop.store_id)
            log(f"Stopped gunicorn; removed {removed:,} leftover bench rows of carts.")
            redis_flush(args.redis_url)


if __name__ == "__main__":
    sys.exit(main())

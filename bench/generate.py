"""The bench data set: one store with a large catalogue and a year of order history.

Built through the models (instances of the real model classes, written in batches with
``COPY``), in the shapes the real flows leave behind, so every API and dashboard operation
accepts the rows:

- the store, its keys, categories, shipping methods and tax rate through the services;
- products: a fifth with options (Size, and for half of them Colour) and one variant per
  combination; the rest simple, with their one default variant carrying sku and stock (as
  ``catalog.services.product_create`` builds them); one to three media rows each (file names
  only); every stocked variant has its ``import`` audit row; a few drafts, archived, digital
  and on-sale products;
- customers with their default saved address; reviews (mostly approved);
- orders as ``POST /cart/checkout`` leaves them with the offline gateway: priced by
  ``carts.pricing.price`` (subtotal, VAT per line, shipping, totals and tax breakdown
  snapshotted), numbered from 1001 in order of placement with the counter set after the
  last, paid through an ``OfflinePaymentIntent`` and a ``PaymentAttempt``, with their
  ``placed`` and ``paid`` timeline entries; those older than two days fulfilled with a
  fulfilment, its lines and a ``fulfilled`` entry, but one in 33 (the first included).

What it leaves out, on purpose: stock audit rows of the historical orders (their stock is
counted as sold before the import), webhook events and emails of the history, refunds and
cancellations. Ids are prefixed ULIDs whose time part is the row's ``created_at`` (as
``core.ids`` makes them), and everything comes from one seeded ``random.Random``, so a given
size and seed always gives the same data.
"""

from __future__ import annotations

import bisect
import itertools
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from operator import attrgetter

from django.db import connections, transaction
from django.db.models import FileField, JSONField
from django.utils import timezone
from django.utils.text import slugify
from ulid import ULID

GENERATOR_VERSION = 1
STORE_NAME = "Bench store"
#: Stock of every stocked variant: the bench never runs a product out.
STOCK = 100_000


ADJECTIVES = (
    "Amber", "Ash", "Bold", "Bright", "Calm", "Cedar", "Classic", "Coastal", "Copper",
    "Cosy", "Crisp", "Dusky", "Fern", "Fresh", "Golden", "Hazel", "Honey", "Indigo",
    "Ivory", "Juniper", "Linen", "Meadow", "Misty", "Moss", "Nordic", "Oak", "Olive",
    "Pebble", "Rustic", "Sage", "Slate", "Smoky", "Storm", "Velvet", "Wild", "Willow",
)  # fmt: skip
MATERIALS = (
    "Soy", "Beeswax", "Ceramic", "Linen", "Cotton", "Wool", "Walnut", "Stoneware", "Glass",
    "Brass", "Leather", "Bamboo", "Marble", "Rattan", "Jute", "Porcelain", "Cork", "Hemp",
)  # fmt: skip
NOUNS = (
    "Candle", "Mug", "Throw", "Cushion", "Vase", "Tray", "Bowl", "Diffuser", "Planter",
    "Lamp", "Coaster", "Blanket", "Basket", "Jug", "Apron", "Tote", "Notebook", "Clock",
    "Mirror", "Rug", "Teapot", "Platter", "Scarf", "Soap",
)  # fmt: skip
PHRASES = (
    "Made by hand in small batches in our workshop.",
    "Finished with natural oils and nothing else.",
    "Every piece is a little different from the next.",
    "Packed in recycled paper and shipped plastic-free.",
    "Designed to last for years of everyday use.",
    "A favourite for gifts, birthdays and housewarmings.",
    "Pairs well with the rest of the collection.",
    "Wipe clean with a damp cloth; keep away from direct heat.",
    "Sourced from small suppliers we know by name.",
    "Subtle, warm and easy to live with.",
)
BRANDS = ("Hearth & Co", "Northlight", "Field Studio", "Kiln Works", "Low Tide", "")
FIRST_NAMES = (
    "Sam", "Alex", "Jo", "Chris", "Priya", "Amara", "Ben", "Chloe", "Dan", "Ella",
    "Farah", "George", "Hana", "Isaac", "Jade", "Kofi", "Lena", "Marco", "Nina", "Owen",
    "Pia", "Quinn", "Rosa", "Theo", "Uma", "Vik", "Wren", "Yusuf", "Zoe", "Mei",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
    "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts",
    "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Lewis", "Harris", "Martin",
)  # fmt: skip
GB_CITIES = (
    ("London", "NW1"), ("London", "SE15"), ("Manchester", "M4"), ("Leeds", "LS6"),
    ("Bristol", "BS1"), ("Glasgow", "G12"), ("Cardiff", "CF10"), ("York", "YO1"),
    ("Brighton", "BN1"), ("Norwich", "NR2"), ("Bath", "BA1"), ("Edinburgh", "EH3"),
)  # fmt: skip
US_CITIES = (
    ("San Francisco", "CA", "941"), ("New York", "NY", "100"), ("Austin", "TX", "787"),
    ("Seattle", "WA", "981"), ("Chicago", "IL", "606"), ("Portland", "OR", "972"),
)  # fmt: skip
STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue",
           "Victoria Road", "Green Lane", "Main Street", "Oak Street", "Elm Avenue")  # fmt: skip
REVIEW_TITLES = ("Lovely", "Just as pictured", "Great gift", "Good value", "Beautiful",
                 "Not for me", "Arrived quickly", "Better than expected")  # fmt: skip
REVIEW_BODIES = (
    "Really happy with this, the quality is excellent.",
    "Looks even better in person. Would buy again.",
    "Smaller than I expected but very well made.",
    "Bought two as presents and both went down well.",
    "Took a while to arrive but worth the wait.",
    "Nice, though the colour is a little darker than the photos.",
)


@dataclass(frozen=True)
class Sizes:
    """How much to generate (the issue's defaults: 100,000 products, 200,000 orders)."""

    products: int = 100_000
    orders: int = 200_000
    customers: int = 50_000
    categories: int = 500
    seed: int = 14

    def as_dict(self) -> dict:
        return {
            "products": self.products,
            "orders": self.orders,
            "customers": self.customers,
            "categories": self.categories,
            "seed": self.seed,
            "generator": GENERATOR_VERSION,
        }


class Ids:
    """Prefixed ULIDs whose 48-bit time part is the row's ``created_at``, random bits from
    the seeded generator (``core.ids.new_id`` uses the current time and ``secrets``)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def __call__(self, prefix: str, at: datetime) -> str:
        value = (int(at.timestamp() * 1000) << 80) | self.rng.getrandbits(80)
        return f"{prefix}_{ULID.from_int(value)}"


@dataclass(frozen=True)
class Purchasable:
    """A variant a historical order may contain, with what its order line snapshots."""

    product_id: str
    product_name: str
    product_slug: str
    variant_id: str
    sku: str
    unit_price: int
    variant_name: str
    category_ids: frozenset[str]


@dataclass
class Counts:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, model, n: int) -> None:
        name = model._meta.label
        self.rows[name] = self.rows.get(name, 0) + n


def _insert(counts: Counts, model, objects: list) -> None:
    """Write model instances with one ``COPY``: several times faster than ``bulk_create``
    (``INSERT ... UNNEST``) at this volume.

    Values are what ``bulk_create`` would send: ``auto_now`` fields get the current time,
    JSON and file fields go through ``get_db_prep_save``; every other field here (text,
    numbers, booleans, foreign keys, aware datetimes) is passed as it is."""
    if not objects:
        return
    from psycopg import sql

    db = connections["default"]
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.db_returning]
    getters = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            getters.append(lambda obj, now=now: now)
        elif isinstance(f, JSONField | FileField):
            getters.append(
                lambda obj, f=f: f.get_db_prep_save(getattr(obj, f.attname), db)
            )
        else:
            getters.append(attrgetter(f.attname))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(f.column) for f in fields),
    )
    with db.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objects:
            copy.write_row([get(obj) for get in getters])
    counts.add(model, len(objects))


def _chunks(total: int, size: int) -> Iterable[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


# -- store, categories, configuration ----------------------------------------------------------


def _store(counts: Counts):
    from carts import services as cart_services
    from core import services as core_services

    store, _keys = core_services.store_create(
        name=STORE_NAME,
        currency="GBP",
        country="GB",
        shipping_countries=["GB", "US"],
        notification_email="orders@bench.test",
    )
    uk = cart_services.shipping_method_create(
        store=store,
        data={
            "name": "Royal Mail · Tracked 48",
            "price_amount": 395,
            "countries": ["GB"],
            "free_above_amount": 7500,
            "estimated_min_days": 2,
            "estimated_max_days": 3,
        },
    )
    us = cart_services.shipping_method_create(
        store=store,
        data={
            "name": "International tracked",
            "price_amount": 1495,
            "countries": ["US"],
            "estimated_min_days": 5,
            "estimated_max_days": 9,
        },
    )
    vat = cart_services.tax_rate_create(
        store=store,
        data={"country_code": "GB", "name": "VAT", "rate": Decimal("0.2")},
    )
    counts.rows["core.Store"] = 1
    return store, {"GB": uk, "US": us}, vat


def _categories(store, count: int, counts: Counts) -> list[str]:
    """``count`` categories, a tenth top-level and the rest below them; returns leaf ids."""
    from catalog import services as catalog_services

    tops = [
        catalog_services.category_create(
            store=store, data={"name": f"{ADJECTIVES[i % len(ADJECTIVES)]} {i + 1}"}
        )
        for i in range(max(1, count // 10))
    ]
    leaves = [
        catalog_services.category_create(
            store=store,
            data={
                "name": f"{NOUNS[i % len(NOUNS)]}s {i + 1}",
                "parent_id": tops[i % len(tops)].pk,
            },
        ).pk
        for i in range(count - len(tops))
    ]
    counts.rows["catalog.Category"] = count
    return leaves or [t.pk for t in tops]


# -- catalogue ---------------------------------------------------------------------------------


def _products(
    store, sizes: Sizes, rng: random.Random, ids: Ids, leaves: list[str], now, counts
) -> list[Purchasable]:
    from catalog.models import (
        Category,
        InventoryAdjustment,
        Media,
        Product,
        ProductOption,
        ProductOptionValue,
        Variant,
    )

    categories_through = Product.categories.through
    values_through = Variant.option_values.through
    parent_of = dict(
        Category.objects.filter(store=store).values_list("pk", "parent_id")
    )
    purchasable: list[Purchasable] = []
    span = timedelta(days=730).total_seconds()
    for chunk in _chunks(sizes.products, 5000):
        products, variants, options, values, value_links = [], [], [], [], []
        category_links, media, audits = [], [], []
        for i in chunk:
            created = now - timedelta(seconds=span * (1 - i / sizes.products) + 86400)
            name = (
                f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(NOUNS)}"
            )
            roll = rng.random()
            status = (
                Product.Status.DRAFT
                if roll < 0.04
                else Product.Status.ARCHIVED
                if roll < 0.06
                else Product.Status.PUBLISHED
            )
            digital = rng.random() < 0.03
            price = rng.randrange(400, 20000, 5)
            on_sale = rng.random() < 0.08
            product = Product(
                id=ids("prod", created),
                store=store,
                created_at=created,
                name=name,
                slug=f"{slugify(name)}-{i + 1}",
                summary=rng.choice(PHRASES),
                description=" ".join(rng.sample(PHRASES, 3)),
                status=status,
                product_type=(
                    Product.ProductType.DIGITAL
                    if digital
                    else Product.ProductType.PHYSICAL
                ),
                shipping_type=(
                    Product.ShippingType.NONE
                    if digital
                    else Product.ShippingType.REQUIRED
                ),
                price_amount=price,
                sale_price_amount=round(price * 0.8) if on_sale else None,
                sale_name="Winter sale" if on_sale else "",
                sku=f"BEN-{i + 1:06d}",
                brand=rng.choice(BRANDS),
                weight_grams=None if digital else rng.randrange(100, 2000, 10),
                featured=rng.random() < 0.01,
            )
            products.append(product)
            cats = rng.sample(leaves, 2 if rng.random() < 0.3 else 1)
            category_links.extend(
                categories_through(product_id=product.pk, category_id=c) for c in cats
            )
            category_ids = frozenset(
                itertools.chain(cats, (parent_of[c] for c in cats if parent_of.get(c)))
            )
            for position in range(rng.randint(1, 3)):
                media.append(
                    Media(
                        id=ids("med", created),
                        product=product,
                        created_at=created,
                        file=f"products/bench/{product.slug}-{position + 1}.jpg",
                        alt=name,
                        aspect_ratio=1.0,
                        position=position,
                    )
                )
            stock = 0 if rng.random() < 0.03 else STOCK
            if i % 5 == 4 and not digital:  # a fifth with options
                axes = [("Size", ["S", "M", "L"])]
                if rng.random() < 0.5:
                    axes.append(
                        ("Colour", rng.sample(["Red", "Blue", "Sand", "Sage"], 2))
                    )
                option_values = []
                for option_position, (option_name, texts) in enumerate(axes):
                    option = ProductOption(
                        id=ids("opt", created),
                        product=product,
                        created_at=created,
                        name=option_name,
                        position=option_position,
                    )
                    options.append(option)
                    row = []
                    for value_position, text in enumerate(texts):
                        value = ProductOptionValue(
                            id=ids("optv", created),
                            option=option,
                            created_at=created,
                            value=text,
                            position=value_position,
                        )
                        values.append(value)
                        row.append(value)
                    option_values.append(row)
                for position, combo in enumerate(itertools.product(*option_values)):
                    variant = Variant(
                        id=ids("var", created),
                        product=product,
                        created_at=created,
                        sku=f"{product.sku}-{'-'.join(v.value[:3].upper() for v in combo)}",
                        price_amount=price + 200 if combo[0].value == "L" else None,
                        stock=stock,
                        weight_grams=product.weight_grams,
                        position=position,
                    )
                    variants.append(variant)
                    value_links.extend(
                        values_through(
                            variant_id=variant.pk, productoptionvalue_id=v.pk
                        )
                        for v in combo
                    )
                    if stock:
                        audits.append(_import_audit(store, product, variant, ids))
                    if status == Product.Status.PUBLISHED and stock:
                        purchasable.append(
                            Purchasable(
                                product_id=product.pk,
                                product_name=product.name,
                                product_slug=product.slug,
                                variant_id=variant.pk,
                                sku=variant.sku,
                                unit_price=variant.price_amount or price,
                                variant_name=" / ".join(v.value for v in combo),
                                category_ids=category_ids,
                            )
                        )
            else:
                variant = Variant(
                    id=ids("var", created),
                    product=product,
                    created_at=created,
                    is_default=True,
                    sku=product.sku,
                    stock=stock,
                    weight_grams=product.weight_grams,
                )
                variants.append(variant)
                if stock:
                    audits.append(_import_audit(store, product, variant, ids))
                if status == Product.Status.PUBLISHED and stock and not digital:
                    purchasable.append(
                        Purchasable(
                            product_id=product.pk,
                            product_name=product.name,
                            product_slug=product.slug,
                            variant_id=variant.pk,
                            sku=variant.sku,
                            unit_price=price,
                            variant_name="",
                            category_ids=category_ids,
                        )
                    )
        with transaction.atomic():
            _insert(counts, Product, products)
            _insert(counts, Variant, variants)
            _insert(counts, ProductOption, options)
            _insert(counts, ProductOptionValue, values)
            _insert(counts, values_through, value_links)
            _insert(counts, categories_through, category_links)
            _insert(counts, Media, media)
            _insert(counts, InventoryAdjustment, audits)
    return purchasable


def _import_audit(store, product, variant, ids: Ids):
    from catalog.models import InventoryAdjustment

    return InventoryAdjustment(
        id=ids("inv", variant.created_at),
        store=store,
        created_at=variant.created_at,
        product=product,
        variant=variant,
        stock_before=0,
        stock_after=variant.stock,
        reason="Bench data import",
        source=InventoryAdjustment.Source.IMPORT,
    )


# -- customers and reviews ---------------------------------------------------------------------


@dataclass(frozen=True)
class Buyer:
    id: str
    email: str
    first_name: str
    last_name: str
    address: dict  # the snapshot orders carry (core.addresses.address_dict)


def _customers(
    store, sizes: Sizes, rng: random.Random, ids: Ids, now, counts
) -> tuple[list[Buyer], list[datetime]]:
    """Customers created over the last 400 days (sorted), each with a default address."""
    from core.addresses import address_dict
    from customers.models import Address, Customer

    buyers, created_times = [], []
    span = timedelta(days=400).total_seconds()
    for chunk in _chunks(sizes.customers, 5000):
        customers, addresses = [], []
        for i in chunk:
            created = now - timedelta(seconds=span * (1 - i / sizes.customers))
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            customer = Customer(
                id=ids("cust", created),
                store=store,
                created_at=created,
                email=f"{first}.{last}.{i + 1}@bench.test".lower(),
                first_name=first,
                last_name=last,
                marketing_opt_in=rng.random() < 0.4,
                claimed_at=created if rng.random() < 0.3 else None,
            )
            customers.append(customer)
            if rng.random() < 0.85:
                city, area = rng.choice(GB_CITIES)
                letters = "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
                where = {
                    "city": city,
                    "postcode": f"{area} {rng.randint(1, 9)}{letters}",
                    "country_code": "GB",
                }
            else:
                city, state, zip_prefix = rng.choice(US_CITIES)
                where = {
                    "city": city,
                    "state": state,
                    "postcode": f"{zip_prefix}{rng.randint(0, 99):02d}",
                    "country_code": "US",
                }
            line1 = f"{rng.randint(1, 240)} {rng.choice(STREETS)}"
            address = Address(
                id=ids("addr", created),
                customer=customer,
                created_at=created,
                first_name=first,
                last_name=last,
                line1=line1,
                is_default=True,
                **where,
            )
            addresses.append(address)
            buyers.append(
                Buyer(
                    id=customer.pk,
                    email=customer.email,
                    first_name=first,
                    last_name=last,
                    address=address_dict(
                        {
                            "first_name": first,
                            "last_name": last,
                            "line1": line1,
                            **where,
                        }
                    ),
                )
            )
            created_times.append(created)
        with transaction.atomic():
            _insert(counts, Customer, customers)
            _insert(counts, Address, addresses)
    return buyers, created_times


def _reviews(store, rng: random.Random, ids: Ids, buyers: list[Buyer], now, counts):
    """Reviews on three products in ten: 1 to 8 each, mostly approved."""
    from catalog.models import Product, Review
    from catalog.services import product_review_totals_refresh

    rows = list(
        Product.objects.filter(store=store)
        .order_by("pk")
        .values_list("pk", "created_at")
    )
    reviews = []
    for product_id, product_created in rows:
        if rng.random() >= 0.3:
            continue
        for _ in range(rng.randint(1, 8)):
            created = product_created + (now - product_created) * rng.random()
            buyer = rng.choice(buyers)
            roll = rng.random()
            reviews.append(
                Review(
                    id=ids("prev", created),
                    store=store,
                    created_at=created,
                    product_id=product_id,
                    customer_id=buyer.id,
                    rating=rng.choice((5, 5, 5, 4, 4, 3, 2, 1)),
                    title=rng.choice(REVIEW_TITLES),
                    body=rng.choice(REVIEW_BODIES),
                    author_name=f"{buyer.first_name} {buyer.last_name[0]}.",
                    author_email=buyer.email,
                    verified_purchase=rng.random() < 0.7,
                    status=(
                        Review.Status.APPROVED
                        if roll < 0.8
                        else Review.Status.PENDING
                        if roll < 0.95
                        else Review.Status.REJECTED
                    ),
                )
            )
        if len(reviews) >= 10000:
            _insert(counts, Review, reviews)
            reviews = []
    _insert(counts, Review, reviews)
    # COPY sends no post_save: the products' review totals are recounted once, as the
    # review services do for one product.
    product_review_totals_refresh(products=Product.objects.filter(store=store))


# -- orders --------------------------------------------------------------------------------------


def _orders(
    store,
    sizes: Sizes,
    rng: random.Random,
    ids: Ids,
    *,
    purchasable: list[Purchasable],
    buyers: list[Buyer],
    buyer_times: list[datetime],
    methods: dict,
    vat,
    now,
    counts: Counts,
) -> None:
    from carts import pricing
    from core.models import ApiKey
    from core.money import format_minor
    from orders.models import (
        Fulfillment,
        FulfillmentLine,
        OfflinePaymentIntent,
        Order,
        OrderEvent,
        OrderItem,
        OrderNumberCounter,
        PaymentAttempt,
    )
    from orders.services import ORDER_NUMBER_START

    settings = pricing.StoreSettings(
        currency=store.currency, tax_inclusive=store.tax_inclusive, locale="en"
    )
    rules = {
        country: pricing.ShippingRule(
            id=m.pk,
            name=m.name,
            price=m.price_amount,
            countries=tuple(m.countries),
            free_above=m.free_above_amount,
        )
        for country, m in methods.items()
    }
    tax = pricing.TaxRule(
        id=vat.pk,
        country_code=vat.country_code,
        name=vat.name,
        rate=vat.rate,
        applies_to_shipping=vat.applies_to_shipping,
    )
    secret = ApiKey.objects.filter(store=store, kind="secret", mode="test").first()
    merchant = f"{secret.display_prefix}…"
    start = now - timedelta(days=365)
    step = (now - timedelta(minutes=30) - start) / max(sizes.orders, 1)

    for chunk in _chunks(sizes.orders, 5000):
        orders, items, intents, attempts, events = [], [], [], [], []
        fulfillments, fulfillment_lines = [], []
        for i in chunk:
            created = start + step * i
            placed = created + timedelta(seconds=rng.randint(60, 150))
            paid = placed + timedelta(milliseconds=rng.randint(300, 2000))
            known = bisect.bisect_right(buyer_times, created)
            buyer = buyers[rng.randrange(max(known, 1))]
            address = buyer.address
            country = address["country_code"]
            lines = rng.sample(purchasable, rng.choice((1, 1, 2, 2, 3, 3, 4, 5)))
            quantities = [rng.choice((1, 1, 1, 2, 3)) for _ in lines]
            result = pricing.price(
                lines=[
                    pricing.PriceLine(
                        key=str(n),
                        product_id=line.product_id,
                        unit_price=line.unit_price,
                        quantity=quantity,
                        category_ids=line.category_ids,
                    )
                    for n, (line, quantity) in enumerate(
                        zip(lines, quantities, strict=True)
                    )
                ],
                destination=pricing.Destination(
                    country_code=country,
                    state=address["state"] or "",
                    postcode=address["postcode"] or "",
                ),
                settings=settings,
                shipping=rules[country],
                tax_rates=[tax],
            )
            number = ORDER_NUMBER_START + i
            order_id = ids("ord", created)
            intent_id = ids("pi_test", placed)
            idempotency_key = f"order-{order_id}-attempt-1"
            # The last two days are still to ship, and one order in 33 (the first included).
            fulfilled = paid < now - timedelta(days=2) and i % 33 != 0
            method = methods[country]
            order = Order(
                id=order_id,
                store=store,
                created_at=created,
                mode="test",
                type=Order.Type.ORDER,
                cart_token=f"bench-history-{i + 1}",
                currency=store.currency,
                visitor_country=country,
                customer_id=buyer.id,
                email=buyer.email,
                shipping_address=address,
                billing_address=address,
                same_as_shipping=True,
                shipping_method=method,
                shipping_option={
                    "id": method.pk,
                    "name": method.name,
                    "price": result.shipping.amount,
                },
                tax_inclusive=result.tax_inclusive,
                tax_breakdown=[
                    {
                        "name": t.name,
                        "rate": str(t.rate.normalize()),
                        "amount": t.amount.amount,
                        "jurisdiction": t.jurisdiction,
                    }
                    for t in result.tax_breakdown
                ],
                subtotal_amount=result.subtotal.amount,
                discount_amount=result.discount.amount,
                shipping_amount=result.shipping.amount,
                tax_amount=result.tax.amount,
                total_amount=result.total.amount,
                order_number=number,
                payment_status=Order.PaymentStatus.PAID,
                fulfillment_status=(
                    Order.FulfillmentStatus.FULFILLED
                    if fulfilled
                    else Order.FulfillmentStatus.UNFULFILLED
                ),
                payment_method="pm_card_visa",
                payment_gateway="offline",
                payment_intent_id=intent_id,
                payment_intent_status="succeeded",
                stock_reserved=True,
                placed_at=placed,
                paid_at=paid,
                fulfilled_at=paid + timedelta(days=1) if fulfilled else None,
            )
            orders.append(order)
            order_items = []
            for n, (line, quantity) in enumerate(zip(lines, quantities, strict=True)):
                priced = result.lines[n]
                order_items.append(
                    OrderItem(
                        id=ids("oitm", created + timedelta(seconds=n)),
                        order=order,
                        created_at=created + timedelta(seconds=n),
                        product_id=line.product_id,
                        variant_id=line.variant_id,
                        quantity=quantity,
                        product_name=line.product_name,
                        product_slug=line.product_slug,
                        variant_name=line.variant_name,
                        sku=line.sku,
                        product_type="physical",
                        requires_shipping=True,
                        unit_price_amount=priced.unit_price.amount,
                        subtotal_amount=priced.subtotal.amount,
                        discount_amount=priced.discount.amount,
                        tax_amount=priced.tax.amount,
                        quantity_fulfilled=quantity if fulfilled else 0,
                    )
                )
            items.extend(order_items)
            total = result.total.amount
            total_text = format_minor(total, store.currency, "en")
            intents.append(
                OfflinePaymentIntent(
                    id=intent_id,
                    store=store,
                    created_at=placed,
                    mode="test",
                    order=order,
                    idempotency_key=idempotency_key,
                    amount=total,
                    currency=store.currency,
                    payment_method="pm_card_visa",
                    status=OfflinePaymentIntent.Status.SUCCEEDED,
                    metadata={"attempt": 1, "order_id": order_id},
                )
            )
            attempts.append(
                PaymentAttempt(
                    id=ids("payatt", placed),
                    order=order,
                    created_at=placed,
                    number=1,
                    gateway="offline",
                    payment_method="pm_card_visa",
                    idempotency_key=idempotency_key,
                    amount=total,
                    currency=store.currency,
                    status=PaymentAttempt.Status.SUCCEEDED,
                    intent_id=intent_id,
                )
            )
            events.append(
                OrderEvent(
                    id=ids("oevt", placed),
                    order=order,
                    created_at=placed,
                    type=OrderEvent.Type.PLACED,
                    message=f"Order #{number} placed by {buyer.email}: {total_text}",
                    data={"total": total, "payment_method": "pm_card_visa"},
                    actor_label="Checkout",
                )
            )
            events.append(
                OrderEvent(
                    id=ids("oevt", paid),
                    order=order,
                    created_at=paid,
                    type=OrderEvent.Type.PAID,
                    message=f"Payment of {total_text} received ({intent_id})",
                    data={"payment_intent_id": intent_id},
                    actor_label="Test payments",
                )
            )
            if fulfilled:
                shipped = order.fulfilled_at
                carrier = "Royal Mail" if country == "GB" else "UPS"
                tracking = f"BN{number:09d}{country}"
                fulfillment = Fulfillment(
                    id=ids("ful", shipped),
                    order=order,
                    created_at=shipped,
                    tracking_number=tracking,
                    carrier=carrier,
                    created_by=merchant,
                )
                fulfillments.append(fulfillment)
                fulfillment_lines.extend(
                    FulfillmentLine(
                        id=ids("fulln", shipped),
                        fulfillment=fulfillment,
                        created_at=shipped,
                        item=item,
                        quantity=item.quantity,
                    )
                    for item in order_items
                )
                units = sum(quantities)
                events.append(
                    OrderEvent(
                        id=ids("oevt", shipped),
                        order=order,
                        created_at=shipped,
                        type=OrderEvent.Type.FULFILLED,
                        message=f"Fulfilled: {units} unit{'s' if units != 1 else ''} "
                        f"shipped ({carrier}, {tracking})",
                        data={
                            "fulfillment_id": fulfillment.pk,
                            "items": [
                                {"id": item.pk, "quantity": item.quantity}
                                for item in order_items
                            ],
                            "tracking_number": tracking,
                            "tracking_url": None,
                            "carrier": carrier,
                            "fulfillment_status": "fulfilled",
                        },
                        actor_type=OrderEvent.ActorType.API_KEY,
                        actor_api_key=secret,
                        actor_label=merchant,
                    )
                )
        with transaction.atomic():
            _insert(counts, Order, orders)
            _insert(counts, OrderItem, items)
            _insert(counts, OfflinePaymentIntent, intents)
            _insert(counts, PaymentAttempt, attempts)
            _insert(counts, OrderEvent, events)
            _insert(counts, Fulfillment, fulfillments)
            _insert(counts, FulfillmentLine, fulfillment_lines)
    OrderNumberCounter.objects.create(
        store=store, mode="test", next_number=ORDER_NUMBER_START + sizes.orders
    )


# -- the whole data set --------------------------------------------------------------------------


def generate(sizes: Sizes, *, log: Callable[[str], None] = print) -> Counts:
    """Create the bench store and its data in the (empty, migrated) default database."""
    rng = random.Random(sizes.seed)
    ids = Ids(rng)
    now = timezone.now()
    counts = Counts()

    def step(name: str, run):
        started = time.perf_counter()
        result = run()
        counts.seconds[name] = time.perf_counter() - started
        log(f"  {name}: {counts.seconds[name]:.1f} s")
        return result

    store, methods, vat = step("store", lambda: _store(counts))
    leaves = step("categories", lambda: _categories(store, sizes.categories, counts))
    purchasable = step(
        "products",
        lambda: _products(store, sizes, rng, ids, leaves, now, counts),
    )
    buyers, buyer_times = step(
        "customers", lambda: _customers(store, sizes, rng, ids, now, counts)
    )
    step("reviews", lambda: _reviews(store, rng, ids, buyers, now, counts))
    step(
        "orders",
        lambda: _orders(
            store,
            sizes,
            rng,
            ids,
            purchasable=purchasable,
            buyers=buyers,
            buyer_times=buyer_times,
            methods=methods,
            vat=vat,
            now=now,
            counts=counts,
        ),
    )
    return counts

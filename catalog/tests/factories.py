"""Catalog test data: through the services (realistic) or in bulk (for query budgets)."""

from __future__ import annotations

import io
import itertools

from django.core.files.base import ContentFile

from catalog import services
from catalog.models import (
    Category,
    Media,
    Product,
    ProductOption,
    ProductOptionValue,
    Review,
    Variant,
)

_counter = itertools.count(1)


def make_category(
    store, name="Candles", *, parent=None, published=True, slug=None, **fields
) -> Category:
    data = {"name": name, "published": published, **fields}
    if slug:
        data["slug"] = slug
    if parent is not None:
        data["parent_id"] = parent.pk
    return services.category_create(store=store, data=data)


def make_product(
    store,
    name="Hand-poured candle",
    *,
    price=2400,
    stock=10,
    status="published",
    options=None,
    variants=None,
    categories=(),
    **fields,
) -> Product:
    """A product through ``product_create`` (simple unless ``options`` are given)."""
    data = {"name": name, "price": price, "status": status, **fields}
    if options is not None:
        data["options"] = options
        if variants is not None:
            data["variants"] = variants
    else:
        data["stock"] = stock
    if categories:
        data["category_ids"] = [c.pk for c in categories]
    return services.product_create(store=store, data=data, mode="test")


def make_variant_product(store, name="Linen shirt", **kwargs) -> Product:
    """Size (S, M) x Colour (Red, Blue) with a stock of 3 each and one dearer variant."""
    return make_product(
        store,
        name,
        options=[
            {"name": "Size", "values": ["S", "M"]},
            {"name": "Colour", "values": ["Red", "Blue"]},
        ],
        variants=[
            {
                "option_values": {"Size": "S", "Colour": "Red"},
                "sku": f"{name[:3]}-S-R",
                "stock": 3,
            },
            {
                "option_values": {"Size": "S", "Colour": "Blue"},
                "sku": f"{name[:3]}-S-B",
                "stock": 3,
            },
            {
                "option_values": {"Size": "M", "Colour": "Red"},
                "sku": f"{name[:3]}-M-R",
                "stock": 3,
            },
            {
                "option_values": {"Size": "M", "Colour": "Blue"},
                "sku": f"{name[:3]}-M-B",
                "stock": 3,
                "price": 3000,
            },
        ],
        **kwargs,
    )


def default_variant(product: Product) -> Variant:
    return product.variants.get(is_default=True)


def png_bytes(width=30, height=40, colour=(200, 120, 40)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def make_media(product: Product, *, alt="Front", position=0, name=None) -> Media:
    media = Media(product=product, alt=alt, position=position, aspect_ratio=0.75)
    media.file.save(
        name or f"test-{next(_counter)}.png", ContentFile(png_bytes()), save=False
    )
    media.save()
    return media


def make_review(
    product: Product, *, rating=5, status=Review.Status.APPROVED, email=None, **fields
) -> Review:
    return Review.objects.create(
        store_id=product.store_id,
        product=product,
        rating=rating,
        body=fields.pop("body", "Lovely."),
        author_name=fields.pop("author_name", "Sam B."),
        author_email=email or f"r{next(_counter)}@example.com",
        status=status,
        **fields,
    )


def bulk_catalogue(
    store, count: int, *, variants_each=3, media_each=2, categories_each=2
) -> list[Product]:
    """``count`` published variant-based products, each with ``variants_each`` variants (one
    option), ``media_each`` media rows and ``categories_each`` categories, written in bulk."""
    n = next(_counter)
    categories = Category.objects.bulk_create(
        [
            Category(store=store, name=f"Cat {n}-{i}", slug=f"cat-{n}-{i}")
            for i in range(categories_each)
        ]
    )
    products = Product.objects.bulk_create(
        [
            Product(
                store=store,
                name=f"Bulk {n}-{i}",
                slug=f"bulk-{n}-{i}",
                price_amount=1000 + i,
                status=Product.Status.PUBLISHED,
                sort_order=i,
            )
            for i in range(count)
        ]
    )
    options = ProductOption.objects.bulk_create(
        [ProductOption(product=p, name="Size", position=0) for p in products]
    )
    values = ProductOptionValue.objects.bulk_create(
        [
            ProductOptionValue(option=o, value=f"V{j}", position=j)
            for o in options
            for j in range(variants_each)
        ]
    )
    variants = Variant.objects.bulk_create(
        [
            Variant(product=p, sku=f"B{n}-{i}-{j}", stock=j, position=j)
            for i, p in enumerate(products)
            for j in range(variants_each)
        ]
    )
    through = Variant.option_values.through
    through.objects.bulk_create(
        [
            through(variant_id=v.pk, productoptionvalue_id=ov.pk)
            for v, ov in zip(variants, values, strict=True)
        ]
    )
    Media.objects.bulk_create(
        [
            Media(
                product=p,
                file=f"products/bulk-{j}.png",
                alt=f"m{j}",
                position=j,
                aspect_ratio=1.0,
            )
            for p in products
            for j in range(media_each)
        ]
    )
    cat_through = Product.categories.through
    cat_through.objects.bulk_create(
        [
            cat_through(product_id=p.pk, category_id=c.pk)
            for p in products
            for c in categories
        ]
    )
    Review.objects.bulk_create(
        [
            Review(
                store=store,
                product=p,
                rating=4,
                body="ok",
                status=Review.Status.APPROVED,
            )
            for p in products
        ]
    )
    # bulk_create sends no post_save: recount as the review services' signal would.
    services.product_review_totals_refresh(
        products=Product.objects.filter(pk__in=[p.pk for p in products])
    )
    return products


def insert_copies(prototype, count: int, vary) -> list[str]:
    """Insert ``count`` rows like the unsaved model instance ``prototype``, with the columns
    ``vary(i)`` returns (DB-ready values) changed, in one ``executemany``; return their ids.

    Much faster than ``bulk_create`` for the 10,000-product feed test: no model instance per
    row, one statement (SQLite's variable limit splits ``bulk_create`` into hundreds)."""
    from django.db import connection

    from core.ids import new_id

    model = type(prototype)
    fields = list(model._meta.concrete_fields)
    base = {
        f.column: f.get_db_prep_save(f.pre_save(prototype, add=True), connection)
        for f in fields
    }
    prefix = model._meta.pk.prefix
    table = connection.ops.quote_name(model._meta.db_table)
    columns = list(base)
    sql = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    ids, rows = [], []
    for i in range(count):
        row = {**base, "id": new_id(prefix), **vary(i)}
        ids.append(row["id"])
        rows.append([row[c] for c in columns])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return ids

"""GET /feeds/{platform}.xml: RSS 2.0 with the g: namespace, streamed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import selectors
from catalog.models import Product, Variant
from catalog.tests.factories import (
    insert_copies,
    make_media,
    make_product,
    make_variant_product,
)

pytestmark = pytest.mark.django_db
G = "{http://base.google.com/ns/1.0}"


def _feed(api_client_for, shop, platform, **kwargs):
    client = api_client_for("public", shop.pk)
    kwargs.setdefault("headers", {"Authorization": None})
    return client.get(f"/feeds/{platform}.xml", **kwargs)


def _items(response):
    assert response.streaming
    return _items_from(b"".join(response.streaming_content))


def _items_from(body: bytes):
    root = ET.fromstring(body)
    assert root.tag == "rss" and root.attrib["version"] == "2.0"
    channel = root.find("channel")
    return channel, {item.findtext(f"{G}id"): item for item in channel.findall("item")}


@pytest.mark.parametrize(
    "platform,in_stock,out_of_stock",
    [
        ("google", "in_stock", "out_of_stock"),
        ("facebook", "in stock", "out of stock"),
        ("pinterest", "in stock", "out of stock"),
        ("tiktok", "in stock", "out of stock"),
    ],
)
def test_feed_for_every_platform(
    api_client_for, shop, platform, in_stock, out_of_stock
):
    candle = make_product(
        shop.store,
        "Hand-poured candle",
        sku="CANDLE-001",
        barcode="5012345678900",
        brand="Acme",
        description="**Soy** wax & <cotton> wick",
        weight_grams=340,
    )
    make_media(candle, alt="Front")
    make_media(candle, alt="Lit", position=1)
    sale = make_product(
        shop.store,
        "Taper",
        price=1600,
        sale_price=1200,
        stock=0,
        sale_starts_at=timezone.now() - timedelta(days=1),
        sale_ends_at=timezone.now() + timedelta(days=1),
    )
    shirt = make_variant_product(shop.store, "Linen shirt")
    make_product(shop.store, "Draft", status="draft")

    response = _feed(api_client_for, shop, platform)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    channel, items = _items(response)
    assert channel.findtext("title") == "Acme Candles"
    assert len(items) == 2 + 4  # draft excluded; one item per variant
    item = items[candle.pk]
    assert item.findtext(f"{G}title") == "Hand-poured candle"
    assert item.findtext(f"{G}description") == "Soy wax & <cotton> wick"
    assert item.findtext(f"{G}link").endswith("/products/hand-poured-candle")
    assert item.findtext(f"{G}image_link").startswith(
        "http://testserver/media/products/"
    )
    assert len(item.findall(f"{G}additional_image_link")) == 1
    assert item.findtext(f"{G}price") == "24.00 GBP"
    assert item.find(f"{G}sale_price") is None
    assert item.findtext(f"{G}availability") == in_stock
    assert item.findtext(f"{G}brand") == "Acme"
    assert item.findtext(f"{G}gtin") == "5012345678900"
    assert item.findtext(f"{G}mpn") == "CANDLE-001"
    assert item.findtext(f"{G}condition") == "new"
    assert item.findtext(f"{G}shipping_weight") == "340 g"
    assert item.find(f"{G}item_group_id") is None

    on_sale = items[sale.pk]
    assert on_sale.findtext(f"{G}price") == "16.00 GBP"
    assert on_sale.findtext(f"{G}sale_price") == "12.00 GBP"
    assert "/" in on_sale.findtext(f"{G}sale_price_effective_date")
    assert on_sale.findtext(f"{G}availability") == out_of_stock
    assert (
        on_sale.findtext(f"{G}brand") == "Acme Candles"
    )  # the store when the product has none
    assert on_sale.findtext(f"{G}identifier_exists") == "no"

    variant = shirt.variants.get(sku="Lin-M-B")
    variant_item = items[variant.pk]
    assert variant_item.findtext(f"{G}item_group_id") == shirt.pk
    assert variant_item.findtext(f"{G}title") == "Linen shirt - M / Blue"
    assert variant_item.findtext(f"{G}price") == "30.00 GBP"
    assert variant_item.findtext(f"{G}size") == "M"
    assert variant_item.findtext(f"{G}color") == "Blue"
    assert variant_item.findtext(f"{G}mpn") == "Lin-M-B"


def test_zero_decimal_currency_prices(api_client_for, make_store):
    shop = make_store(name="Tokyo", currency="JPY", country="JP")
    product = make_product(shop.store, "Tea", price=1500)
    _, items = _items(_feed(api_client_for, shop, "google"))
    assert items[product.pk].findtext(f"{G}price") == "1500 JPY"


def test_control_characters_are_dropped(api_client_for, shop):
    product = make_product(shop.store, "Bell\x07 candle", description="Ding\x1b")
    _, items = _items(_feed(api_client_for, shop, "google"))
    assert items[product.pk].findtext(f"{G}title") == "Bell candle"
    assert items[product.pk].findtext(f"{G}description") == "Ding"


def test_unknown_platform_is_a_json_404(api_client_for, shop):
    response = _feed(
        api_client_for, shop, "myspace", headers={"Accept": "application/xml"}
    )
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_feed_keys(api_client_for, shop, other_shop):
    make_product(other_shop.store, "Theirs")
    client = api_client_for("public", shop.pk)
    # The header is optional, but must match the path when sent.
    assert client.get("/feeds/google.xml").status_code == 200
    assert client.get("/feeds/google.xml", key=other_shop.pk).status_code == 401
    assert (
        api_client_for("public", "pk_test_nope")
        .get("/feeds/google.xml", headers={"Authorization": None})
        .status_code
        == 401
    )
    _, items = _items(client.get("/feeds/google.xml"))
    assert items == {}  # another store's products never appear


def test_feed_is_rate_limited(api_client_for, shop):
    statuses = {_feed(api_client_for, shop, "google").status_code for _ in range(31)}
    assert statuses == {200, 429}


def test_ten_thousand_products_stream_in_chunks(api_client_for, shop):
    ids = insert_copies(
        Product(store=shop.store, name="x", status=Product.Status.PUBLISHED),
        10_000,
        lambda i: {
            "name": f"Item {i}",
            "slug": f"item-{i}",
            "price_amount": 100 + i,
            "sort_order": i,
        },
    )
    insert_copies(
        Variant(product_id=ids[0], is_default=True),
        10_000,
        lambda i: {"product_id": ids[i], "stock": i % 3, "sku": f"SKU-{i}"},
    )

    response = _feed(api_client_for, shop, "google")
    assert response.status_code == 200 and response.streaming

    chunks, body = 0, []
    with CaptureQueriesContext(connection) as queries:
        for chunk in response.streaming_content:
            chunks += 1
            body.append(chunk)
    # Header, one chunk per product, footer: produced lazily as the client reads.
    assert chunks == 10_002
    # Products are read FEED_CHUNK_SIZE at a time; each chunk fetches its variants once.
    variant_reads = [
        q for q in queries.captured_queries if 'FROM "catalog_variant" ' in q["sql"]
    ]
    assert len(variant_reads) == 10_000 // selectors.FEED_CHUNK_SIZE
    _, items = _items_from(b"".join(body))
    assert len(items) == 10_000
    assert items[ids[1]].findtext(f"{G}availability") == "in_stock"
    assert items[ids[3]].findtext(f"{G}availability") == "out_of_stock"

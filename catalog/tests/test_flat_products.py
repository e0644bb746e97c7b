"""The public read path (``catalog.flat``) renders exactly what ``ProductSerializer`` renders,
byte for byte, for every kind of product and request: variants, options, media, categories
(an unpublished one hidden), translations, a running sale, explicit prices in another
currency, a bundle, a subscription, a digital product; content locale, currency, key mode."""

from __future__ import annotations

import pytest

from catalog import selectors
from catalog.flat import products_out
from catalog.models import Product
from catalog.serializers import ProductSerializer
from catalog.tests.factories import (
    make_category,
    make_media,
    make_product,
    make_review,
    make_variant_product,
)
from catalog.tests.test_bundles import make_bundle
from core.api.renderers import CamelCaseJSONRenderer
from core.currencies import currency_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(shop, private):
    response = private.patch(
        "/store",
        {
            "features": {"multiCurrency": True},
            "supportedCurrencies": ["GBP", "EUR", "JPY"],
            "exchangeRates": {"EUR": "1.17", "JPY": "190"},
            "supportedLocales": ["en", "fr"],
        },
    )
    assert response.status_code == 200, response.json()
    store = shop.store
    store.refresh_from_db()
    shown = make_category(
        store, "Shirts", translations={"fr": {"name": "Chemises"}}, sort_order=2
    )
    hidden = make_category(store, "Hidden", published=False, sort_order=1)
    shirt = make_variant_product(
        store,
        translations={"fr": {"name": "Chemise", "description": "*Lin* lavé"}},
        description="**Washed** linen",
        categories=[shown, hidden],
    )
    shirt.options.get(name="Size").values.filter(value="S").update(
        translations={"fr": {"value": "Petit"}}
    )
    shirt.options.filter(name="Size").update(translations={"fr": {"name": "Taille"}})
    variant = shirt.variants.get(sku="Lin-S-B")
    variant.currency_prices = {"EUR": 3100}
    variant.media = make_media(shirt, alt="Back", position=1)
    variant.save()
    make_media(shirt, alt="Front", position=0)
    make_review(shirt, rating=4)
    candle = make_product(store, "Candle", sale_price=1800, prices={"EUR": 2900})
    holder = make_product(store, "Holder", price=1200, stock=3)
    make_bundle(
        store,
        [(candle.variants.get(), 2), (holder.variants.get(), 1)],
        translations={"fr": {"name": "Coffret"}},
    )
    make_product(
        store,
        "Candle club",
        product_type="subscription",
        subscription={"interval": "month", "interval_count": 1, "trial_days": 7},
    )
    make_product(store, "Guide", product_type="digital", max_order_quantity=3)
    make_product(
        store, "Plain", fixed_shipping_rate_cents=500, shipping_type="optional"
    )
    return store


def _render(data) -> bytes:
    return CamelCaseJSONRenderer().render({"data": data})


def _context(store, *, mode, locale, content_locale, currency):
    return {
        "request": None,
        "store": store,
        "mode": mode,
        "locale": locale,
        "content_locale": content_locale,
        "currency": currency_context(store, currency),
    }


@pytest.mark.parametrize("mode", ["live", "test"])
@pytest.mark.parametrize(
    "locale,content_locale,currency",
    [("en", "en", None), ("fr_FR", "fr", "EUR"), ("en", "fr", "JPY")],
)
def test_flat_path_renders_what_the_serializer_renders(
    catalogue, mode, locale, content_locale, currency
):
    store = catalogue
    context = _context(
        store,
        mode=mode,
        locale=locale,
        content_locale=content_locale,
        currency=currency,
    )
    filters = selectors.ProductFilters()
    before = list(
        selectors.product_list(
            store=store, filters=filters, published_only=True, mode=mode
        )
    )
    assert {p.product_type for p in before} == {
        "physical",
        "bundle",
        "subscription",
        "digital",
    }
    assert len(before) == 7
    flat_rows = list(
        selectors.product_list(
            store=store,
            filters=filters,
            published_only=True,
            mode=mode,
            relations=False,
        )
    )
    expected = _render(ProductSerializer(before, many=True, context=context).data)
    actual = _render(products_out(selectors.products_read_load(flat_rows), context))
    assert actual == expected

    for product in before:
        one = selectors.product_get(
            store=store, ref=product.pk, published_only=True, mode=mode
        )
        bare = selectors.product_get(
            store=store, ref=product.pk, published_only=True, mode=mode, relations=False
        )
        [flat] = products_out(selectors.products_read_load([bare]), context)
        assert _render(flat) == _render(ProductSerializer(one, context=context).data)


def test_the_public_endpoints_answer_the_flat_path(catalogue, public):
    shirt = Product.objects.get(name="Linen shirt")
    response = public.get(
        f"/products/{shirt.slug}",
        headers={"Accept-Language": "fr", "X-Currency": "EUR"},
    )
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["name"] == "Chemise"
    assert body["descriptionHtml"] == "<p><em>Lin</em> lavé</p>"
    assert [c["name"] for c in body["categories"]] == ["Chemises"]
    assert body["options"][0]["name"] == "Taille"
    assert body["options"][0]["values"] == ["Petit", "M"]
    by_sku = {v["sku"]: v for v in body["variants"]}
    assert by_sku["Lin-S-B"]["price"]["amount"] == 3100
    assert by_sku["Lin-S-B"]["name"] == "Petit / Blue"
    assert by_sku["Lin-S-B"]["mediaId"] == body["media"][1]["id"]
    assert [m["alt"] for m in body["media"]] == ["Front", "Back"]
    assert body["reviewCount"] == 1 and body["averageRating"] == 4.0
    listed = public.get("/products", query={"perPage": 100}).json()["data"]
    assert {p["productType"] for p in listed} >= {"bundle", "subscription", "digital"}


def test_totals_counted_in_the_page_query(public, shop):
    """The list's total comes with its page; a page past the end, an unknown category and
    a search without matches still answer the right total."""
    make_product(shop.store, "Alpha")
    make_product(shop.store, "Beta")
    make_product(shop.store, "Draft", status="draft")
    cases = [
        ({"perPage": 1}, 2, 1),
        ({"page": 2, "perPage": 1}, 2, 1),
        ({"page": 5}, 2, 0),
        ({"category": "nope"}, 0, 0),
        ({"q": "zzzz"}, 0, 0),
        ({"q": "alpha"}, 1, 1),
    ]
    for query, total, rows in cases:
        body = public.get("/products", query=query).json()
        assert (body["meta"]["total"], len(body["data"])) == (total, rows), query

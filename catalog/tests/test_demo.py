"""catalog.demo.seed: an idempotent demo catalogue."""

from __future__ import annotations

import pytest

from catalog import demo
from catalog.models import Category, Media, Product, Review

pytestmark = pytest.mark.django_db


def test_seed_is_complete_and_idempotent(shop, public):
    demo.seed(store=shop.store)
    counts = (
        Product.objects.count(),
        Category.objects.count(),
        Media.objects.count(),
        Review.objects.count(),
    )
    demo.seed(store=shop.store)
    assert (
        Product.objects.count(),
        Category.objects.count(),
        Media.objects.count(),
        Review.objects.count(),
    ) == counts
    assert 6 <= counts[0] <= 10

    soy = Category.objects.get(store=shop.store, slug="soy-wax")
    assert soy.parent.slug == "candles"
    apron = Product.objects.get(slug="linen-apron")
    assert apron.variants.count() == 6 and [o.name for o in apron.options.all()] == [
        "Size",
        "Colour",
    ]
    assert Product.objects.filter(product_type="digital").exists()
    media = Media.objects.get(product__slug="beeswax-taper-pair")
    assert media.aspect_ratio == 0.5 and media.file.storage.exists(media.file.name)

    body = public.get("/products", query={"perPage": 100}).json()
    assert body["meta"]["total"] == counts[0]
    on_sale = [p for p in body["data"] if p["price"]["isOnSale"]]
    assert [p["slug"] for p in on_sale] == ["beeswax-taper-pair"]
    candle = next(p for p in body["data"] if p["slug"] == "hand-poured-candle")
    assert candle["reviewCount"] == 2 and candle["averageRating"] == 4.5
    tree = public.get("/categories").json()["data"]
    assert any(c["slug"] == "candles" and c["children"] for c in tree)

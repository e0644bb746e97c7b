"""Catalog services used by other areas (checkout, refunds) and search."""

from __future__ import annotations

import pytest
from django.db import connection

from catalog import selectors, services
from catalog.models import InventoryAdjustment, Product, Variant
from catalog.services import StockLine
from catalog.tests.factories import default_variant, make_product
from core.exceptions import Conflict, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def test_reserve_takes_every_line_and_audits(shop, candle, shirt, events):
    variant = shirt.variants.get(sku="Lin-S-R")
    services.stock_reserve(
        lines=[
            StockLine(default_variant(candle).pk, 6, "Candle"),
            StockLine(variant.pk, 1, "Shirt S/Red"),
            StockLine(default_variant(candle).pk, 1, "Candle again"),
        ],
        mode="live",
        reference="ord_123",
    )
    assert default_variant(candle).stock == 3
    variant.refresh_from_db()
    assert variant.stock == 2
    rows = InventoryAdjustment.objects.filter(source="checkout", reference="ord_123")
    assert {(r.variant_id, r.stock_before, r.stock_after) for r in rows} == {
        (default_variant(candle).pk, 10, 3),
        (variant.pk, 3, 2),
    }
    # 10 -> 3 crosses the default threshold of 5; 3 -> 2 was already low.
    assert [e["id"] for e in events("inventory.low")] == [candle.pk]


def test_reserve_is_all_or_nothing(candle, shirt):
    variant = shirt.variants.first()
    with pytest.raises(Conflict) as exc:
        services.stock_reserve(
            lines=[
                StockLine(default_variant(candle).pk, 2, "Candle"),
                StockLine(variant.pk, 4, "Shirt"),
            ],
            mode="live",
        )
    assert exc.value.message == "Only 3 of Shirt left in stock."
    assert exc.value.fields == {"variant_id": ["Only 3 left in stock."]}
    assert (exc.value.variant_id, exc.value.available) == (variant.pk, 3)
    assert default_variant(candle).stock == 10
    assert not InventoryAdjustment.objects.filter(source="checkout").exists()
    with pytest.raises(Conflict):
        services.stock_reserve(lines=[StockLine("var_gone", 1, "Gone")], mode="live")


def test_reserve_ignores_untracked_products(shop):
    product = make_product(shop.store, "Guide", stock=0, track_inventory=False)
    services.stock_reserve(
        lines=[StockLine(default_variant(product).pk, 3)], mode="live"
    )
    assert default_variant(product).stock == 0
    assert not InventoryAdjustment.objects.filter(
        product=product, source="checkout"
    ).exists()


def test_release_restocks_with_its_source(candle):
    variant = default_variant(candle)
    services.stock_release(
        lines=[StockLine(variant.pk, 2), StockLine("var_gone", 1)],
        source=InventoryAdjustment.Source.REFUND,
        mode="live",
        reference="ord_9",
        reason="Refund",
    )
    assert default_variant(candle).stock == 12
    row = InventoryAdjustment.objects.get(source="refund")
    assert (row.stock_before, row.stock_after, row.reference, row.reason) == (
        10,
        12,
        "ord_9",
        "Refund",
    )


def test_low_stock_event_mode_comes_from_the_order(shop, candle, events):
    from orders.models import Order
    from webhooks.models import Event

    order = Order.objects.create(
        store=shop.store, mode="live", type="order", cart_token="t", currency="GBP"
    )
    services.stock_reserve(
        lines=[StockLine(default_variant(candle).pk, 8)],
        mode=order.mode,
        reference=order.pk,
    )
    assert Event.objects.get(type="inventory.low").mode == "live"


def test_stock_adjust_rules(candle):
    variant = default_variant(candle)
    with pytest.raises(ValidationFailed):
        services.stock_adjust(
            mode="live", variant=variant, operation="double", quantity=1
        )
    with pytest.raises(ValidationFailed):
        services.stock_adjust(
            mode="live", variant=variant, operation="set", quantity=-1
        )
    with pytest.raises(Conflict):
        services.stock_adjust(
            mode="live", variant=variant, operation="decrement", quantity=11
        )
    adjustment = services.stock_adjust(
        mode="live",
        variant=variant,
        operation="decrement",
        quantity=10,
        source=InventoryAdjustment.Source.DASHBOARD,
        actor="dashboard:me",
    )
    assert (
        variant.stock == 0
        and adjustment.delta == -10
        and adjustment.actor == "dashboard:me"
    )
    Variant.objects.filter(pk=variant.pk).delete()
    with pytest.raises(NotFound):
        services.stock_adjust(mode="live", variant=variant, operation="set", quantity=1)


def test_stock_adjust_touches_the_variant_updated_at(candle):
    variant = default_variant(candle)
    before = variant.updated_at
    services.stock_adjust(
        mode="live", variant=variant, operation="increment", quantity=1
    )
    variant.refresh_from_db()
    assert variant.updated_at > before


def test_purchasable_selector(shop, candle, shirt):
    product = selectors.product_get_purchasable(
        store=shop.store, ref="hand-poured-candle"
    )
    assert product.pk == candle.pk
    found = selectors.product_get_purchasable(store=shop.store, ref=shirt.pk)
    with pytest.raises(NotFound):
        selectors.product_get_purchasable(store=shop.store, ref="nope")
    draft = make_product(shop.store, "Draft", status="draft")
    with pytest.raises(NotFound):
        selectors.product_get_purchasable(store=shop.store, ref=draft.pk)
    # Variants come with their option values: no further queries.
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        names = sorted(
            ", ".join(v.value for v in var.option_values.all())
            for var in found.variants.all()
        )
        prices = [v.current_price_amount() for v in found.variants.all()]
    assert names == ["M, Blue", "M, Red", "S, Blue", "S, Red"]
    assert sorted(prices) == [2400, 2400, 2400, 3000]
    assert len(ctx.captured_queries) == 0


def test_option_edits_keep_variant_ids_and_stock(shop, shirt):
    before = {v.sku: v for v in shirt.variants.all()}
    services.product_options_replace(
        mode="live",
        product=shirt,
        options=[
            {"name": "Size", "values": ["S", "M", "L"]},
            {"name": "Colour", "values": ["Red", "Blue"]},
        ],
    )
    after = {
        tuple(sorted(v.value for v in var.option_values.all())): var
        for var in shirt.variants.all()
    }
    assert len(after) == 6
    assert (
        after[("Red", "S")].pk == before["Lin-S-R"].pk
        and after[("Red", "S")].stock == 3
    )
    assert after[("L", "Red")].stock == 0
    services.product_options_replace(mode="live", product=shirt, options=[])
    [default] = shirt.variants.all()
    assert default.is_default and not shirt.options.exists()
    removed = InventoryAdjustment.objects.filter(
        product=shirt, variant__isnull=True, stock_after=0
    )
    assert removed.count() == 4  # every variant that still had stock left an audit row


def test_unique_slug_skips_taken_suffixes(shop):
    for slug in ("candle", "candle-2", "candle-3", "candle-holder"):
        make_product(shop.store, "x", slug=slug)
    assert (
        services.unique_slug(
            model=Product, store=shop.store, name="Candle", fallback="p"
        )
        == "candle-4"
    )


@pytest.mark.postgres
def test_search_uses_the_gin_index_on_postgres(shop):
    make_product(shop.store, "Lavender spray", description="Calming")
    make_product(shop.store, "Pillar candle")
    queryset = selectors.product_list(
        store=shop.store,
        published_only=True,
        filters=selectors.ProductFilters(q="laven"),
    )
    assert [p.name for p in queryset] == ["Lavender spray"]  # prefix match
    # The search condition alone can only be served by the expression index (when the planner
    # may not scan the table), which proves the query's expression matches the index's.
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = selectors.product_search(Product.objects.all(), "laven").explain()
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "catalog_product_search" in plan, plan


# -- review totals kept on the product -------------------------------------------------


def _totals(product) -> tuple[tuple[int, float | None], tuple[int, float | None]]:
    product.refresh_from_db()
    return product.review_summary("live"), product.review_summary("test")


def test_review_totals_follow_every_review_write(shop):
    product = make_product(shop.store)
    live = services.review_create(
        product=product, rating=5, body="Great", author_email="a@x.test", mode="live"
    )
    test = services.review_create(
        product=product, rating=2, body="Meh", author_email="b@x.test", mode="test"
    )
    assert _totals(product) == ((0, None), (0, None))  # pending reviews are not shown

    services.review_moderate(review=live, status="approved")
    services.review_moderate(review=test, status="approved")
    assert _totals(product) == ((1, 5.0), (2, 3.5))  # test mode adds its own

    test.rating = 3  # the dashboard's change form saves the row itself
    test.save()
    assert _totals(product) == ((1, 5.0), (2, 4.0))

    services.review_moderate(review=live, status="rejected")
    assert _totals(product) == ((0, None), (1, 3.0))

    test.delete()
    assert _totals(product) == ((0, None), (0, None))


def test_review_totals_match_the_reviews_they_summarise(shop):
    """The product's columns give what the reviews endpoint's stats compute from the rows."""
    from catalog.tests.factories import make_review

    product = make_product(shop.store)
    for rating, mode in [(5, "live"), (4, "live"), (4, "live"), (1, "test")]:
        make_review(product, rating=rating, mode=mode)
    make_review(product, rating=1, status="pending_moderation", mode="live")
    for mode in ("live", "test"):
        stats = selectors.review_stats(product=product, mode=mode)
        product.refresh_from_db()
        assert product.review_summary(mode) == (
            stats["rating_count"],
            stats["average_rating"],
        )


def _search_names(store, q: str, sort: str | None = None) -> list[str]:
    return [
        p.name
        for p in selectors.product_list(
            store=store,
            published_only=True,
            filters=selectors.ProductFilters(q=q, sort=sort),
        )
    ]


@pytest.mark.postgres
def test_search_ranks_a_bounded_candidate_set_unchanged_for_small_catalogues(
    shop, monkeypatch
):
    from django.contrib.postgres.search import SearchQuery, SearchRank

    make_product(shop.store, "Lavender candle", description="Lavender, lavender")
    make_product(shop.store, "Candle", summary="Lavender scent")
    make_product(shop.store, "Pillar candle", description="Smells of lavender")
    make_product(shop.store, "Lavender spray")
    make_product(shop.store, "Linen shirt")
    # Every match ranked, as before the bound: relevance, then the default order.
    query = SearchQuery("lavender:*", search_type="raw", config="simple")
    vector = selectors.product_search_vector()
    expected = [
        p.name
        for p in Product.objects.filter(store=shop.store)
        .annotate(search=vector, rank=SearchRank(vector, query))
        .filter(search=query)
        .order_by("-rank", *selectors.DEFAULT_ORDER)
    ]
    assert len(expected) == 4 and expected[0] == "Lavender candle"
    assert _search_names(shop.store, "lavender") == expected
    # Over the bound, only that many matches are ranked; an explicit sort keeps them all.
    monkeypatch.setattr(selectors, "SEARCH_CANDIDATES", 2)
    bounded = _search_names(shop.store, "lavender")
    assert len(bounded) == 2 and set(bounded) <= set(expected)
    assert sorted(_search_names(shop.store, "lavender", sort="name")) == sorted(
        expected
    )

"""PATCH /products/{product}/inventory: set, increment, decrement, audit, low-stock events."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from catalog.models import InventoryAdjustment, Variant
from catalog.tests.factories import default_variant, make_product

pytestmark = pytest.mark.django_db


def _adjust(private, product, **body):
    return private.patch(f"/products/{product.pk}/inventory", body)


@pytest.mark.parametrize(
    "operation,quantity,after",
    [("set", 3, 3), ("increment", 50, 60), ("decrement", 10, 0)],
)
def test_operations_on_simple_product(private, candle, operation, quantity, after):
    response = _adjust(
        private, candle, operation=operation, quantity=quantity, reason="Restock"
    )
    assert response.status_code == 200
    data = response.json()["data"]
    variant = default_variant(candle)
    assert data == {
        "productId": candle.pk,
        "variantId": variant.pk,
        "stockBefore": 10,
        "stockAfter": after,
        "updatedAt": data["updatedAt"],
    }
    assert data["updatedAt"].endswith("Z")
    variant.refresh_from_db()
    assert variant.stock == after
    adjustment = InventoryAdjustment.objects.filter(product=candle).latest("created_at")
    assert (adjustment.stock_before, adjustment.stock_after) == (10, after)
    assert adjustment.reason == "Restock" and adjustment.source == "api"
    assert adjustment.actor.startswith("api:sk_test_")
    assert (
        adjustment.variant_id == variant.pk and adjustment.store_id == candle.store_id
    )


def test_by_slug(private, candle):
    assert (
        _adjust(private, candle, operation="increment", quantity=1).status_code == 200
    )
    response = private.patch(
        "/products/hand-poured-candle/inventory",
        {"operation": "increment", "quantity": 1},
    )
    assert response.json()["data"]["stockAfter"] == 12


def test_decrement_below_zero_is_409_and_changes_nothing(private, candle):
    audits = InventoryAdjustment.objects.count()
    response = _adjust(private, candle, operation="decrement", quantity=11)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_stock"
    assert default_variant(candle).stock == 10
    assert InventoryAdjustment.objects.count() == audits


def test_variant_product_needs_variant_id(private, shirt):
    response = _adjust(private, shirt, operation="increment", quantity=1)
    assert response.status_code == 422
    assert "variantId" in response.json()["error"]["fields"]
    variant = shirt.variants.get(sku="Lin-M-B")
    data = _adjust(
        private, shirt, operation="increment", quantity=2, variantId=variant.pk
    ).json()["data"]
    assert (
        data["variantId"] == variant.pk
        and data["stockBefore"] == 3
        and data["stockAfter"] == 5
    )


def test_variant_of_another_product_is_422(private, candle, shirt):
    other_variant = shirt.variants.first()
    response = _adjust(
        private, candle, operation="set", quantity=1, variantId=other_variant.pk
    )
    assert response.status_code == 422
    assert "variantId" in response.json()["error"]["fields"]
    other_variant.refresh_from_db()
    assert other_variant.stock == 3


@pytest.mark.parametrize(
    "body,field",
    [
        ({"quantity": 1}, "operation"),
        ({"operation": "multiply", "quantity": 1}, "operation"),
        ({"operation": "set"}, "quantity"),
        ({"operation": "set", "quantity": -1}, "quantity"),
        ({"operation": "set", "quantity": 1.5}, "quantity"),
        ({"operation": "set", "quantity": "3"}, "quantity"),
        ({"operation": "set", "quantity": 1, "reason": "r" * 256}, "reason"),
    ],
)
def test_validation(private, candle, body, field):
    response = private.patch(f"/products/{candle.pk}/inventory", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert default_variant(candle).stock == 10


def test_inventory_low_fires_once_when_crossing_the_threshold(private, candle, events):
    _adjust(private, candle, operation="decrement", quantity=4)  # 10 -> 6: above 5
    assert events("inventory.low") == []
    _adjust(private, candle, operation="decrement", quantity=1)  # 6 -> 5: crosses
    [event] = events("inventory.low")
    assert event["id"] == candle.pk and event["inventoryCount"] == 5
    assert (
        event["variants"] == [] and "cost" in event
    )  # the private product representation
    _adjust(private, candle, operation="decrement", quantity=2)  # 5 -> 3: already low
    assert len(events("inventory.low")) == 1
    _adjust(private, candle, operation="set", quantity=20)
    _adjust(
        private, candle, operation="set", quantity=0
    )  # crosses again after a restock
    assert len(events("inventory.low")) == 2


def test_inventory_low_uses_the_product_threshold_and_skips_untracked(
    private, shop, events
):
    product = make_product(shop.store, "Kit", stock=30, low_stock_threshold=20)
    _adjust(private, product, operation="decrement", quantity=10)
    assert len(events("inventory.low")) == 1
    untracked = make_product(shop.store, "Guide", stock=30, track_inventory=False)
    _adjust(private, untracked, operation="set", quantity=0)
    assert len(events("inventory.low")) == 1


def test_events_carry_the_key_mode(api_client_for, shop, candle):
    from webhooks.models import Event

    live = api_client_for("private", shop.live_sk)
    live.patch(f"/products/{candle.pk}/inventory", {"operation": "set", "quantity": 1})
    assert Event.objects.get(type="inventory.low").mode == "live"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_add_up_exactly(make_store, api_client_for):
    shop = make_store(name="Busy shop")
    product = make_product(shop.store, "Popular", stock=0)
    variant = default_variant(product)
    barrier = threading.Barrier(10)
    results, errors = [], []

    def worker(count):
        client = api_client_for("private", shop.sk)
        try:
            barrier.wait()
            for _ in range(count):
                response = client.patch(
                    f"/products/{product.pk}/inventory",
                    {"operation": "increment", "quantity": 1},
                )
                results.append(response.status_code)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(10,)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert results == [200] * 100
    variant.refresh_from_db()
    assert variant.stock == 100
    adjustments = InventoryAdjustment.objects.filter(variant=variant).order_by(
        "stock_after"
    )
    assert [a.stock_after for a in adjustments] == list(range(1, 101))
    assert all(a.stock_after == a.stock_before + 1 for a in adjustments)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_decrements_never_oversell(make_store, api_client_for):
    shop = make_store(name="Scarce shop")
    product = make_product(shop.store, "Rare", stock=20)
    statuses = []
    barrier = threading.Barrier(8)

    def worker():
        client = api_client_for("private", shop.sk)
        try:
            barrier.wait()
            for _ in range(4):
                statuses.append(
                    client.patch(
                        f"/products/{product.pk}/inventory",
                        {"operation": "decrement", "quantity": 1},
                    ).status_code
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 20 + [409] * 12
    assert Variant.objects.get(product=product).stock == 0


def test_an_increment_past_the_stock_bound_is_a_422_that_changes_nothing(
    private, candle
):
    """2,000,000,000 + 1,000,000,000 does not fit the stock column: a clear 422, not a 500."""
    for body in (
        {"operation": "set", "quantity": 1_000_000_000},
        {"operation": "increment", "quantity": 1_000_000_000},
    ):
        assert _adjust(private, candle, **body).status_code == 200
    audited = InventoryAdjustment.objects.filter(product=candle).count()

    response = _adjust(private, candle, operation="increment", quantity=1_000_000_000)

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "stock_limit_exceeded"
    assert "2,147,483,647" in error["message"]
    assert "147,483,647 more" in error["fields"]["quantity"][0]
    assert default_variant(candle).stock == 2_000_000_000
    assert InventoryAdjustment.objects.filter(product=candle).count() == audited
    # Up to the bound is fine, and so is going down from it.
    assert (
        _adjust(private, candle, operation="increment", quantity=147_483_647).json()[
            "data"
        ]["stockAfter"]
        == 2_147_483_647
    )
    assert (
        _adjust(private, candle, operation="decrement", quantity=1).status_code == 200
    )

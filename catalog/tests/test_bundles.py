"""Bundles in the catalogue: components through the private API, derived availability and
the saving on both surfaces, the rules that keep a bundle sellable, constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.models import BundleComponent, InventoryAdjustment, Variant
from catalog.tests.factories import (
    bulk_catalogue,
    default_variant,
    make_product,
    make_variant_product,
)
from core.api.caching import catalog_version_bump

pytestmark = pytest.mark.django_db


@pytest.fixture
def parts(shop):
    """A candle (stock 10, 2400) and a holder (stock 3, 1200)."""
    candle = make_product(shop.store, "Candle", price=2400, stock=10, sku="CND")
    holder = make_product(shop.store, "Holder", price=1200, stock=3, sku="HLD")
    return default_variant(candle), default_variant(holder)


def _bundle_body(candle, holder, **extra):
    return {
        "name": "Gift set",
        "price": 5000,
        "productType": "bundle",
        "status": "published",
        "components": [
            {"variantId": candle.pk, "quantity": 2},
            {"variantId": holder.pk, "quantity": 1},
        ],
        **extra,
    }


def make_bundle(store, components, name="Gift set", price=5000, **fields):
    return services.product_create(
        store=store,
        data={
            "name": name,
            "price": price,
            "product_type": "bundle",
            "status": "published",
            "components": [{"variant_id": v.pk, "quantity": q} for v, q in components],
            **fields,
        },
        mode="test",
    )


def test_create_bundle_with_components_and_read_it_back(private, public, parts):
    candle, holder = parts
    response = private.post("/products", _bundle_body(candle, holder))
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["productType"] == "bundle"
    assert [(c["variantId"], c["quantity"]) for c in data["components"]] == [
        (candle.pk, 2),
        (holder.pk, 1),
    ]
    assert data["components"][0]["productName"] == "Candle"
    assert data["components"][0]["price"]["amount"] == 2400
    # 10 candles make 5 sets, 3 holders make 3: three whole bundles.
    assert data["inventoryCount"] == 3 and data["inStock"] is True
    assert data["trackInventory"] is True
    # 2 x 2400 + 1200 = 6000 separately, 5000 as a bundle.
    assert data["bundleValue"]["amount"] == 6000
    assert data["bundleSaving"]["amount"] == 1000
    assert data["bundleSaving"]["formatted"] == "£10.00"

    shown = public.get(f"/products/{data['id']}").json()["data"]
    assert shown["inventoryCount"] == 3 and shown["inStock"] is True
    assert [c["productName"] for c in shown["components"]] == ["Candle", "Holder"]
    assert shown["bundleSaving"]["amount"] == 1000
    # Other products carry the fields empty.
    other = public.get(f"/products/{candle.product_id}").json()["data"]
    assert other["components"] == [] and other["bundleSaving"] is None


def test_patch_replaces_components(private, shop, parts):
    candle, holder = parts
    bundle = make_bundle(shop.store, [(candle, 2), (holder, 1)])
    response = private.patch(
        f"/products/{bundle.pk}", {"components": [{"variantId": candle.pk}]}
    )
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert [(c["variantId"], c["quantity"]) for c in data["components"]] == [
        (candle.pk, 1)
    ]
    assert data["inventoryCount"] == 10
    assert BundleComponent.objects.filter(bundle=bundle).count() == 1


@pytest.mark.parametrize(
    "components, field",
    [
        ([{"variantId": "var_missing", "quantity": 1}], "components[0].variantId"),
        ([{"variantId": "CANDLE", "quantity": 0}], "components[0].quantity"),
        (
            [{"variantId": "CANDLE", "quantity": 1}, {"variantId": "CANDLE"}],
            "components[1].variantId",
        ),
        (
            [{"variantId": "CANDLE", "quantity": 1}, {"variantId": "OTHER_STORE"}],
            "components[1].variantId",
        ),
        ([{"variantId": "OTHER_BUNDLE"}], "components[0].variantId"),
        ([{"quantity": 1}], "components[0].variantId"),
    ],
)
def test_bad_components_are_422_naming_the_entry(
    private, shop, other_shop, parts, components, field
):
    candle, holder = parts
    foreign = default_variant(make_product(other_shop.store, "Foreign"))
    other_bundle = make_bundle(shop.store, [(holder, 1)], name="Other bundle")
    names = {
        "CANDLE": candle.pk,
        "OTHER_STORE": foreign.pk,
        "OTHER_BUNDLE": default_variant(other_bundle).pk,
    }
    for entry in components:
        if "variantId" in entry:
            entry["variantId"] = names.get(entry["variantId"], entry["variantId"])
    before = BundleComponent.objects.count()
    response = private.post(
        "/products", {**_bundle_body(candle, holder), "components": components}
    )
    assert response.status_code == 422, response.json()
    assert field in response.json()["error"]["fields"], response.json()
    assert BundleComponent.objects.count() == before
    assert not private.get("/products", query={"q": "Gift"}).json()["data"]


def test_a_bundle_cannot_contain_itself(private, shop, parts):
    candle, _ = parts
    bundle = make_bundle(shop.store, [(candle, 1)])
    response = private.patch(
        f"/products/{bundle.pk}",
        {"components": [{"variantId": default_variant(bundle).pk}]},
    )
    assert response.status_code == 422
    assert "components[0].variantId" in response.json()["error"]["fields"]


def test_bundle_rules(private, shop, parts):
    candle, holder = parts
    # Components on a product that is not a bundle.
    response = private.post(
        "/products",
        {"name": "Lamp", "price": 100, "components": [{"variantId": candle.pk}]},
    )
    assert response.status_code == 422
    assert "components" in response.json()["error"]["fields"]
    # Own stock or options on a bundle.
    response = private.post("/products", _bundle_body(candle, holder, stock=5))
    assert response.status_code == 422
    assert "stock" in response.json()["error"]["fields"]
    response = private.post(
        "/products",
        _bundle_body(candle, holder, options=[{"name": "Size", "values": ["S"]}]),
    )
    assert response.status_code == 422
    assert "options" in response.json()["error"]["fields"]
    # A component cannot become a bundle itself.
    bundle = make_bundle(shop.store, [(candle, 2)])
    response = private.patch(
        f"/products/{candle.product_id}", {"productType": "bundle"}
    )
    assert response.status_code == 422
    assert "productType" in response.json()["error"]["fields"]
    # Inventory of a bundle is its components'.
    response = private.patch(
        f"/products/{bundle.pk}/inventory", {"operation": "set", "quantity": 5}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bundle_has_no_stock"


def test_removing_a_component_variant_is_refused(private, shop):
    shirt = make_variant_product(shop.store, "Shirt")
    small_red = shirt.variants.get(sku="Shi-S-R")
    make_bundle(shop.store, [(small_red, 1)])
    response = private.patch(
        f"/products/{shirt.pk}", {"options": [{"name": "Size", "values": ["M"]}]}
    )
    assert response.status_code == 422
    assert "Gift set" in response.json()["error"]["message"]
    assert Variant.objects.filter(pk=small_red.pk).exists()


def test_a_product_becoming_a_bundle_gives_up_its_own_stock(private, shop, parts):
    candle, _ = parts
    lamp = make_product(shop.store, "Lamp", stock=7)
    response = private.patch(
        f"/products/{lamp.pk}",
        {"productType": "bundle", "components": [{"variantId": candle.pk}]},
    )
    assert response.status_code == 200, response.json()
    assert default_variant(lamp).stock == 0
    assert response.json()["data"]["inventoryCount"] == 10
    assert InventoryAdjustment.objects.filter(
        variant=default_variant(lamp), stock_after=0, reason__contains="bundle"
    ).exists()
    # And back: no components left.
    response = private.patch(f"/products/{lamp.pk}", {"productType": "physical"})
    assert response.status_code == 200
    assert response.json()["data"]["components"] == []
    assert not BundleComponent.objects.filter(bundle=lamp).exists()


def test_availability_follows_components_in_each_mode(public, shop, parts):
    candle, holder = parts
    bundle = make_bundle(shop.store, [(candle, 2), (holder, 1)])
    assert public.get(f"/products/{bundle.pk}").json()["data"]["inventoryCount"] == 3
    # Test-mode orders hold 3 holders: a test key can buy no bundle; live stock is intact.
    Variant.objects.filter(pk=holder.pk).update(test_reserved=3)
    catalog_version_bump(shop.store.pk)  # update() skips the cache's version
    shown = public.get(f"/products/{bundle.pk}").json()["data"]
    assert shown["inventoryCount"] == 0 and shown["inStock"] is False
    assert shown["quickAddEligible"] is False
    # An untracked component does not limit the bundle.
    holder.product.__class__.objects.filter(pk=holder.product_id).update(
        track_inventory=False
    )
    catalog_version_bump(shop.store.pk)
    assert public.get(f"/products/{bundle.pk}").json()["data"]["inventoryCount"] == 5


def test_a_bundle_without_components_is_not_for_sale(public, shop):
    bundle = make_bundle(shop.store, [])
    shown = public.get(f"/products/{bundle.pk}").json()["data"]
    assert shown["inStock"] is False and shown["inventoryCount"] == 0


@pytest.mark.parametrize("surface", ["public", "private"])
def test_pages_of_bundles_use_a_constant_number_of_queries(request, shop, surface):
    client = request.getfixturevalue(surface)
    parts = [
        default_variant(make_product(shop.store, f"Part {i}", stock=5))
        for i in range(4)
    ]
    make_bundle(shop.store, [(parts[0], 1), (parts[1], 2)], name="Bundle 0")
    bulk_catalogue(shop.store, 1, variants_each=2)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/products", query={"perPage": 100}).json()
        return len(ctx.captured_queries), body

    small, _ = count()
    for i in range(1, 12):
        make_bundle(shop.store, [(p, 1) for p in parts], name=f"Bundle {i}")
    bulk_catalogue(shop.store, 10, variants_each=2, media_each=1)
    catalog_version_bump(shop.store.pk)
    large, body = count()
    bundles_shown = [p for p in body["data"] if p["productType"] == "bundle"]
    assert len(bundles_shown) == 12
    assert all(p["inventoryCount"] == 5 for p in bundles_shown[1:])
    assert large == small


def test_feed_shows_a_bundle_out_of_stock_with_its_components(public, shop, parts):
    candle, holder = parts
    bundle = make_bundle(shop.store, [(holder, 4)])
    response = public.get("/feeds/google.xml")
    body = b"".join(response.streaming_content).decode()
    item = body[body.index(f"<g:id>{bundle.pk}</g:id>") :]
    assert "<g:availability>out_of_stock</g:availability>" in item.split("</item>")[0]

"""Buying bundles through HTTP: checkout takes the components' stock (with the components
bought directly), order lines keep what a bundle contained, and a decline, a refund with
restock and a cancellation give the components back."""

from __future__ import annotations

import pytest

from catalog import services as catalog_services
from catalog.models import InventoryAdjustment, Variant
from catalog.tests.factories import default_variant

from .conftest import Shopper

pytestmark = pytest.mark.django_db


def buyable(variant) -> int:
    """What test mode can buy (these checkouts use the test key)."""
    return Variant.objects.get(pk=variant.pk).available_stock("test")


def bundle_of(store, components, *, name="Gift set", price=5000):
    return catalog_services.product_create(
        store=store,
        data={
            "name": name,
            "price": price,
            "product_type": "bundle",
            "status": "published",
            "components": [{"variant_id": v.pk, "quantity": q} for v, q in components],
        },
        mode="test",
    )


@pytest.fixture
def kit(checkout_shop):
    """The checkout shop's candle (10) and a holder (3) in a gift set of 2 + 1 (£50)."""
    from carts.tests.factories import make_product

    shop = checkout_shop
    holder = make_product(shop.store, name="Holder", price=1200, stock=3)
    candle, holder = default_variant(shop.candle), default_variant(holder)
    shop.candle_variant, shop.holder = candle, holder
    shop.bundle = bundle_of(shop.store, [(candle, 2), (holder, 1)])
    return shop


def _paid(shopper: Shopper, kit, *lines) -> dict:
    for product, quantity in lines:
        shopper.add(product, quantity)
    shopper.ready(method=kit.method)
    response = shopper.checkout("pm_card_visa")
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def _levels(kit) -> tuple[int, int]:
    return buyable(kit.candle_variant), buyable(kit.holder)


def test_checkout_takes_the_components_with_the_ones_bought_directly(
    shopper, kit, private
):
    cart = shopper.add(kit.bundle, 2).json()["data"]
    line = cart["items"][0]
    assert line["inStock"] is True and line["inventoryCount"] == 3

    result = _paid(shopper, kit, (kit.candle, 1))

    # 2 bundles (4 candles, 2 holders) and 1 candle.
    assert _levels(kit) == (5, 1)
    rows = InventoryAdjustment.objects.filter(reference=result["orderId"], mode="test")
    by_variant = {r.variant_id: r for r in rows}
    assert set(by_variant) == {kit.candle_variant.pk, kit.holder.pk}
    assert (
        by_variant[kit.candle_variant.pk].stock_before,
        by_variant[kit.candle_variant.pk].stock_after,
    ) == (10, 5)
    assert "bundle: Gift set" in by_variant[kit.holder.pk].reason
    assert "bundle: Gift set" in by_variant[kit.candle_variant.pk].reason

    order = private.get(f"/orders/{result['orderId']}").json()["data"]
    bundle_line = next(i for i in order["items"] if i["productId"] == kit.bundle.pk)
    assert bundle_line["quantity"] == 2
    assert [
        (c["variantId"], c["productName"], c["quantity"], c["totalQuantity"])
        for c in bundle_line["components"]
    ] == [
        (kit.candle_variant.pk, "Hand-poured candle", 2, 4),
        (kit.holder.pk, "Holder", 1, 2),
    ]
    other = next(i for i in order["items"] if i["productId"] == kit.candle.pk)
    assert other["components"] == []

    public = shopper.client.get(
        f"/orders/{result['orderId']}", cart=shopper.token
    ).json()["data"]
    shown = next(i for i in public["items"] if i["productName"] == "Gift set")
    assert [(c["productName"], c["totalQuantity"]) for c in shown["components"]] == [
        ("Hand-poured candle", 4),
        ("Holder", 2),
    ]


def test_a_cart_cannot_hold_more_bundles_than_the_components_allow(shopper, kit):
    response = shopper.client.post(
        "/cart/items", {"productId": kit.bundle.pk, "quantity": 4}, cart=shopper.token
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "out_of_stock"
    assert "quantity" in response.json()["error"]["fields"]


def test_bundle_and_components_together_short_of_stock_is_409_naming_the_line(
    shopper, kit
):
    shopper.add(kit.bundle, 2)  # 4 candles
    shopper.add(kit.candle, 7)  # 7 more: 11 of 10
    shopper.ready(method=kit.method)

    response = shopper.checkout("pm_card_visa")

    assert response.status_code == 409, response.json()
    error = response.json()["error"]
    assert error["code"] == "out_of_stock"
    assert error["fields"] == {"items[0].quantity": ["Only 1 left in stock."]}
    assert _levels(kit) == (10, 3)
    assert not InventoryAdjustment.objects.filter(source="checkout").exists()


def test_a_declined_card_gives_the_components_back(shopper, kit):
    shopper.ready(kit.bundle, 2, method=kit.method)
    response = shopper.checkout("pm_card_chargeDeclined")
    assert response.status_code == 402
    assert _levels(kit) == (10, 3)


def test_refund_with_restock_puts_the_components_back(shopper, kit, private):
    result = _paid(shopper, kit, (kit.bundle, 2))
    assert _levels(kit) == (6, 1)
    order = private.get(f"/orders/{result['orderId']}").json()["data"]
    line = order["items"][0]

    # The merchant changes the bundle afterwards: the refund restocks what was taken.
    catalog_services.product_update(
        product=kit.bundle,
        data={"components": [{"variant_id": kit.holder.pk, "quantity": 3}]},
        mode="test",
    )
    response = private.post(
        f"/orders/{order['id']}/refund",
        {"amount": 5000, "items": [{"id": line["id"], "quantity": 1}]},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["refund"]["items"] == [
        {"itemId": line["id"], "quantity": 1, "restocked": True}
    ]
    assert _levels(kit) == (8, 2)
    rows = InventoryAdjustment.objects.filter(source="refund", reference=order["id"])
    assert sorted(
        (r.variant_id, r.stock_before, r.stock_after) for r in rows
    ) == sorted([(kit.candle_variant.pk, 6, 8), (kit.holder.pk, 1, 2)])
    assert all("bundle: Gift set" in r.reason for r in rows)

    # The rest of the refund restocks the other bundle, once.
    private.post(f"/orders/{order['id']}/refund", {})
    assert _levels(kit) == (10, 3)


def test_cancellation_releases_the_components(shopper, kit, private):
    result = _paid(shopper, kit, (kit.bundle, 3))
    assert _levels(kit) == (4, 0)
    response = private.post(f"/orders/{result['orderId']}/cancel", {})
    assert response.status_code == 200, response.json()
    assert _levels(kit) == (10, 3)
    assert InventoryAdjustment.objects.filter(
        reference=result["orderId"], source="cancel", variant=kit.holder
    ).exists()


def test_the_bundle_line_is_fulfilled_like_any_line(shopper, kit, private):
    result = _paid(shopper, kit, (kit.bundle, 2))
    line = private.get(f"/orders/{result['orderId']}").json()["data"]["items"][0]
    response = private.post(
        f"/orders/{result['orderId']}/fulfill",
        {"items": [{"id": line["id"], "quantity": 2}], "notifyCustomer": False},
    )
    assert response.status_code == 200, response.json()
    body = response.json()["data"]
    assert body["fulfillmentStatus"] == "fulfilled"
    assert body["items"][0]["quantityFulfilled"] == 2
    assert _levels(kit) == (6, 1)  # shipping moves no stock


def test_live_reservations_move_the_components_stock(make_store):
    """In live mode the components' stock itself falls and comes back."""
    from carts.tests.factories import make_product

    shop = make_store()
    candle = default_variant(make_product(shop.store, name="Candle", stock=5))
    bundle = bundle_of(shop.store, [(candle, 2)])
    catalog_services.stock_reserve(
        lines=[
            catalog_services.StockLine(
                variant_id=default_variant(bundle).pk,
                quantity=2,
                label="Gift set",
                components=((candle.pk, 2),),
            )
        ],
        mode="live",
        reference="ord_live",
    )
    candle.refresh_from_db()
    assert candle.stock == 1
    with pytest.raises(catalog_services.OutOfStock) as refused:
        catalog_services.stock_reserve(
            lines=[
                catalog_services.StockLine(
                    variant_id=default_variant(bundle).pk,
                    quantity=1,
                    label="Gift set",
                    components=((candle.pk, 2),),
                )
            ],
            mode="live",
        )
    assert refused.value.variant_id == default_variant(bundle).pk
    assert refused.value.available == 0
    # A bundle line without its components is never sold from the bundle's own row.
    with pytest.raises(catalog_services.OutOfStock):
        catalog_services.stock_reserve(
            lines=[
                catalog_services.StockLine(
                    variant_id=default_variant(bundle).pk, quantity=1
                )
            ],
            mode="live",
        )
    catalog_services.stock_release(
        lines=[
            catalog_services.StockLine(
                variant_id=default_variant(bundle).pk,
                quantity=2,
                components=((candle.pk, 2),),
            )
        ],
        source="refund",
        mode="live",
    )
    candle.refresh_from_db()
    assert candle.stock == 5


def test_the_dashboard_order_page_shows_the_bundle_contents(shopper, kit):
    from django.test import Client
    from django.urls import reverse

    from core import services as core_services

    result = _paid(shopper, kit, (kit.bundle, 2))
    user, _ = core_services.merchant_add(store=kit.store, email="owner@acme.test")
    client = Client()
    client.force_login(user)
    page = client.get(
        reverse("admin:orders_order_change", args=[result["orderId"]])
    ).content.decode()
    assert "Bundle contents" in page
    assert "2 × Hand-poured candle (4 in all)" in page
    assert "1 × Holder (2 in all)" in page


def test_the_emails_say_what_a_bundle_includes(shopper, kit):
    from django.core import mail

    _paid(shopper, kit, (kit.bundle, 2), (kit.candle, 1))
    [confirmation] = [m for m in mail.outbox if m.to == ["sam@example.com"]]
    [new_order] = [m for m in mail.outbox if m.to == ["orders@acme.example"]]
    for message in (confirmation, new_order):
        assert "  Includes: 2 x Hand-poured candle, 1 x Holder\n" in message.body
        assert message.body.count("Includes:") == 1  # the candle line has none
    html = confirmation.alternatives[0][0]
    assert "Includes: 2 x Hand-poured candle, 1 x Holder" in html

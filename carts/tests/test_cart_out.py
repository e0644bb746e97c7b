"""The cart writes' flat Cart object (``carts.serializers.cart_out``) is exactly what
``CartSerializer`` (the documented shape) gives for the same priced cart: every cart answer
of a visit through the API (lines with and without variants and images, quantities capped
by the stock, a discount, an address and a shipping option, a signed-in customer, another
locale, another currency) is compared key by key and in key order."""

from __future__ import annotations

import pytest

from carts.api import public as cart_views
from carts.serializers import CartSerializer, cart_out
from core.api.renderers import CamelCaseJSONRenderer

from .conftest import GB_ADDRESS, TOKEN, Cart
from .factories import (
    log_in,
    make_customer,
    make_discount,
    make_product,
    make_shipping_method,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def compared(monkeypatch):
    """Each cart answer's payload, checked against CartSerializer as it is built (the
    rendered bytes, as the wire shows them)."""
    seen = []

    def checked(priced, context):
        data = cart_out(priced, context)
        expected = CartSerializer(priced, context=context).data
        render = CamelCaseJSONRenderer().render
        assert render({"data": data}) == render({"data": expected})
        seen.append(data)
        return data

    monkeypatch.setattr(cart_views, "cart_out", checked)
    return seen


def _ok(response) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def test_every_cart_answer_is_the_serializers(shop, public, vat, candle, compared):
    store = shop.store
    cart = Cart(public)
    shirt = make_product(
        store,
        name="Shirt",
        price=3000,
        stock=2,
        variants=[
            {"values": {"Size": "M", "Colour": "Blue"}, "price": 3200},
            {"values": {"Size": "L", "Colour": "Red"}, "stock": 1},
        ],
    )
    untracked = make_product(store, name="Gift card", track_inventory=False)
    method = make_shipping_method(store, countries=["GB"], free_above_amount=10**7)
    make_discount(store, code="SPRING20", value=20)

    _ok(cart.get())  # empty
    _ok(cart.add(candle, quantity=2))
    variant = shirt.variants.filter(is_default=False).order_by("position").last()
    body = _ok(cart.add(shirt, variant_id=variant.pk))
    assert body["items"][1]["variantName"]
    _ok(cart.add(untracked))
    line = body["items"][1]["id"]
    capped = _ok(cart.put(line, 5))
    assert capped["messages"][0]["code"] == "stock_limited"
    _ok(cart.discount("SPRING20"))
    _ok(cart.checkout_data({"email": "sam@example.com", "shippingAddress": GB_ADDRESS}))
    chosen = _ok(
        public.post(
            "/cart/shipping-option", {"shippingOptionId": method.pk}, cart=TOKEN
        )
    )
    assert chosen["shippingOption"]["id"] == method.pk
    assert chosen["customer"]["email"] == "sam@example.com"
    _ok(
        public.post(
            "/cart/items",
            {"productId": candle.pk},
            cart=TOKEN,
            headers={"Accept-Language": "fr-FR"},
        )
    )
    _ok(cart.delete(line))
    _ok(public.delete("/cart/discount", cart=TOKEN))

    signed_in = Cart(public, token="signed-in-visitor")
    log_in(store, make_customer(store, first_name="Sam"), cart_token=signed_in.token)
    body = _ok(signed_in.add(candle))
    assert body["isAuthenticated"] and body["customer"]["firstName"] == "Sam"
    assert len(compared) == 11  # checkout-data answers its own shape


def test_a_cart_in_another_currency(shop, public, private, vat, candle, compared):
    response = private.patch(
        "/store",
        {
            "features": {"multiCurrency": True},
            "supportedCurrencies": ["GBP", "EUR"],
            "exchangeRates": {"EUR": "1.17"},
        },
    )
    assert response.status_code == 200, response.json()
    fiver = make_discount(shop.store, code="FIVER", type="fixed", value=500)
    headers = {"X-Currency": "EUR"}
    body = _ok(
        public.post(
            "/cart/items", {"productId": candle.pk}, cart=TOKEN, headers=headers
        )
    )
    assert body["currency"] == "EUR"
    body = _ok(
        public.post("/cart/discount", {"code": fiver.code}, cart=TOKEN, headers=headers)
    )
    assert body["discountValue"] != 500
    assert len(compared) == 2

"""Fixtures for the carts tests: a GB store with VAT, and helpers to drive a cart by HTTP."""

from __future__ import annotations

import pytest

from .factories import make_product, make_tax_rate

TOKEN = "visitor-token-1"


@pytest.fixture
def vat(shop):
    """20% GB VAT on the default ``shop`` (tax-exclusive, GBP)."""
    return make_tax_rate(shop.store, country_code="GB", rate="0.2", name="VAT")


@pytest.fixture
def candle(shop):
    """The reference's £24.00 hand-poured candle, 47 in stock."""
    return make_product(
        shop.store,
        name="Hand-poured candle",
        slug="hand-poured-candle",
        price=2400,
        stock=47,
        image=True,
    )


class Cart:
    """``cart.get()``, ``cart.add(product, quantity=...)``: a visitor's cart over HTTP."""

    def __init__(self, client, token: str = TOKEN):
        self.client = client
        self.token = token

    def get(self):
        return self.client.get("/cart", cart=self.token)

    def add(self, product_ref, quantity=None, variant_id=None):
        body = {"productId": getattr(product_ref, "pk", product_ref)}
        if quantity is not None:
            body["quantity"] = quantity
        if variant_id is not None:
            body["variantId"] = variant_id
        return self.client.post("/cart/items", body, cart=self.token)

    def put(self, item_id, quantity):
        return self.client.put(
            f"/cart/items/{item_id}", {"quantity": quantity}, cart=self.token
        )

    def delete(self, item_id):
        return self.client.delete(f"/cart/items/{item_id}", cart=self.token)

    def discount(self, code):
        return self.client.post("/cart/discount", {"code": code}, cart=self.token)

    def checkout_data(self, body):
        return self.client.put("/cart/checkout-data", body, cart=self.token)

    def request(self, method, path, body=None):
        return self.client.request(method, path, body, cart=self.token)


@pytest.fixture
def cart(public):
    return Cart(public)


GB_ADDRESS = {
    "firstName": "Sam",
    "lastName": "Buyer",
    "line1": "221B Baker Street",
    "city": "London",
    "postcode": "NW1 6XE",
    "countryCode": "GB",
}

US_ADDRESS = {
    "firstName": "Ana",
    "lastName": "Lopez",
    "line1": "1 Market St",
    "city": "San Francisco",
    "state": "CA",
    "postcode": "94105",
    "countryCode": "US",
}

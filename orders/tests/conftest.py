"""Order fixtures: products with stock, customers with sessions, placed orders (ORM)."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Product, Variant
from catalog.services import StockLine
from customers.models import Customer, CustomerSession
from orders.models import Order, OrderItem

ADDRESS = {
    "first_name": "Sam",
    "last_name": "Buyer",
    "line1": "221B Baker Street",
    "city": "London",
    "postcode": "NW1 6XE",
    "country_code": "GB",
}

_seq = itertools.count(1)


@pytest.fixture
def make_variant(db):
    """``make_variant(store, name=..., price=2400, stock=10) -> Variant`` (a simple product)."""

    def make(
        store,
        *,
        name="Hand-poured candle",
        price=2400,
        stock=10,
        sku=None,
        track_inventory=True,
    ) -> Variant:
        n = next(_seq)
        product = Product.objects.create(
            store=store,
            name=name,
            slug=f"product-{n}",
            price_amount=price,
            status=Product.Status.PUBLISHED,
            track_inventory=track_inventory,
            sku=sku or f"SKU-{n}",
        )
        return Variant.objects.create(
            product=product, is_default=True, sku=sku or f"SKU-{n}", stock=stock
        )

    return make


@pytest.fixture
def make_customer(db):
    """``make_customer(store, email=..., cart_token=None)``; with a token, the customer is
    logged in on it (a CustomerSession in ``mode``)."""

    def make(
        store,
        *,
        email="sam@example.com",
        cart_token=None,
        mode="test",
        first_name="Sam",
        last_name="Buyer",
    ) -> Customer:
        customer = Customer.objects.create(
            store=store, email=email, first_name=first_name, last_name=last_name
        )
        if cart_token:
            CustomerSession.objects.create(
                store=store,
                mode=mode,
                cart_token=cart_token,
                customer=customer,
                verified_at=timezone.now(),
            )
        return customer

    return make


@pytest.fixture
def make_order(db, make_variant):
    """``make_order(store, lines=[(variant, qty)], reserve=True, **fields) -> Order``.

    A placed order (type order, pending) priced from the variants, with the reference's
    address. ``reserve`` takes the stock through ``catalog.services.stock_reserve`` as checkout
    does. Without ``lines``, one line of 2 candles at £24.00 (stock 10).
    """

    def make(
        store,
        *,
        lines=None,
        reserve=True,
        mode="test",
        cart_token="visitor-token",
        email="sam@example.com",
        shipping=0,
        tax=0,
        discount_amount=0,
        **fields,
    ) -> Order:
        if lines is None:
            lines = [(make_variant(store), 2)]
        subtotal = sum((v.price_amount or v.product.price_amount) * q for v, q in lines)
        fields.setdefault("shipping_address", dict(ADDRESS))
        fields.setdefault("billing_address", dict(ADDRESS))
        order = Order.objects.create(
            store=store,
            mode=mode,
            type=Order.Type.ORDER,
            cart_token=cart_token,
            currency=store.currency,
            email=email,
            subtotal_amount=subtotal,
            shipping_amount=shipping,
            tax_amount=tax,
            discount_amount=discount_amount,
            total_amount=subtotal + shipping + tax - discount_amount,
            **fields,
        )
        for variant, quantity in lines:
            price = variant.price_amount or variant.product.price_amount
            OrderItem.objects.create(
                order=order,
                product=variant.product,
                variant=variant,
                quantity=quantity,
                product_name=variant.product.name,
                sku=variant.sku,
                unit_price_amount=price,
                subtotal_amount=price * quantity,
            )
        if reserve:
            catalog_services.stock_reserve(
                lines=[StockLine(variant_id=v.pk, quantity=q) for v, q in lines],
                mode=mode,
                reference=order.id,
            )
            order.stock_reserved = True
            order.save(update_fields=["stock_reserved"])
        return order

    return make


@pytest.fixture
def stripe_double(settings):
    """A running Stripe double, with the StripeGateway configured to use it."""
    from .stripe_double import StripeDouble

    double = StripeDouble()
    double.start()
    settings.STRIPE_SECRET_KEY = "sk_test_double"
    settings.STRIPE_API_BASE = double.url
    yield double
    double.stop()


# -- checkout (orders/tests/test_checkout*.py) --------------------------------------------

CHECKOUT_ADDRESS = {
    "firstName": "Sam",
    "lastName": "Buyer",
    "line1": "221B Baker Street",
    "city": "London",
    "postcode": "NW1 6XE",
    "countryCode": "GB",
}


class Shopper:
    """A visitor driving checkout over HTTP: ``shopper.ready(product, method=...)`` adds the
    item, saves the email and address and picks the shipping option; ``shopper.checkout()``
    posts ``/cart/checkout``."""

    def __init__(self, client, token: str = "checkout-visitor"):
        self.client = client
        self.token = token

    def add(self, product, quantity: int = 1, variant_id: str | None = None):
        body = {"productId": product.pk, "quantity": quantity}
        if variant_id:
            body["variantId"] = variant_id
        response = self.client.post("/cart/items", body, cart=self.token)
        assert response.status_code == 200, response.json()
        return response

    def save(self, **body):
        response = self.client.put("/cart/checkout-data", body, cart=self.token)
        assert response.status_code == 200, response.json()
        return response

    def ship(self, method):
        response = self.client.post(
            "/cart/shipping-option", {"shippingOptionId": method.pk}, cart=self.token
        )
        assert response.status_code == 200, response.json()
        return response

    def discount(self, code: str):
        response = self.client.post("/cart/discount", {"code": code}, cart=self.token)
        assert response.status_code == 200, response.json()
        return response

    def ready(
        self, product=None, quantity: int = 1, *, method=None, email="sam@example.com"
    ):
        if product is not None:
            self.add(product, quantity)
        self.save(
            email=email, shippingAddress=dict(CHECKOUT_ADDRESS), sameAsShipping=True
        )
        if method is not None:
            self.ship(method)
        return self

    def checkout(self, payment_method="pm_card_visa", *, idempotency_key=None, **body):
        payload = {"paymentMethod": payment_method, **body}
        if payment_method is None:
            payload.pop("paymentMethod")
        return self.client.post(
            "/cart/checkout", payload, cart=self.token, idempotency_key=idempotency_key
        )

    def cart(self) -> dict:
        response = self.client.get("/cart", cart=self.token)
        assert response.status_code == 200
        return response.json()["data"]


@pytest.fixture
def shopper(public):
    return Shopper(public)


@pytest.fixture
def checkout_shop(shop):
    """``shop`` with 20% GB VAT (not on shipping), Royal Mail Tracked 48 (£3.95, GB) and a
    £24.00 candle with 10 in stock; returns a namespace of them."""
    from types import SimpleNamespace

    from carts.tests.factories import make_product, make_shipping_method, make_tax_rate

    shop.store.notification_email = "orders@acme.example"
    shop.store.save(update_fields=["notification_email"])
    return SimpleNamespace(
        store=shop.store,
        keys=shop,
        vat=make_tax_rate(shop.store, country_code="GB", rate="0.2"),
        method=make_shipping_method(shop.store, countries=["GB"]),
        candle=make_product(
            shop.store,
            name="Hand-poured candle",
            slug="hand-poured-candle",
            price=2400,
            stock=10,
        ),
    )

"""Races on PostgreSQL with real threads and their own connections."""

from __future__ import annotations

import pytest
from django.db import transaction

from carts import services
from carts.models import Discount, DiscountRedemption
from core.exceptions import ValidationFailed
from orders.models import Order, OrderItem
from tests.concurrency import run_threads

from .factories import make_customer, make_discount, make_product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_50_concurrent_adds_of_one_item_end_as_one_line_of_50(
    make_store, api_client_for
):
    shop = make_store()
    product = make_product(shop.store, stock=100)
    statuses = []

    def add(index):
        client = api_client_for("public", shop.pk)
        statuses.append(
            client.post(
                "/cart/items", {"productId": product.pk}, cart="race"
            ).status_code
        )

    run_threads(50, add)
    assert statuses == [200] * 50
    cart = Order.objects.get(store=shop.store, cart_token="race", type="cart")
    assert list(
        OrderItem.objects.filter(order=cart).values_list("quantity", flat=True)
    ) == [50]


def test_concurrent_adds_never_exceed_the_stock(make_store, api_client_for):
    shop = make_store()
    product = make_product(shop.store, stock=7)
    statuses = []

    def add(index):
        client = api_client_for("public", shop.pk)
        statuses.append(
            client.post(
                "/cart/items", {"productId": product.pk}, cart="scarce"
            ).status_code
        )

    run_threads(12, add)
    assert sorted(statuses) == [200] * 7 + [409] * 5
    assert OrderItem.objects.get().quantity == 7


def test_concurrent_first_requests_create_one_cart(make_store, api_client_for):
    shop = make_store()
    ids = []

    def fetch(index):
        ids.append(
            api_client_for("public", shop.pk)
            .get("/cart", cart="new-visitor")
            .json()["data"]["id"]
        )

    run_threads(20, fetch)
    assert len(set(ids)) == 1
    assert Order.objects.filter(cart_token="new-visitor").count() == 1


def _orders(store, count):
    return [
        Order.objects.create(
            store=store, type="order", cart_token=f"o{i}", currency="GBP", mode="live"
        )
        for i in range(count)
    ]


def test_usage_limit_holds_under_20_concurrent_redemptions(make_store):
    shop = make_store()
    discount = make_discount(shop.store, usage_limit=5)
    orders = _orders(shop.store, 20)
    redeemed, refused = [], []

    def redeem(index):
        fresh = Discount.objects.get(pk=discount.pk)
        try:
            with transaction.atomic():
                services.discount_redeem(
                    discount=fresh,
                    order=orders[index],
                    email=f"buyer{index}@example.com",
                )
            redeemed.append(index)
        except ValidationFailed as exc:
            refused.append(exc.code)

    run_threads(20, redeem)
    assert len(redeemed) == 5
    assert refused == ["discount_exhausted"] * 15
    assert Discount.objects.get(pk=discount.pk).usage_count == 5
    assert DiscountRedemption.objects.count() == 5


def test_per_customer_limit_holds_under_concurrent_redemptions(make_store):
    shop = make_store()
    discount = make_discount(shop.store, usage_limit_per_customer=1)
    customer = make_customer(shop.store)
    orders = _orders(shop.store, 8)
    redeemed, refused = [], []

    def redeem(index):
        try:
            with transaction.atomic():
                services.discount_redeem(
                    discount=discount, order=orders[index], customer=customer
                )
            redeemed.append(index)
        except ValidationFailed as exc:
            refused.append(exc.code)

    run_threads(8, redeem)
    assert len(redeemed) == 1 and refused == ["discount_already_used"] * 7
    assert Discount.objects.get(pk=discount.pk).usage_count == 1

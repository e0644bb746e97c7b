"""orders.demo.seed: demo orders in every state, created once."""

import pytest

from orders import demo
from orders.models import Order

pytestmark = pytest.mark.django_db


def test_seed_creates_demo_orders_once(shop, private):
    demo.seed(store=shop.store)
    demo.seed(store=shop.store)
    orders = Order.objects.filter(store=shop.store, type="order")
    assert orders.count() == 4
    states = {
        o.metadata["demo_order"]: (o.payment_status, o.fulfillment_status)
        for o in orders
    }
    assert states == {
        "paid": ("paid", "unfulfilled"),
        "shipped_refunded": ("partially_refunded", "partial"),
        "bank_transfer": ("pending", "unfulfilled"),
        "cancelled": ("cancelled", "unfulfilled"),
    }
    listed = private.get("/orders").json()
    assert listed["meta"]["total"] == 4
    assert sorted(int(row["orderNumber"]) for row in listed["data"]) == [
        1001,
        1002,
        1003,
        1004,
    ]

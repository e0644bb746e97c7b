"""The dashboard home: figures of the current store and mode, the switches."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from core import services as core_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(shop, other_shop):
    user, _ = core_services.merchant_add(store=shop.store, email="owner@two.test")
    core_services.merchant_add(store=other_shop.store, email="owner@two.test")
    client = Client()
    client.force_login(user)
    return client


def _cards(response) -> dict[str, str]:
    home = response.context["home"]
    return {card.key: card.value for card in home["cards"]}


def test_home_figures_follow_the_store_and_mode(owner, shop, other_shop, make_store):
    from django.utils import timezone

    from orders.models import Order

    def order(store, mode, status, total, refunded=0):
        return Order.objects.create(
            store=store,
            mode=mode,
            type=Order.Type.ORDER,
            currency=store.currency,
            email="sam@example.com",
            total_amount=total,
            refunded_amount=refunded,
            payment_status=status,
            placed_at=timezone.now(),
        )

    order(shop.store, "test", "paid", 1000)
    order(shop.store, "test", "partially_refunded", 3000, refunded=1000)
    order(shop.store, "test", "failed", 5000)
    order(shop.store, "test", "pending", 7000)
    order(shop.store, "live", "paid", 2500)
    order(other_shop.store, "live", "paid", 9900)

    home = owner.get("/admin/")
    assert home.status_code == 200
    store = home.context["home"]["store"]
    assert home.context["home"]["mode"] == "live"
    cards = _cards(home)
    expected = "£25.00" if store == shop.store else "$99.00"
    assert cards["revenue_today"] == expected

    owner.post("/admin/core/store/switch/", {"store": shop.store.pk, "mode": "test"})
    home = owner.get("/admin/")
    cards = _cards(home)
    # Paid orders only (not the failed or pending ones), refunds deducted.
    assert cards["revenue_today"] == "£30.00"
    assert cards["to_fulfil"] == "2"
    chart = home.context["home"]["chart"]
    assert len(chart.labels) == 30
    assert (chart.revenue[-1], chart.orders[-1]) == (30.0, 4)
    body = home.content.decode()
    assert 'id="test-mode-banner"' in body
    script = body.split('id="chart-orders" type="application/json">')[1]
    assert json.loads(script.split("<")[0])[-1] == 4
    assert "/static/admin/vendor/chartjs/chart.umd.min.js" in body

    # The CSV export follows the current mode.
    export = owner.get("/admin/orders/order/export/")
    assert export.context["form"]["mode"].value() == "test"

    owner.post("/admin/core/store/switch/", {"mode": "live"})
    assert _cards(owner.get("/admin/"))["revenue_today"] == "£25.00"


def test_switch_refuses_another_merchants_store(shop, other_shop):
    user, _ = core_services.merchant_add(store=shop.store, email="solo@one.test")
    client = Client()
    client.force_login(user)
    assert (
        client.post(
            "/admin/core/store/switch/", {"store": other_shop.store.pk}
        ).status_code
        == 404
    )
    assert client.post("/admin/core/store/switch/", {"mode": "prod"}).status_code == 400
    assert client.get("/admin/core/store/switch/").status_code == 405
    home = client.get("/admin/")
    assert home.context["home"]["store"] == shop.store
    assert [s.pk for s in home.context["home"]["stores"]] == [shop.store.pk]

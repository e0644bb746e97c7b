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


# -- the values of the cards no other test reads ---------------------------------------------

#: A fixed "now" in the store's month (Europe/London is on UTC in November).
FROZEN_NOW = "2026-11-20T12:00:00+00:00"


@pytest.fixture
def frozen_now(monkeypatch):
    """``timezone.now()`` is 20 November 2026, 12:00 UTC, for the dashboard's figures."""
    from datetime import datetime

    from django.utils import timezone

    now = datetime.fromisoformat(FROZEN_NOW)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


def _placed_order(store, *, mode="live", status="paid", total, refunded=0, at):
    from datetime import datetime

    from orders.models import Order

    return Order.objects.create(
        store=store,
        mode=mode,
        type=Order.Type.ORDER,
        currency=store.currency,
        email="sam@example.com",
        total_amount=total,
        refunded_amount=refunded,
        payment_status=status,
        placed_at=datetime.fromisoformat(at),
    )


def _card(response, key):
    return next(c for c in response.context["home"]["cards"] if c.key == key)


def _live_home_of(client, store):
    client.post("/admin/core/store/switch/", {"store": store.pk, "mode": "live"})
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response.context["home"]["store"] == store
    assert response.context["home"]["mode"] == "live"
    return response


def test_month_revenue_is_this_months_paid_orders_net_of_refunds(
    owner, shop, other_shop, frozen_now
):
    store = shop.store
    # Counted: paid this month (the 1st just after midnight too), refunds deducted.
    _placed_order(store, total=4000, at="2026-11-03T09:00:00+00:00")
    _placed_order(store, total=1000, at="2026-11-01T00:00:30+00:00")
    _placed_order(
        store,
        status="partially_refunded",
        total=6000,
        refunded=1500,
        at="2026-11-10T15:00:00+00:00",
    )
    _placed_order(
        store, status="refunded", total=2000, refunded=2000, at="2026-11-12T10:00:00Z"
    )
    _placed_order(store, total=1200, at="2026-11-20T08:00:00+00:00")  # today
    # Not counted: last month (a minute before the month began), unpaid, test mode,
    # another store's.
    _placed_order(store, total=9000, at="2026-10-28T10:00:00+00:00")
    _placed_order(store, total=800, at="2026-10-31T23:59:00+00:00")
    _placed_order(store, status="failed", total=5000, at="2026-11-05T10:00:00Z")
    _placed_order(store, status="pending", total=7000, at="2026-11-06T10:00:00Z")
    _placed_order(store, mode="test", total=100000, at="2026-11-07T10:00:00Z")
    _placed_order(other_shop.store, total=9900, at="2026-11-08T10:00:00Z")

    home = _live_home_of(owner, store)
    month = _card(home, "revenue_month")
    # 4000 + 1000 + (6000 - 1500) + (2000 - 2000) + 1200
    assert month.value == "£107.00"
    assert month.title == "Paid revenue in November"
    assert month.detail == "7 order(s); refunds of £35.00 deducted"
    assert _card(home, "revenue_today").value == "£12.00"

    # The test-mode order is the test figure, and only it.
    owner.post("/admin/core/store/switch/", {"mode": "test"})
    assert _card(owner.get("/admin/"), "revenue_month").value == "£1,000.00"

    # The other store's month holds its own order only.
    assert _card(_live_home_of(owner, other_shop.store), "revenue_month").value == (
        "$99.00"
    )


def test_month_follows_the_stores_calendar(owner, shop, frozen_now):
    """For a store in Tokyo, 1 November began at 15:00 UTC on 31 October."""
    store = shop.store
    store.timezone = "Asia/Tokyo"
    store.save(update_fields=["timezone"])
    _placed_order(store, total=3000, at="2026-10-31T15:30:00+00:00")  # 1 Nov in Tokyo
    _placed_order(store, total=700, at="2026-10-31T14:30:00+00:00")  # 31 Oct in Tokyo
    assert _card(_live_home_of(owner, store), "revenue_month").value == "£30.00"


def test_low_stock_variants_at_or_below_their_threshold(owner, shop, other_shop):
    from catalog.models import Product
    from catalog.tests.factories import make_product

    store = shop.store
    at_default = make_product(store, "At five", stock=5)  # default threshold 5
    make_product(store, "Above five", stock=6)
    own_threshold = make_product(store, "Below two", stock=1)
    above_own = make_product(store, "Three over two", stock=3)
    untracked = make_product(store, "Made to order", stock=0)
    make_product(other_shop.store, "Their empty lamp", stock=0)
    Product.objects.filter(pk__in=[own_threshold.pk, above_own.pk]).update(
        low_stock_threshold=2
    )
    Product.objects.filter(pk=untracked.pk).update(track_inventory=False)

    home = _live_home_of(owner, store)
    card = _card(home, "low_stock")
    assert card.value == "2"
    assert card.alert is True

    # Its link lists the low ones and not the others.
    listed = owner.get(card.url).content.decode()
    assert "At five" in listed and "Below two" in listed
    assert "Above five" not in listed
    assert "Three over two" not in listed
    assert "Made to order" not in listed
    assert at_default.name in listed

    # The other store has its own count.
    assert _card(_live_home_of(owner, other_shop.store), "low_stock").value == "1"


def test_reviews_awaiting_moderation_are_counted_per_store_and_mode(
    owner, shop, other_shop
):
    from catalog.models import Review
    from catalog.tests.factories import make_product, make_review

    candle = make_product(shop.store)
    for _ in range(3):
        make_review(candle, status=Review.Status.PENDING, mode="live")
    make_review(candle, status=Review.Status.APPROVED, mode="live")
    make_review(candle, status=Review.Status.REJECTED, mode="live")
    make_review(candle, status=Review.Status.PENDING, mode="test")
    lamp = make_product(other_shop.store, "Their lamp")
    make_review(lamp, status=Review.Status.PENDING, mode="live")

    home = _live_home_of(owner, shop.store)
    assert _card(home, "reviews_pending").value == "3"
    owner.post("/admin/core/store/switch/", {"mode": "test"})
    assert _card(owner.get("/admin/"), "reviews_pending").value == "1"
    assert _card(_live_home_of(owner, other_shop.store), "reviews_pending").value == (
        "1"
    )


def test_failed_webhook_deliveries_of_the_last_week_are_counted(
    owner, shop, other_shop, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from webhooks import services as webhook_services
    from webhooks.models import Delivery, Event

    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    now = timezone.now()

    def endpoint(store, mode):
        return webhook_services.webhook_endpoint_create(
            store=store,
            url="http://127.0.0.1:9/in",  # never called
            events=["order.paid"],
            active=True,
            mode=mode,
        )

    def deliveries(endpoint, *statuses_and_ages):
        event = Event.objects.create(
            store=endpoint.store, mode=endpoint.mode, type="order.paid", data={}
        )
        for attempt, (status, age) in enumerate(statuses_and_ages, start=1):
            Delivery.objects.create(
                store=endpoint.store,
                endpoint=endpoint,
                event=event,
                attempt=attempt,
                status=status,
                scheduled_at=now - age,
                started_at=now - age,
            )

    failed, ok = Delivery.Status.FAILED, Delivery.Status.SUCCEEDED
    deliveries(
        endpoint(shop.store, "live"),
        (failed, timedelta(hours=1)),
        (failed, timedelta(days=6)),
        (ok, timedelta(minutes=5)),
        (failed, timedelta(days=8)),  # older than the week
    )
    deliveries(endpoint(shop.store, "test"), (failed, timedelta(hours=2)))
    deliveries(
        endpoint(other_shop.store, "live"),
        (failed, timedelta(hours=1)),
        (failed, timedelta(hours=2)),
        (failed, timedelta(hours=3)),
    )

    home = _live_home_of(owner, shop.store)
    card = _card(home, "failed_deliveries")
    assert (card.value, card.alert) == ("2", True)
    owner.post("/admin/core/store/switch/", {"mode": "test"})
    assert _card(owner.get("/admin/"), "failed_deliveries").value == "1"
    assert _card(_live_home_of(owner, other_shop.store), "failed_deliveries").value == (
        "3"
    )

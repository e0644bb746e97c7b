"""Subscription fixtures: a shop selling a monthly box, a shopper checking out over HTTP, and
a clock the tests move (``clock.travel(days=...)``) before running the renewal task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from carts.tests.factories import make_product, make_shipping_method, make_tax_rate
from orders.tests.conftest import Shopper

START = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)


class Clock:
    """``django.utils.timezone.now`` frozen at ``at``; every module reading
    ``timezone.now()`` (services, checkout, auto_now columns) sees it."""

    def __init__(self, monkeypatch, at: datetime):
        self.at = at
        monkeypatch.setattr(timezone, "now", lambda: self.at)

    def travel(self, **delta) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at

    def to(self, at: datetime) -> datetime:
        self.at = at
        return at


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch, START)


def renew():
    """The beat task, in-process, with its emails and webhook dispatch run on commit."""
    from subscriptions import tasks

    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        return tasks.subscriptions_renew_due.delay().get()


@pytest.fixture
def sub_shop(shop, clock):
    """``shop`` with 20% GB VAT, a £3.95 shipping method and two subscription products: a
    monthly coffee box (£9.00, no trial, 50 in stock) and a fortnightly tea club with a
    14-day trial (£12.00, not shipped: its trial checkout costs nothing)."""
    shop.store.notification_email = "orders@acme.example"
    shop.store.save(update_fields=["notification_email"])
    return SimpleNamespace(
        store=shop.store,
        keys=shop,
        vat=make_tax_rate(shop.store, country_code="GB", rate="0.2"),
        method=make_shipping_method(shop.store, countries=["GB"]),
        monthly=make_product(
            shop.store,
            name="Coffee box",
            price=900,
            stock=50,
            product_type="subscription",
            subscription_interval="month",
        ),
        trial=make_product(
            shop.store,
            name="Tea club",
            price=1200,
            stock=50,
            shipping_type="none",
            product_type="subscription",
            subscription_interval="week",
            subscription_interval_count=2,
            subscription_trial_days=14,
        ),
    )


@pytest.fixture
def shopper(public):
    return Shopper(public, token="subscriber-token")


# The Stripe double (orders/tests/stripe_double.py), for Stripe Billing.
from orders.tests.conftest import stripe_double  # noqa: E402, F401

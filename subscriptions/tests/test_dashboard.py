"""The dashboard: subscription terms on the product page, and the Subscriptions page with
pause, resume and cancel actions calling the same services as the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Product
from catalog.tests.test_admin import _product_form
from core import services as core_services
from subscriptions.models import Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(shop):
    user, _ = core_services.merchant_add(store=shop.store, email="owner@acme.test")
    client = Client()
    client.force_login(user)
    return client


def test_the_product_page_saves_subscription_terms(merchant, shop):
    data = _product_form(
        shop,
        product_type="subscription",
        subscription_interval="week",
        subscription_interval_count="2",
        subscription_trial_days="7",
    )
    response = merchant.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    product = Product.objects.get(slug="linen-apron")
    assert product.subscription_terms() == {
        "interval": "week",
        "interval_count": 2,
        "trial_days": 7,
    }


def test_a_subscription_product_without_interval_is_refused_on_the_field(
    merchant, shop
):
    data = _product_form(shop, product_type="subscription")
    response = merchant.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "subscription_interval" in errors
    assert not Product.objects.filter(slug="linen-apron").exists()


def _subscription(shop, **fields) -> Subscription:
    from django.utils import timezone

    now = timezone.now()
    defaults = {
        "store": shop.store,
        "mode": "live",
        "currency": "GBP",
        "price_amount": 900,
        "interval": "month",
        "email": "sam@example.com",
        "product_name": "Coffee box",
        "current_period_start": now,
        "current_period_end": now + timezone.timedelta(days=30),
        "next_charge_at": now + timezone.timedelta(days=30),
    }
    return Subscription.objects.create(**{**defaults, **fields})


def test_the_subscriptions_page_lists_and_acts(merchant, shop, other_shop):
    mine = _subscription(shop)
    theirs = _subscription(other_shop)
    url = reverse("admin:subscriptions_subscription_changelist")

    page = merchant.get(url)
    assert page.status_code == 200
    assert mine.pk in page.content.decode()
    assert theirs.pk not in page.content.decode()
    assert "£9.00 / month" in page.content.decode()

    for action, status in (
        ("pause", "paused"),
        ("resume", "active"),
        ("cancel", "cancelled"),
    ):
        response = merchant.post(
            url, {"action": action, "_selected_action": [mine.pk, theirs.pk]}
        )
        assert response.status_code == 302
        mine.refresh_from_db()
        assert mine.status == status
    theirs.refresh_from_db()
    assert theirs.status == Subscription.Status.ACTIVE
    assert mine.cancel_reason == "merchant"

"""The storefront widget shows a subscription's price per interval, in headless Chromium
(``tests/browser.py``)."""

from __future__ import annotations

import pytest

from carts.tests.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
expect = pytest.importorskip("playwright.sync_api").expect


def test_a_subscription_product_shows_its_interval_and_trial(
    page, live_server, shop, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    make_product(
        shop.store,
        name="Coffee box",
        price=900,
        product_type="subscription",
        subscription_interval="month",
    )
    make_product(
        shop.store,
        name="Tea club",
        price=1200,
        product_type="subscription",
        subscription_interval="week",
        subscription_interval_count=2,
        subscription_trial_days=14,
    )
    make_product(shop.store, name="Beeswax Candle", price=1250)

    page.goto(f"{live_server.url}/storefront/{shop.pk}/")

    coffee = page.locator(".sr-card", has_text="Coffee box")
    expect(coffee.locator(".sr-price")).to_contain_text("£9.00 / month")
    tea = page.locator(".sr-card", has_text="Tea club")
    expect(tea.locator(".sr-price")).to_contain_text("£12.00 every 2 weeks")
    expect(tea.locator(".sr-price")).to_contain_text("14-day free trial")
    candle = page.locator(".sr-card", has_text="Beeswax Candle")
    expect(candle.locator(".sr-price")).to_have_text("£12.50")

    tea.locator(".sr-card-link").click()
    expect(page.locator(".sr-headline-price")).to_contain_text("£12.00 every 2 weeks")

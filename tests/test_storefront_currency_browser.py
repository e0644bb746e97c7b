"""The widget's currency picker (issue 18), in headless Chromium (``tests/browser.py``)."""

from __future__ import annotations

import pytest

from carts.tests.factories import make_product
from orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
pytest.importorskip("playwright.sync_api")


def test_a_shopper_picks_euros_and_the_cart_follows(
    page, page_errors, live_server, shop, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    store = shop.store
    store.features = {**store.features, "multi_currency": True}
    store.supported_currencies = ["GBP", "EUR"]
    store.exchange_rates = {"EUR": "1.17"}
    store.save()
    make_product(store, name="Beeswax Candle", price=1250, stock=5)

    page.goto(f"{live_server.url}/storefront/{shop.pk}/")
    card = page.locator(".sr-card", has_text="Beeswax Candle")
    card.get_by_text("£12.50").wait_for()
    page.get_by_label("Currency").select_option("EUR")
    page.locator(".sr-card", has_text="€14.63").wait_for()  # 12.50 x 1.17 = 14.625

    page.locator(".sr-card", has_text="Beeswax Candle").get_by_role(
        "button", name="Add to cart"
    ).click()
    page.locator(".sr-panel").get_by_text("€14.63").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert Order.objects.get(store=store, type="cart").currency == "EUR"

    page.reload()  # remembered
    page.locator(".sr-card", has_text="€14.63").wait_for()
    assert page.get_by_label("Currency").input_value() == "EUR"
    assert page_errors == []

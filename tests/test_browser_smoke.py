"""The widget in a real browser: the storefront page lists a product and adds it to the cart.

The storefront and dashboard suites build on ``tests/browser.py``; this is the thinnest path
through it, so a broken browser setup fails here first."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_storefront_lists_a_product_and_adds_it_to_the_cart(
    page, page_errors, live_server, shop, private
):
    created = private.post(
        "/products",
        {"name": "Beeswax Candle", "price": 1250, "status": "published", "stock": 5},
    )
    assert created.status_code == 201, created.content

    page.goto(f"{live_server.url}/storefront/{shop.pk}/")
    card = page.locator(".sr-card", has_text="Beeswax Candle")
    card.wait_for()
    assert "£12.50" in card.inner_text()

    card.get_by_role("button", name="Add to cart").click()
    page.locator(".sr-count", has_text="1").first.wait_for()
    assert page_errors == []

"""The storefront widget's confirmation and branding, and paying again after an abandoned
3-D Secure step, in headless Chromium (``tests/browser.py``).

The store, its candle, shipping and SPRING20 come from ``tests/test_storefront_browser.py``'s
``storefront`` fixture; its helpers walk the cart and checkout the same way."""

from __future__ import annotations

import re

import pytest

from orders.models import Order, PaymentAttempt
from tests import test_storefront_browser as shopper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The shop's page with a candle, a £3.95 GB shipping method and SPRING20 (20% off).
storefront = shopper.storefront

BANK_DETAILS = "Acme Candles Ltd\nSort code 12-34-56\nAccount 12345678"


def test_a_bank_transfer_confirmation_shows_the_stores_bank_details_and_reference(
    page, page_errors, storefront, private, shop
):
    response = private.patch(
        "/store",
        {
            "bankTransferDetails": BANK_DETAILS,
            "bankTransferReference": "ACME-{number}",
        },
    )
    assert response.status_code == 200, response.json()
    page.reload()
    shopper.add_to_cart_with_discount(page, "Beeswax Candle")
    shopper.fill_details(page)
    panel = page.locator(".sr-panel")
    panel.get_by_role("radio", name="Bank transfer").check()
    assert panel.locator(".sr-card-box").is_hidden()
    panel.get_by_role("button", name="Place order").click()

    bank = panel.locator(".sr-confirmation .sr-bank-transfer")
    bank.wait_for()
    shopper.settle(page)
    order = Order.objects.get(store=shop.store, type="order")
    assert order.payment_status == "pending" and order.order_number is not None
    # £12.50 less 20% plus £3.95 shipping, the amount the shopper is asked to send.
    assert order.total_amount == 1395
    text = bank.inner_text()
    assert "Pay by bank transfer" in text
    assert "Send £13.95 to:" in text
    assert [
        line.inner_text() for line in bank.locator("address > div").all()
    ] == BANK_DETAILS.split("\n")
    assert bank.locator(".sr-reference").inner_text() == f"ACME-{order.order_number}"
    assert "once the payment has arrived" in text
    confirmation = panel.locator(".sr-confirmation").inner_text()
    assert f"#{order.order_number}" in confirmation and "ord_" not in confirmation
    # Stock is held for the transfer; the discount is redeemed.
    assert shopper.stock(storefront) == 4 and order.discount_code == "SPRING20"
    assert page_errors == []


def test_the_stores_logo_and_colour_are_shown(
    page, page_errors, live_server, storefront, private
):
    logo = f"{live_server.url}/media/branding/acme-logo.png"
    page.route(
        "**/media/branding/**",
        lambda route: route.fulfill(
            status=200, content_type="image/png", body=shopper.PIXEL
        ),
    )
    response = private.patch(
        "/store", {"branding": {"primaryColor": "#0B5FFF", "logoUrl": logo}}
    )
    assert response.status_code == 200, response.json()
    page.reload()
    card = page.locator(".sr-card", has_text="Beeswax Candle")
    card.get_by_role("button", name="Add to cart").click()

    image = page.locator(".sr-panel img.sr-logo")
    image.wait_for()
    assert image.get_attribute("src") == logo
    assert image.get_attribute("alt") == "Acme Candles"
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    # Only one logo, however often the drawer opens.
    page.keyboard.press("Escape")
    page.get_by_role("button", name=re.compile("Cart")).first.click()
    image.wait_for()
    assert page.locator("img.sr-logo").count() == 1

    # The brand colour is on the buttons, with text computed to stay readable on it.
    button = page.locator(".sr-panel").get_by_role("button", name="Checkout")
    background = button.evaluate("b => getComputedStyle(b).backgroundColor")
    colour = button.evaluate("b => getComputedStyle(b).color")
    assert shopper._rgb(background) == (0x0B, 0x5F, 0xFF)
    assert shopper._contrast(shopper._rgb(background), shopper._rgb(colour)) >= 4.5
    assert page_errors == []


def test_back_from_an_abandoned_3ds_step_the_shopper_pays_another_way(
    page, page_errors, storefront, shop
):
    shopper.add_to_cart_with_discount(page, "Beeswax Candle")
    shopper.fill_details(page)
    shopper.pay_with(page, "pm_card_authenticationRequired")

    # The bank's 3-D Secure page: the shopper neither approves nor fails, but goes back.
    page.get_by_role("heading", name="3D Secure authentication").wait_for()
    placed = Order.objects.get(store=shop.store, type="order")
    assert placed.payment_status == "pending" and shopper.stock(storefront) == 4
    page.go_back()

    panel = page.locator(".sr-panel")
    again = panel.get_by_role("button", name="Pay another way")
    again.wait_for()
    again.click()
    panel.get_by_text("Your cart is kept").wait_for()
    panel.locator(".sr-totals", has_text="Discount").wait_for()
    assert "\u2212£2.50" in panel.locator(".sr-totals").first.inner_text()
    shopper.settle(page)
    cart = Order.objects.get(pk=placed.pk)
    assert cart.type == "cart" and cart.discount_code == "SPRING20"
    assert shopper.stock(storefront) == 5  # the abandoned payment's hold is released

    shopper.pay_with(page, "pm_card_visa")
    panel.get_by_text("Thank you for your order").wait_for()
    panel.get_by_text("Paid", exact=True).wait_for()
    shopper.settle(page)
    order = Order.objects.get(pk=placed.pk)
    assert order.payment_status == "paid" and order.order_number is not None
    assert order.discount_code == "SPRING20" and order.total_amount == 1395
    assert shopper.stock(storefront) == 4
    assert list(
        PaymentAttempt.objects.filter(order=order)
        .order_by("number")
        .values_list("status", flat=True)
    ) == ["declined", "succeeded"]
    # Nothing remembered any more: a reload opens no order.
    remembered = "() => Object.keys(localStorage).filter(k => k.includes('awaiting'))"
    assert page.evaluate(remembered) == []
    # The abandoned 3-D Secure page can no longer take a payment.
    page.goto(placed.next_action_url)
    page.get_by_text("there is nothing left to authenticate").wait_for()
    assert page.get_by_role("button", name="Complete authentication").count() == 0
    assert page_errors == []

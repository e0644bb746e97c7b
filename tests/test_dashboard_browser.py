"""The merchant dashboard in a real browser (issue 16): a shop owner's day, end to end.

An order is placed and a conversation started through the public API (the test key); the
merchant logs in, switches to test mode and reads the home figures, finds the order by the
customer's name, fulfils it with tracking, refunds part of it, answers the conversation from
the list, creates a product with two variants priced in major units, a fixed discount, a
shipping method for two countries, a tax rate and a webhook. A second store's merchant sees
none of it. A failed step leaves a screenshot (tests/browser.py).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.admin.utils import quote

from carts.models import Discount, ShippingMethod, TaxRate
from carts.tests.factories import make_product, make_shipping_method
from catalog.models import Product
from conversations.models import Conversation, Message
from core import services as core_services
from orders.models import Order
from orders.tests.conftest import Shopper
from webhooks.models import WebhookEndpoint
from webhooks.tests import conftest as webhook_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"

#: A local webhook receiver (http.server in a thread), the webhooks tests' fixture.
receiver = webhook_fixtures.receiver


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def saved(page):
    """The admin's success message after a save."""
    page.locator(".messagelist .success").first.wait_for()


def test_a_merchants_day_in_the_dashboard(
    page, page_errors, live_server, shop, other_shop, public, receiver, settings
):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    core_services.merchant_add(
        store=shop.store, email="owner@acme.test", password=PASSWORD
    )
    core_services.merchant_add(
        store=other_shop.store, email="owner@other.test", password=PASSWORD
    )
    # A shopper orders 2 candles (£24.00 each, £3.95 shipping) through the public API.
    candle = make_product(shop.store, name="Hand-poured candle", price=2400, stock=10)
    method = make_shipping_method(shop.store, countries=["GB"])
    shopper = Shopper(public, token="browser-visitor")
    shopper.ready(candle, 2, method=method)
    checkout = shopper.checkout("pm_card_visa")
    assert checkout.status_code == 200, checkout.json()
    order = Order.objects.get(pk=checkout.json()["data"]["orderId"])
    assert order.total_amount == 5195
    started = public.post(
        "/conversations",
        {"subject": "Gift wrapping?", "initialMessage": "Can you wrap it?"},
        cart="browser-visitor",
    )
    assert started.status_code == 201

    log_in(page, live_server, "owner@acme.test")

    # Home: test mode shows the order placed with the test key.
    page.get_by_role("button", name="Test").click()
    page.locator("#test-mode-banner").wait_for()
    assert page.inner_text("#card-revenue_today .home-card-value") == "£51.95"
    assert page.inner_text("#card-to_fulfil .home-card-value") == "1"
    assert page.inner_text("#card-unread_conversations .home-card-value") == "1"
    page.locator("#home-chart[data-ready='1']").wait_for()

    # Find the order by the customer's name and fulfil it with tracking.
    page.goto(f"{live_server.url}/admin/orders/order/?q=Sam+Buyer")
    page.get_by_role("link", name=f"#{order.order_number}").click()
    assert "£51.95" in page.inner_text("fieldset:has-text('Totals')")
    page.get_by_role("link", name="Fulfil").click()
    page.fill("#id_carrier", "Royal Mail")
    page.fill("#id_tracking_number", "RM123456789GB")
    page.get_by_role("button", name="Record fulfilment").click()
    saved(page)
    page.get_by_text("RM123456789GB").first.wait_for()

    # A partial refund of £5.00, typed in major units.
    page.get_by_role("link", name="Refund").click()
    page.fill("#id_amount", "5.00")
    page.get_by_role("button", name="Refund").click()
    saved(page)
    order.refresh_from_db()
    assert (order.refunded_amount, order.payment_status) == (500, "partially_refunded")
    assert order.fulfillment_status == "fulfilled"

    # Answer the conversation from the list.
    page.goto(f"{live_server.url}/admin/conversations/conversation/")
    page.get_by_role("link", name=re.compile("Gift wrapping")).click()
    page.locator(".conversation-message", has_text="Can you wrap it?").wait_for()
    page.fill("#id_reply", "Yes, gladly.")
    page.click("input[name=_save]")
    saved(page)
    assert Message.objects.filter(sender="seller", body="Yes, gladly.").exists()

    # A product with two variants, priced in major units.
    page.goto(f"{live_server.url}/admin/catalog/product/add/")
    page.fill("#id_name", "Linen apron")
    page.fill("#id_price_amount", "32.50")
    page.locator("#options-group .add-row a").click()
    page.fill("#id_options-0-name", "Size")
    page.fill("#id_options-0-values_text", "S, M")
    page.click("input[name=_save]")
    saved(page)
    apron = Product.objects.get(name="Linen apron")
    assert apron.price_amount == 3250 and apron.variants.count() == 2

    # A fixed discount of £5.00.
    page.goto(f"{live_server.url}/admin/carts/discount/add/")
    page.fill("#id_code", "FIVEOFF")
    page.select_option("#id_type", "fixed")
    page.fill("#id_value", "5.00")
    page.click("input[name=_save]")
    saved(page)
    assert Discount.objects.get(code="FIVEOFF").value == 500

    # A shipping method for two countries, picked from the list.
    page.goto(f"{live_server.url}/admin/carts/shippingmethod/add/")
    page.fill("#id_name", "Europe Express")
    page.fill("#id_price_amount", "7.50")
    page.select_option("#id_countries", ["IE", "FR"])
    page.click("input[name=_save]")
    saved(page)
    europe = ShippingMethod.objects.get(name="Europe Express")
    assert (europe.price_amount, europe.countries) == (750, ["FR", "IE"])

    # A tax rate for Ireland.
    page.goto(f"{live_server.url}/admin/carts/taxrate/add/")
    page.select_option("#id_country_code", "IE")
    page.fill("#id_rate", "0.23")
    page.click("input[name=_save]")
    saved(page)
    assert TaxRate.objects.get(store=shop.store, country_code="IE").rate == Decimal(
        "0.23"
    )
    # A state's rate: the state list shows only the chosen country's states.
    page.goto(f"{live_server.url}/admin/carts/taxrate/add/")
    page.select_option("#id_country_code", "US")
    shown = page.locator("#id_state optgroup:not([hidden])")
    assert shown.count() == 1
    assert shown.get_attribute("label") == "United States (US)"
    page.select_option("#id_state", "US-CA")
    page.fill("#id_name", "California sales tax")
    page.fill("#id_rate", "0.0725")
    page.click("input[name=_save]")
    saved(page)
    assert TaxRate.objects.get(name="California sales tax").state == "CA"

    # A webhook: its signing secret is shown once.
    page.goto(f"{live_server.url}/admin/webhooks/webhookendpoint/add/")
    page.fill("#id_url", receiver.url)
    page.click("input[name=_save]")
    page.locator("code.signing-secret").wait_for()
    endpoint = WebhookEndpoint.objects.get(store=shop.store)
    assert page.inner_text("code.signing-secret") == endpoint.signing_secret
    assert endpoint.mode == "test"

    assert page_errors == []

    # The other store's merchant sees none of it.
    other = page.context.browser.new_context()
    try:
        theirs = other.new_page()
        log_in(theirs, live_server, "owner@other.test")
        for listing in (
            "orders/order",
            "conversations/conversation",
            "catalog/product",
            "carts/discount",
            "carts/shippingmethod",
            "carts/taxrate",
            "webhooks/webhookendpoint",
        ):
            theirs.goto(f"{live_server.url}/admin/{listing}/")
            body = theirs.content()
            for secret in ("Sam Buyer", "Gift wrapping", "Linen apron", "FIVEOFF"):
                assert secret not in body, (listing, secret)
            assert "Europe Express" not in body and receiver.url not in body
        response = theirs.goto(
            f"{live_server.url}/admin/orders/order/{quote(order.pk)}/change/"
        )
        assert response.status == 404
        conversation = Conversation.objects.get(store=shop.store)
        response = theirs.goto(
            f"{live_server.url}/admin/conversations/conversation/"
            f"{quote(conversation.pk)}/change/"
        )
        assert response.status == 404
    finally:
        other.close()

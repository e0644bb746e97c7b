"""The widget with a digital product, in headless Chromium (``tests/browser.py``): the
product says "Download after purchase", a checkout without a shipping address pays, and
the confirmation lists the download link, which downloads the file."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carts.tests.factories import make_product
from downloads import services
from downloads.models import DownloadGrant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
pytest.importorskip("playwright.sync_api")


def test_a_digital_product_is_bought_and_its_link_downloads_the_file(
    page, page_errors, live_server, shop, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    ebook = make_product(
        shop.store, name="Candle-making ebook", price=900, product_type="digital"
    )
    services.product_file_add(
        product=ebook,
        upload=SimpleUploadedFile("candles.pdf", b"%PDF ebook", "application/pdf"),
    )
    page.goto(f"{live_server.url}/storefront/{shop.pk}/")
    card = page.locator(".sr-card", has_text="Candle-making ebook")
    card.locator(".sr-digital", has_text="Download after purchase").wait_for()

    card.get_by_role("button", name="Add to cart").click()
    panel = page.locator(".sr-panel")
    panel.get_by_role("button", name="Checkout").click()
    panel.get_by_label("Email").fill("reader@example.test")
    panel.get_by_label("First name").fill("Sam")
    panel.get_by_label("Last name").fill("Buyer")
    panel.get_by_label("Address", exact=True).fill("221B Baker Street")
    panel.get_by_label("City").fill("London")
    panel.get_by_label("Country").select_option("GB")
    panel.get_by_label("Postcode").fill("NW1 6XE")
    # Nothing to ship: no shipping step.
    panel.get_by_role("button", name="Continue to payment").click()
    panel.get_by_label("Card PaymentMethod id").fill("pm_card_visa")
    panel.get_by_role("button", name="Place order").click()

    downloads = panel.locator(".sr-downloads")
    downloads.get_by_role("heading", name="Your downloads").wait_for()
    link = downloads.get_by_role("link", name="candles.pdf")
    link.wait_for()
    assert downloads.get_by_text("0 of 5 downloads used").is_visible()
    assert panel.get_by_text("Your download links are below").is_visible()
    href = link.get_attribute("href")
    assert href.startswith(f"{live_server.url}/downloads/")
    page.wait_for_load_state("networkidle")
    response = page.request.get(href)
    assert response.status == 200 and response.body() == b"%PDF ebook"
    assert DownloadGrant.objects.get().download_count == 1
    assert page_errors == []

"""Download fixtures: private files on a temporary disk, a digital product with a file, a
paid order of it bought through checkout, and a clock the test can move."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from carts.tests.factories import make_product
from downloads import services
from orders.models import Order
from orders.tests import conftest as order_fixtures
from orders.tests.conftest import Shopper

# The checkout fixtures of the orders tests (a shop with VAT, shipping and a candle; a
# visitor driving checkout over HTTP).
checkout_shop = order_fixtures.checkout_shop
shopper = order_fixtures.shopper
make_order = order_fixtures.make_order
make_variant = order_fixtures.make_variant

EBOOK = b"%PDF-1.7 the candle-making ebook"


@pytest.fixture(autouse=True)
def private_disk(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def ebook(checkout_shop):
    """A digital product with one file (``ebook.file``)."""
    product = make_product(
        checkout_shop.store,
        name="Candle-making ebook",
        price=1000,
        product_type="digital",
    )
    product.file = services.product_file_add(
        product=product,
        upload=SimpleUploadedFile("candles.pdf", EBOOK, "application/pdf"),
    )
    return product


def buy(shopper: Shopper, *products, email="reader@example.com", card="pm_card_visa"):
    """Check out ``products`` (no address: digital only) and return the order."""
    for product in products:
        shopper.add(product)
    shopper.save(email=email)
    response = shopper.checkout(card)
    assert response.status_code in (200, 402), response.json()
    return Order.objects.get(cart_token=shopper.token, type=Order.Type.ORDER)


@pytest.fixture
def paid(shopper, ebook):
    """A paid order of the ebook, bought through checkout."""
    order = buy(shopper, ebook)
    assert order.payment_status == "paid"
    return order


def link_path(url: str) -> str:
    return urlsplit(url).path


class Clock:
    def __init__(self, monkeypatch):
        self.now = timezone.now().replace(microsecond=0)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, when: datetime):
        self.now = when


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """A frozen clock (``django.utils.timezone.now``), moved by ``clock.set(...)``."""
    return Clock(monkeypatch)

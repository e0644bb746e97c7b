"""Catalog test fixtures: uploads go to a temporary media folder."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.tests.factories import make_category, make_product, make_variant_product
from core import services as core_services


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def candle(shop):
    """A published simple product with stock 10 (price 2400)."""
    return make_product(shop.store, "Hand-poured candle", sku="CANDLE-001")


@pytest.fixture
def shirt(shop):
    """A published variant-based product: Size (S, M) x Colour (Red, Blue), stock 3 each."""
    return make_variant_product(shop.store, "Linen shirt")


@pytest.fixture
def candles_category(shop):
    return make_category(shop.store, "Candles")


@pytest.fixture
def events():
    """``events(type)``: the data of the recorded events of that type, oldest first."""
    from webhooks.models import Event

    def get(type_):
        return [
            e.data
            for e in Event.objects.filter(type=type_).order_by("created_at", "id")
        ]

    return get


@pytest.fixture
def merchant(shop):
    """A client signed in to the dashboard as the owner of ``shop``'s store."""
    user, _ = core_services.merchant_add(store=shop.store, email="owner@acme.test")
    client = Client()
    client.force_login(user)
    return client

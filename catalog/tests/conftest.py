"""Catalog test fixtures: uploads go to a temporary media folder."""

from __future__ import annotations

import pytest

from catalog.tests.factories import make_category, make_product, make_variant_product


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

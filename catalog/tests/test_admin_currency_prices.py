"""The dashboard edits explicit prices in other currencies in major units: on the variant
inline of a variant-based product, and on the product form of a simple one."""

from __future__ import annotations

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from catalog.admin import VariantForm
from catalog.models import Variant
from catalog.tests.factories import default_variant, make_product
from core import services as core_services
from core.admin_fields import CurrencyPricesField

from .test_admin import _product_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def euro_store(shop):
    shop.store.supported_currencies = ["GBP", "EUR", "JPY", "BHD"]
    shop.store.save(update_fields=["supported_currencies"])
    return shop


@pytest.fixture
def merchant(euro_store):
    user, _ = core_services.merchant_add(
        store=euro_store.store, email="owner@euro.test"
    )
    client = Client()
    client.force_login(user)
    return client


def test_the_field_reads_and_writes_major_units_per_currency():
    field = CurrencyPricesField()
    assert field.clean("EUR 29.00, JPY 1500; BHD 9.250") == {
        "EUR": 2900,
        "JPY": 1500,
        "BHD": 9250,
    }
    assert field.clean("") == {}
    assert field.prepare_value({"EUR": 2900, "JPY": 1500}) == "EUR 29.00, JPY 1500"
    for bad in ("EUR", "EURO 12", "JPY 1.5", "EUR 1, EUR 2", "EUR -1", "EUR lots"):
        with pytest.raises(forms.ValidationError):
            field.clean(bad)


def test_a_variant_takes_prices_in_the_stores_other_currencies(shirt, euro_store):
    variant = shirt.variants.filter(is_default=False).first()
    form_class = forms.modelform_factory(
        Variant, form=VariantForm, fields=["currency_prices"]
    )
    refused = form_class({"currency_prices": "USD 30.00"}, instance=variant)
    assert not refused.is_valid() and "currency_prices" in refused.errors
    base = form_class({"currency_prices": "GBP 30.00"}, instance=variant)
    assert not base.is_valid()
    form = form_class({"currency_prices": "EUR 34.99"}, instance=variant)
    assert form.is_valid(), form.errors
    form.save()
    variant.refresh_from_db()
    assert variant.currency_prices == {"EUR": 3499}


def test_the_variant_inline_shows_the_prices(merchant, shirt, euro_store):
    variant = shirt.variants.filter(is_default=False).first()
    variant.currency_prices = {"EUR": 3499}
    variant.save()
    content = merchant.get(
        reverse("admin:catalog_product_change", args=[shirt.pk])
    ).content.decode()
    assert 'value="EUR 34.99"' in content


def test_a_simple_products_prices_on_the_product_form(merchant, euro_store):
    response = merchant.post(
        reverse("admin:catalog_product_add"),
        _product_form(euro_store, other_prices="EUR 37.50"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    from catalog.models import Product

    product = Product.objects.get(slug="linen-apron")
    assert default_variant(product).currency_prices == {"EUR": 3750}
    content = merchant.get(
        reverse("admin:catalog_product_change", args=[product.pk])
    ).content.decode()
    assert 'value="EUR 37.50"' in content


def test_the_product_form_refuses_a_currency_the_store_does_not_sell_in(
    merchant, euro_store
):
    candle = make_product(euro_store.store, name="Candle")
    response = merchant.post(
        reverse("admin:catalog_product_add"),
        _product_form(euro_store, other_prices="USD 40.00"),
    )
    assert response.status_code == 200
    assert "other_prices" in response.context["adminform"].form.errors
    assert default_variant(candle).currency_prices == {}

"""Money in the dashboard: typed in major units, stored exactly in minor units, shown formatted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from carts.models import ShippingMethod
from catalog.models import Product
from catalog.tests.factories import make_product
from core import services as core_services
from core.admin_fields import MoneyField, major_to_minor, parse_major

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("24.00", "GBP", 2400),
        ("£1,234.5", "GBP", 123450),
        ("0.07", "GBP", 7),
        ("1500", "JPY", 1500),
        ("1.234", "BHD", 1234),
        ("0.1", "BHD", 100),
    ],
)
def test_major_units_convert_exactly(typed, currency, minor):
    assert major_to_minor(parse_major(typed), currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency"), [("0.001", "GBP"), ("1.5", "JPY"), ("1.2345", "BHD")]
)
def test_more_decimals_than_the_currency_has_are_refused(typed, currency):
    with pytest.raises(ValueError, match=currency):
        major_to_minor(parse_major(typed), currency)


def test_field_shows_minor_units_as_major_text():
    field = MoneyField(currency="GBP")
    assert field.prepare_value(2450) == "24.50"
    assert field.prepare_value("24.5") == "24.5"  # what was typed stays as typed
    assert field.clean("24.5") == Decimal("24.5")
    assert not field.has_changed(2450, "24.50")
    assert field.has_changed(2450, "24.51")
    assert MoneyField(currency="JPY").prepare_value(1500) == "1500"


def _login(store, email):
    user, _ = core_services.merchant_add(store=store, email=email)
    client = Client()
    client.force_login(user)
    return client


def _shipping_form(store, price, **extra):
    return {
        "store": store.pk,
        "name": "Standard",
        "price_amount": price,
        "countries": ["GB"],
        "active": "on",
        "sort_order": "0",
        **extra,
    }


@pytest.mark.parametrize(
    ("currency", "typed", "stored", "shown"),
    [
        ("GBP", "4.50", 450, "£4.50"),
        ("JPY", "500", 500, "¥500"),
        ("BHD", "1.250", 1250, "BHD"),
    ],
)
def test_shipping_price_typed_in_major_units(
    make_store, currency, typed, stored, shown
):
    store = make_store(name=f"{currency} shop", currency=currency).store
    client = _login(store, f"{currency.lower()}@shop.test")
    response = client.post(
        reverse("admin:carts_shippingmethod_add"), _shipping_form(store, typed)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    method = ShippingMethod.objects.get(store=store)
    assert method.price_amount == stored
    listing = client.get(
        reverse("admin:carts_shippingmethod_changelist")
    ).content.decode()
    assert shown in listing
    change = client.get(
        reverse("admin:carts_shippingmethod_change", args=[method.pk])
    ).content.decode()
    assert f'value="{typed}"' in change


def test_too_many_decimals_is_a_field_message_and_saves_nothing(make_store):
    store = make_store(name="Yen shop", currency="JPY").store
    client = _login(store, "yen@shop.test")
    response = client.post(
        reverse("admin:carts_shippingmethod_add"), _shipping_form(store, "4.5")
    )
    assert response.status_code == 200
    assert "JPY amounts have no decimals" in response.content.decode()
    assert not ShippingMethod.objects.exists()


def test_product_list_and_change_page_read_in_major_units(shop):
    client = _login(shop.store, "owner@acme.test")
    product = make_product(shop.store, price=4500)
    change = client.get(
        reverse("admin:catalog_product_change", args=[product.pk])
    ).content.decode()
    assert 'value="45.00"' in change
    assert Product.objects.get(pk=product.pk).price_amount == 4500


@pytest.mark.parametrize(("currency", "shown"), [("GBP", "15.00"), ("JPY", "1500")])
def test_variant_prices_in_major_units_of_the_products_store(
    make_store, currency, shown
):
    from catalog.tests.factories import make_variant_product

    store = make_store(name=f"{currency} shop", currency=currency).store
    client = _login(store, f"{currency.lower()}@shop.test")
    shirt = make_variant_product(store, "Shirt")
    variant = shirt.variants.first()
    type(variant).objects.filter(pk=variant.pk).update(price_amount=1500)
    page = client.get(reverse("admin:catalog_product_change", args=[shirt.pk]))
    assert page.status_code == 200
    assert f'value="{shown}"' in page.content.decode()

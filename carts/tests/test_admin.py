"""Dashboard pages of the carts app, as a merchant of one store."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client

from carts import services
from carts.models import Discount, DiscountRedemption, ShippingMethod, TaxRate
from core import services as core_services
from orders.models import Order

from .conftest import Cart
from .factories import (
    make_discount,
    make_product,
    make_shipping_method,
    make_tax_rate,
)


@pytest.fixture
def merchant(shop):
    user, _ = core_services.merchant_add(store=shop.store, email="owner@acme.test")
    client = Client()
    client.force_login(user)
    return client


def test_discount_pages_show_usage_and_redemptions(merchant, shop):
    discount = make_discount(shop.store, usage_limit=10)
    order = Order.objects.create(
        store=shop.store, type="order", cart_token="x", currency="GBP"
    )
    DiscountRedemption.objects.create(
        store=shop.store, discount=discount, order=order, email="buyer@example.com"
    )
    Discount.objects.filter(pk=discount.pk).update(usage_count=1)
    listing = merchant.get("/admin/carts/discount/")
    assert listing.status_code == 200
    assert b"SPRING20" in listing.content and b"1 / 10" in listing.content
    page = merchant.get(f"/admin/carts/discount/{discount.pk}/change/")
    assert page.status_code == 200 and b"buyer@example.com" in page.content


def test_merchant_cannot_see_another_store(merchant, other_shop):
    theirs = make_discount(other_shop.store, code="THEIRS")
    assert b"THEIRS" not in merchant.get("/admin/carts/discount/").content
    assert merchant.get(f"/admin/carts/discount/{theirs.pk}/change/").status_code == 404


def test_deactivate_action_uses_the_service(merchant, shop):
    discount = make_discount(shop.store)
    response = merchant.post(
        "/admin/carts/discount/",
        {"action": "deactivate", "_selected_action": [discount.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Discount.objects.get(pk=discount.pk).active is False


def test_discount_form_refuses_a_bad_percentage(merchant, shop):
    response = merchant.post(
        "/admin/carts/discount/add/",
        {
            "store": shop.store.pk,
            "code": "HALF",
            "type": "percentage",
            "value": 150,
            "active": "on",
            "redemptions-TOTAL_FORMS": 0,
            "redemptions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert b"from 1 to 100" in response.content
    assert not Discount.objects.exists()


@pytest.mark.parametrize(
    ("kind", "typed", "stored", "shown"),
    [("fixed", "5.00", 500, "£5.00 off"), ("percentage", "10", 10, "10% off")],
)
def test_discount_value_in_major_units_or_percent(
    merchant, shop, kind, typed, stored, shown
):
    response = merchant.post(
        "/admin/carts/discount/add/",
        {
            "store": shop.store.pk,
            "code": "SAVE",
            "type": kind,
            "value": typed,
            "active": "on",
            "redemptions-TOTAL_FORMS": 0,
            "redemptions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    discount = Discount.objects.get()
    assert discount.value == stored
    assert shown in merchant.get("/admin/carts/discount/").content.decode()
    page = merchant.get(f"/admin/carts/discount/{discount.pk}/change/").content.decode()
    assert f'value="{typed}"' in page


def test_discount_saved_by_the_api_service(merchant, shop):
    candle = make_product(shop.store, name="Candle")
    form = {
        "store": shop.store.pk,
        "code": "SHIPFREE",
        "type": "free_shipping",
        "value": "5",
        "active": "on",
        "products": [candle.pk],
        "redemptions-TOTAL_FORMS": 0,
        "redemptions-INITIAL_FORMS": 0,
    }
    response = merchant.post("/admin/carts/discount/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    discount = Discount.objects.get()
    # The service's rules: free shipping carries no value; products set with the row.
    assert discount.value == 0
    assert list(discount.products.all()) == [candle]

    form.update(products=[], value="0")
    response = merchant.post(f"/admin/carts/discount/{discount.pk}/change/", form)
    assert response.status_code == 302
    assert not discount.products.exists()


def test_shipping_and_tax_pages(merchant, shop):
    method = make_shipping_method(shop.store)
    rate = make_tax_rate(shop.store)
    assert merchant.get("/admin/carts/shippingmethod/").status_code == 200
    assert (
        merchant.get(f"/admin/carts/shippingmethod/{method.pk}/change/").status_code
        == 200
    )
    assert merchant.get("/admin/carts/taxrate/").status_code == 200
    assert merchant.get(f"/admin/carts/taxrate/{rate.pk}/change/").status_code == 200


def test_open_carts_are_read_only(merchant, public, shop, candle):
    Cart(public).add(candle, 2)
    Order.objects.create(
        store=shop.store, type="order", cart_token="placed", currency="GBP"
    )
    cart = Order.objects.get(type="cart")
    listing = merchant.get("/admin/carts/opencart/")
    assert listing.status_code == 200
    assert cart.pk.encode() in listing.content
    assert Order.objects.get(type="order").pk.encode() not in listing.content
    page = merchant.get(f"/admin/carts/opencart/{cart.pk}/change/")
    assert page.status_code == 200
    assert b"Hand-poured candle" in page.content
    assert b'name="_save"' not in page.content
    assert (
        merchant.post(f"/admin/carts/opencart/{cart.pk}/change/", {}).status_code == 403
    )
    assert merchant.get("/admin/carts/opencart/add/").status_code == 403


def _tax_form(store, **overrides):
    return {
        "store": store.pk,
        "country_code": "IE",
        "state": "",
        "postcode_prefix": "",
        "name": "VAT",
        "rate": "0.23",
        "applies_to_shipping": "on",
        **overrides,
    }


def test_tax_rate_codes_are_normalised_like_the_api(merchant, shop):
    response = merchant.post(
        "/admin/carts/taxrate/add/", _tax_form(shop.store, country_code="ie")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rate = TaxRate.objects.get()
    assert (rate.country_code, rate.state) == ("IE", "")
    response = merchant.post(
        "/admin/carts/taxrate/add/",
        _tax_form(shop.store, country_code="US", state="us-ca", name="Sales tax"),
    )
    assert response.status_code == 302
    assert TaxRate.objects.get(name="Sales tax").state == "CA"
    # A state the country does not have: the API's message, nothing saved.
    response = merchant.post(
        "/admin/carts/taxrate/add/",
        _tax_form(shop.store, country_code="US", state="ZZ", name="Other"),
    )
    assert response.status_code == 200
    assert "Use a state code of US" in response.content.decode()
    # The service's duplicate rule: a form message, the input kept.
    response = merchant.post(
        "/admin/carts/taxrate/add/", _tax_form(shop.store, rate="0.5")
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert TaxRate.objects.count() == 2
    form_page = merchant.get("/admin/carts/taxrate/add/").content.decode()
    assert '<option value="IE">Ireland (IE)</option>' in form_page


def test_shipping_countries_are_picked_from_a_list(merchant, shop):
    response = merchant.post(
        "/admin/carts/shippingmethod/add/",
        {
            "store": shop.store.pk,
            "name": "Europe",
            "price_amount": "7.50",
            "countries": ["IE", "fr"],
            "active": "on",
            "sort_order": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    method = ShippingMethod.objects.get()
    assert (method.countries, method.price_amount) == (["IE", "FR"], 750)
    page = merchant.get(
        f"/admin/carts/shippingmethod/{method.pk}/change/"
    ).content.decode()
    assert '<option value="IE" selected>Ireland (IE)</option>' in page
    assert "IE, FR" in merchant.get("/admin/carts/shippingmethod/").content.decode()


def test_tax_rate_state_is_picked_from_the_country_list(merchant, shop):
    page = merchant.get("/admin/carts/taxrate/add/").content.decode()
    assert 'data-state-picker="country_code"' in page
    assert '<optgroup label="United States (US)">' in page
    assert '<option value="US-CA">California</option>' in page
    assert "admin/dashboard/state-picker.js" in page

    response = merchant.post(
        "/admin/carts/taxrate/add/",
        _tax_form(shop.store, country_code="US", state="US-NY", name="NY tax"),
    )
    assert response.status_code == 302
    rate = TaxRate.objects.get(name="NY tax")
    assert rate.state == "NY"
    page = merchant.get(f"/admin/carts/taxrate/{rate.pk}/change/").content.decode()
    assert '<option value="US-NY" selected>New York</option>' in page

    # A state of another country than the one chosen: refused, nothing saved.
    response = merchant.post(
        "/admin/carts/taxrate/add/",
        _tax_form(shop.store, country_code="GB", state="US-CA", name="Mixed"),
    )
    assert response.status_code == 200
    assert not TaxRate.objects.filter(name="Mixed").exists()


@pytest.mark.parametrize(
    ("admin_path", "service", "keyword", "make", "second"),
    [
        ("discount", "discount_delete", "discount", make_discount, {"code": "TWO"}),
        (
            "shippingmethod",
            "shipping_method_delete",
            "method",
            make_shipping_method,
            {"name": "Two"},
        ),
        ("taxrate", "tax_rate_delete", "rate", make_tax_rate, {"name": "Two"}),
    ],
)
def test_dashboard_deletes_through_the_api_service(
    merchant, shop, admin_path, service, keyword, make, second
):
    """Both the object's delete page and "Delete selected" run the API's delete service."""
    one, two = make(shop.store), make(shop.store, **second)
    real, deleted = getattr(services, service), []

    def recording(**kwargs):
        deleted.append(kwargs[keyword].pk)  # before the delete clears the pk
        return real(**kwargs)

    with mock.patch.object(services, service, side_effect=recording):
        page = merchant.post(
            f"/admin/carts/{admin_path}/{one.pk}/delete/", {"post": "yes"}
        )
        assert page.status_code == 302 and deleted == [one.pk]
        bulk = merchant.post(
            f"/admin/carts/{admin_path}/",
            {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"},
        )
        assert bulk.status_code == 302 and deleted == [one.pk, two.pk]
    assert not type(one).objects.filter(pk__in=[one.pk, two.pk]).exists()

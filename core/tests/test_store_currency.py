"""A store's currency cannot silently reinterpret its stored amounts (PATCH /store and the
dashboard): refused with a 422 while it holds any, unless a conversion is asked for."""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from carts.tests.factories import (
    default_variant,
    make_discount,
    make_product,
    make_shipping_method,
)
from catalog.models import Product
from core import services
from core.models import Store
from orders.models import Order

pytestmark = pytest.mark.django_db


def error(response) -> dict:
    return response.json()["error"]


def test_an_empty_store_changes_currency_freely(private, shop):
    response = private.patch("/store", {"currency": "JPY"})
    assert response.status_code == 200
    assert response.json()["data"]["currency"] == "JPY"


def test_a_store_with_prices_refuses_a_plain_currency_change(private, shop):
    candle = make_product(shop.store, price=2400)
    make_discount(shop.store, code="TENOFF", type="fixed", value=1000)
    make_shipping_method(shop.store, price=395)

    response = private.patch("/store", {"currency": "JPY", "name": "Renamed"})

    assert response.status_code == 422, response.content
    body = error(response)
    assert body["code"] == "currency_change_refused"
    message = body["fields"]["currency"][0]
    for part in (
        "1 priced product",
        "1 discount with an amount",
        "1 priced shipping method",
        "£24.00 would become ¥2,400",
        "convertPrices",
    ):
        assert part in message, message
    store = Store.objects.get(pk=shop.store.pk)
    assert (store.currency, store.name) == ("GBP", "Acme Candles")  # nothing changed
    assert Product.objects.get(pk=candle.pk).price_amount == 2400


def test_orders_alone_also_hold_the_currency(private, shop):
    Order.objects.create(
        store=shop.store, type="order", currency="GBP", cart_token="t", mode="test"
    )
    response = private.patch("/store", {"currency": "EUR"})
    assert response.status_code == 422
    assert "1 order" in error(response)["message"]


def test_a_conversion_converts_every_stored_amount(private, shop):
    candle = make_product(
        shop.store,
        price=2400,
        sale_price_amount=1999,
        cost_amount=805,
        fixed_shipping_rate_amount=None,
    )
    shirt = make_product(
        shop.store, price=3000, variants=[{"values": {"Size": "L"}, "price": 3250}]
    )
    fixed = make_discount(
        shop.store,
        code="TENOFF",
        type="fixed",
        value=1000,
        minimum_subtotal_amount=5000,
    )
    percent = make_discount(shop.store, code="SPRING20", value=20)
    method = make_shipping_method(shop.store, price=395, free_above_amount=5000)
    order = Order.objects.create(
        store=shop.store,
        type="order",
        currency="GBP",
        cart_token="t",
        total_amount=2400,
    )

    response = private.patch(
        "/store", {"currency": "JPY", "convertPrices": True, "exchangeRate": "190.25"}
    )

    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["currency"] == "JPY" and "JPY" in data["supportedCurrencies"]
    candle.refresh_from_db()
    # £24.00 x 190.25 = ¥4,566; £19.99 -> ¥3,803.0 (half up); £8.05 -> ¥1,531.5 -> 1,532
    assert (candle.price_amount, candle.sale_price_amount, candle.cost_amount) == (
        4566,
        3803,
        1532,
    )
    assert candle.fixed_shipping_rate_amount is None
    shirt.refresh_from_db()
    assert shirt.price_amount == 5708  # 30.00 x 190.25 = 5707.5
    assert shirt.variants.get().price_amount == 6183  # 32.50 x 190.25 = 6183.125
    fixed.refresh_from_db()
    percent.refresh_from_db()
    assert (fixed.value, fixed.minimum_subtotal_amount, percent.value) == (
        1903,
        9513,
        20,
    )
    method.refresh_from_db()
    assert (method.price_amount, method.free_above_amount) == (751, 9513)
    order.refresh_from_db()
    assert (order.currency, order.total_amount) == ("GBP", 2400)  # history stays


@pytest.mark.parametrize(
    "body,field",
    [
        ({"currency": "JPY", "convertPrices": True}, "exchangeRate"),
        ({"currency": "JPY", "exchangeRate": "190"}, "convertPrices"),
        ({"convertPrices": True, "exchangeRate": "190"}, "currency"),
        (
            {"currency": "JPY", "convertPrices": True, "exchangeRate": "0"},
            "exchangeRate",
        ),
        (
            {"currency": "JPY", "convertPrices": True, "exchangeRate": "x"},
            "exchangeRate",
        ),
    ],
)
def test_conversion_input_is_checked(private, shop, body, field):
    make_product(shop.store, price=2400)
    response = private.patch("/store", body)
    assert response.status_code == 422
    assert field in error(response)["fields"]
    assert Store.objects.get(pk=shop.store.pk).currency == "GBP"


def test_a_conversion_that_overflows_changes_nothing(private, shop):
    product = make_product(shop.store, price=2**62)
    response = private.patch(
        "/store", {"currency": "USD", "convertPrices": True, "exchangeRate": "1000"}
    )
    assert response.status_code == 422
    assert "exchangeRate" in error(response)["fields"]
    assert Product.objects.get(pk=product.pk).price_amount == 2**62
    assert Store.objects.get(pk=shop.store.pk).currency == "GBP"


def _merchant(shop) -> Client:
    services.merchant_add(store=shop.store, email="cur@merchant.test", password="pw-1")
    client = Client()
    assert client.login(username="cur@merchant.test", password="pw-1")
    return client


def _store_form(store: Store, **changes) -> dict:
    data = {
        "name": store.name,
        "notification_email": "",
        "storefront_url": "",
        "currency": store.currency,
        "exchange_rate": "",
        "supported_currencies": '["GBP"]',
        "country": store.country,
        "timezone": store.timezone,
        "default_locale": store.default_locale,
        "supported_locales": '["en"]',
        "shipping_countries": ["GB"],
        "payment_methods": '["card"]',
        "features": "{}",
        "branding": "{}",
        "api_keys-TOTAL_FORMS": "0",
        "api_keys-INITIAL_FORMS": "0",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_the_dashboard_refuses_it_too_and_converts_with_a_rate(shop):
    merchant = _merchant(shop)
    candle = make_product(shop.store, price=2400)
    url = f"/admin/core/store/{shop.store.pk}/change/"

    refused = merchant.post(url, _store_form(shop.store, currency="JPY"))

    assert refused.status_code == 200
    assert "would reinterpret them" in refused.content.decode()
    assert Store.objects.get(pk=shop.store.pk).currency == "GBP"
    assert default_variant(candle).product.price_amount == 2400

    done = merchant.post(
        url, _store_form(shop.store, currency="JPY", exchange_rate="190.25")
    )

    assert done.status_code == 302, done.content.decode()[:2000]
    store = Store.objects.get(pk=shop.store.pk)
    assert store.currency == "JPY" and "JPY" in store.supported_currencies
    assert Product.objects.get(pk=candle.pk).price_amount == 4566


def test_the_dashboard_sets_bank_transfer_details_by_the_api_rule(shop):
    merchant = _merchant(shop)
    url = f"/admin/core/store/{shop.store.pk}/change/"
    page = merchant.get(url).content.decode()
    assert "Bank transfer" in page and "id_bank_transfer_reference" in page

    refused = merchant.post(
        url, _store_form(shop.store, bank_transfer_reference="ACME-REF")
    )
    assert refused.status_code == 200
    assert "Put {number} where the order number goes" in refused.content.decode()
    assert Store.objects.get(pk=shop.store.pk).bank_transfer_reference == ""

    done = merchant.post(
        url,
        _store_form(
            shop.store,
            bank_transfer_details="Acme Ltd, sort code 12-34-56, account 12345678",
            bank_transfer_reference=" ACME-{number} ",
        ),
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    store = Store.objects.get(pk=shop.store.pk)
    assert store.bank_transfer_reference == "ACME-{number}"
    assert store.payment_reference(1042) == "ACME-1042"
    assert "sort code 12-34-56" in store.bank_transfer_details


def test_the_dashboard_saves_the_store_through_store_update(shop):
    merchant = _merchant(shop)
    url = f"/admin/core/store/{shop.store.pk}/change/"
    with mock.patch.object(
        services, "store_update", wraps=services.store_update
    ) as spy:
        done = merchant.post(url, _store_form(shop.store, name="Acme Candle Co"))
    assert done.status_code == 302, done.content.decode()[:2000]
    assert spy.call_count == 1
    assert spy.call_args.kwargs["data"]["name"] == "Acme Candle Co"
    assert "exchange_rate" not in spy.call_args.kwargs["data"]
    assert Store.objects.get(pk=shop.store.pk).name == "Acme Candle Co"


def test_a_store_added_in_the_dashboard_is_made_by_store_create(db):
    admin_user = get_user_model().objects.create_superuser(
        "root", "root@example.test", "pw-root-1"
    )
    client = Client()
    client.force_login(admin_user)
    form = _store_form(Store(name="New shop", currency="EUR", country="FR"))
    form.update({"supported_currencies": '["EUR"]', "shipping_countries": ["FR"]})
    done = client.post("/admin/core/store/add/", form)
    assert done.status_code == 302, done.content.decode()[:2000]
    store = Store.objects.get(name="New shop")
    assert (store.currency, store.supported_currencies) == ("EUR", ["EUR"])
    # As the API's store_create: a publishable and a secret key in each mode, the raw
    # keys shown once.
    shown = str(list(done.wsgi_request._messages)[0])
    assert shown.count("<code>sk_") == 2 and shown.count("<code>pk_") == 2
    assert sorted(store.api_keys.values_list("mode", "kind")) == sorted(
        (mode, kind) for mode in ("live", "test") for kind in ("publishable", "secret")
    )

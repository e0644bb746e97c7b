"""Multi-currency through the API: a GBP store selling in EUR (``X-Currency``).

The store's own currency (GBP) is the base; EUR is offered at 1.17 EUR per GBP. Catalogue
reads and the cart answer in the request's currency, the cart keeps it, checkout charges it
(through the Stripe double), the order keeps its currency and rate, refunds are in it, and
reports convert back to GBP with each order's rate.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import Variant
from orders.models import Order

from .factories import make_discount, make_product, make_shipping_method, make_tax_rate

TOKEN = "euro-visitor"
EUR = {"X-Currency": "EUR"}
ADDRESS = {
    "firstName": "Sam",
    "lastName": "Buyer",
    "line1": "221B Baker Street",
    "city": "London",
    "postcode": "NW1 6XE",
    "countryCode": "GB",
}


def data(response):
    assert response.status_code in (200, 201), response.json()
    return response.json()["data"]


@pytest.fixture
def stripe_double(settings):
    """The Stripe double (``orders/tests/stripe_double.py``) behind the StripeGateway."""
    from orders.tests.stripe_double import StripeDouble

    double = StripeDouble()
    double.start()
    settings.STRIPE_SECRET_KEY = "sk_test_double"
    settings.STRIPE_API_BASE = double.url
    yield double
    double.stop()


@pytest.fixture
def euro_shop(shop, private):
    """The GBP ``shop`` selling in EUR (1.17, no rounding) and USD (1.27), with 20% VAT
    (on shipping too), Tracked 48 at £3.95, a £5.00-off code and a £24.00 candle."""
    response = private.patch(
        "/store",
        {
            "features": {"multiCurrency": True},
            "supportedCurrencies": ["GBP", "EUR", "USD"],
            "exchangeRates": {"EUR": "1.17", "USD": "1.27"},
        },
    )
    assert response.status_code == 200, response.json()
    shop.store.refresh_from_db()
    make_tax_rate(shop.store, country_code="GB", rate="0.2")
    shop.method = make_shipping_method(shop.store, countries=["GB"], price=395)
    shop.fiver = make_discount(shop.store, code="FIVER", type="fixed", value=500)
    shop.candle = make_product(
        shop.store, name="Candle", slug="candle", price=2400, stock=10
    )
    return shop


def test_store_settings_take_rates_and_rounding_and_list_currencies(
    euro_shop, private, public
):
    response = private.patch("/store", {"currencyRounding": {"EUR": "0.99"}})
    body = data(response)
    assert body["exchangeRates"] == {"EUR": "1.17", "USD": "1.27"}
    assert body["currencyRounding"] == {"EUR": "0.99"}
    assert data(public.get("/"))["currencies"] == ["GBP", "EUR", "USD"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"exchangeRates": {"JPY": "190"}}, "exchangeRates"),  # not supported
        ({"exchangeRates": {"EUR": "0"}}, "exchangeRates"),
        ({"exchangeRates": {"EUR": "-1.2"}}, "exchangeRates"),
        ({"exchangeRates": {"EUR": "lots"}}, "exchangeRates"),
        ({"exchangeRates": {"GBP": "1"}}, "exchangeRates"),  # the base
        ({"currencyRounding": {"EUR": "0.999"}}, "currencyRounding"),
        ({"currencyRounding": {"EUR": "up"}}, "currencyRounding"),
    ],
)
def test_bad_rates_and_rounding_are_422_naming_the_field_and_change_nothing(
    euro_shop, private, payload, field
):
    response = private.patch("/store", payload)
    assert response.status_code == 422, response.json()
    assert field in response.json()["error"]["fields"]
    euro_shop.store.refresh_from_db()
    assert euro_shop.store.exchange_rates == {"EUR": "1.17", "USD": "1.27"}
    assert euro_shop.store.currency_rounding == {}


def test_an_unsupported_currency_is_422_on_every_public_endpoint(euro_shop, public):
    for path in ("/", "/products", "/cart", f"/products/{euro_shop.candle.pk}"):
        response = public.get(path, cart=TOKEN, headers={"X-Currency": "JPY"})
        assert response.status_code == 422, path
        error = response.json()["error"]
        assert error["code"] == "unsupported_currency"
        assert "X-Currency" in error["fields"]
    malformed = public.get("/products", headers={"X-Currency": "euro"})
    assert malformed.json()["error"]["code"] == "unsupported_currency"
    assert not Order.objects.filter(cart_token=TOKEN).exists()


def test_multi_currency_off_refuses_other_currencies(euro_shop, private, public):
    data(private.patch("/store", {"features": {"multiCurrency": False}}))
    response = public.get("/products", headers=EUR)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unsupported_currency"
    assert data(public.get("/"))["currencies"] == ["GBP"]
    assert public.get("/products", headers={"X-Currency": "GBP"}).status_code == 200


def test_catalogue_reads_answer_in_the_requested_currency(euro_shop, public):
    [listed] = data(public.get("/products", headers=EUR))
    assert listed["price"]["amount"] == 2808
    assert listed["price"]["currency"] == "EUR"
    assert listed["price"]["formatted"] == "€28.08"
    assert (listed["priceMin"], listed["priceMax"]) == (2808, 2808)
    detail = data(public.get(f"/products/{euro_shop.candle.pk}", headers=EUR))
    assert detail["price"]["amount"] == 2808
    gbp = data(public.get(f"/products/{euro_shop.candle.pk}"))
    assert (gbp["price"]["amount"], gbp["price"]["currency"]) == (2400, "GBP")


def test_the_page_cache_keeps_each_currency_apart(euro_shop, public):
    gbp = public.get("/products")
    eur = public.get("/products", headers=EUR)
    assert gbp["ETag"] != eur["ETag"]
    assert "X-Currency" in eur["Vary"]
    again = public.get("/products", headers=EUR)
    assert again.json()["data"][0]["price"]["currency"] == "EUR"
    not_modified = public.get(
        "/products", headers={"If-None-Match": gbp["ETag"], **EUR}
    )
    assert not_modified.status_code == 200


def test_rounding_to_99(euro_shop, private, public):
    data(private.patch("/store", {"currencyRounding": {"EUR": "0.99"}}))
    [listed] = data(public.get("/products", headers=EUR))
    assert listed["price"]["amount"] == 2899  # 28.08 -> 28.99
    cart = data(
        public.post(
            "/cart/items",
            {"productId": euro_shop.candle.pk, "quantity": 1},
            cart=TOKEN,
            headers=EUR,
        )
    )
    assert cart["items"][0]["price"]["amount"] == 2899


def test_an_explicit_price_wins_over_the_rate(euro_shop, private, public):
    response = private.patch(
        f"/products/{euro_shop.candle.pk}",
        {"prices": [{"currency": "EUR", "amount": 2900}]},
    )
    body = data(response)
    assert [(p["currency"], p["amount"]) for p in body["prices"]] == [("EUR", 2900)]
    assert Variant.objects.get(product=euro_shop.candle).currency_prices == {
        "EUR": 2900
    }
    [listed] = data(public.get("/products", headers=EUR))
    assert listed["price"]["amount"] == 2900
    usd = data(
        public.get(f"/products/{euro_shop.candle.pk}", headers={"X-Currency": "USD"})
    )
    assert usd["price"]["amount"] == 3048  # USD has no explicit price: 2400 * 1.27
    cart = data(
        public.post(
            "/cart/items",
            {"productId": euro_shop.candle.pk, "quantity": 2},
            cart=TOKEN,
            headers=EUR,
        )
    )
    assert cart["totals"]["subtotal"]["amount"] == 5800


def test_explicit_prices_are_validated(euro_shop, private):
    for prices, why in (
        ([{"currency": "JPY", "amount": 500}], "not supported"),
        ([{"currency": "GBP", "amount": 500}], "the base"),
        ([{"currency": "EUR", "amount": -1}], "negative"),
        (
            [{"currency": "EUR", "amount": 1}, {"currency": "EUR", "amount": 2}],
            "twice",
        ),
    ):
        response = private.patch(f"/products/{euro_shop.candle.pk}", {"prices": prices})
        assert response.status_code == 422, why
        assert any(
            key.startswith("prices") for key in response.json()["error"]["fields"]
        )
    assert Variant.objects.get(product=euro_shop.candle).currency_prices == {}


def test_variant_prices_read_and_write(euro_shop, private, public):
    response = private.post(
        "/products",
        {
            "name": "Shirt",
            "price": 2000,
            "status": "published",
            "options": [{"name": "Size", "values": ["S", "M"]}],
            "variants": [
                {
                    "optionValues": {"Size": "S"},
                    "stock": 3,
                    "prices": [{"currency": "EUR", "amount": 1999}],
                },
                {"optionValues": {"Size": "M"}, "stock": 3},
            ],
        },
    )
    body = data(response)
    by_name = {v["name"]: v for v in body["variants"]}
    assert [(p["currency"], p["amount"]) for p in by_name["S"]["prices"]] == [
        ("EUR", 1999)
    ]
    assert by_name["M"]["prices"] == []
    shown = data(public.get(f"/products/{body['id']}", headers=EUR))
    prices = {v["name"]: v["price"]["amount"] for v in shown["variants"]}
    assert prices == {"S": 1999, "M": 2340}
    assert (shown["priceMin"], shown["priceMax"]) == (1999, 2340)


def _eur_cart(public, shop, *, code="FIVER"):
    data(
        public.post(
            "/cart/items",
            {"productId": shop.candle.pk, "quantity": 2},
            cart=TOKEN,
            headers=EUR,
        )
    )
    data(
        public.put(
            "/cart/checkout-data",
            {"email": "sam@example.com", "shippingAddress": ADDRESS},
            cart=TOKEN,
            headers=EUR,
        )
    )
    data(
        public.post(
            "/cart/shipping-option",
            {"shippingOptionId": shop.method.pk},
            cart=TOKEN,
            headers=EUR,
        )
    )
    if code is None:
        return data(public.get("/cart", cart=TOKEN, headers=EUR))
    return data(public.post("/cart/discount", {"code": code}, cart=TOKEN, headers=EUR))


# 2 x €28.08 = 56.16; £5 off = €5.85; shipping £3.95 = €4.62 (4.6215);
# VAT 20%: goods round(5031 * 0.2) = 1006, shipping round(462 * 0.2) = 92.
EUR_TOTALS = {
    "subtotal": 5616,
    "discount": 585,
    "shipping": 462,
    "tax": 1098,
    "total": 5031 + 462 + 1098,
}


def test_an_eur_cart_from_a_gbp_store(euro_shop, public):
    cart = _eur_cart(public, euro_shop)
    assert cart["currency"] == "EUR"
    assert {k: v["amount"] for k, v in cart["totals"].items()} == EUR_TOTALS
    assert {v["currency"] for v in cart["totals"].values()} == {"EUR"}
    assert cart["items"][0]["price"] == {
        "amount": 2808,
        "currency": "EUR",
        "formatted": "€28.08",
    }
    assert cart["discountValue"] == 585 if "discountValue" in cart else True
    # The cart keeps its currency: a request without X-Currency still answers in EUR.
    again = data(public.get("/cart", cart=TOKEN))
    assert again["currency"] == "EUR" and again["totals"]["total"]["amount"] == 6591
    options = data(public.get("/cart/shipping-options", cart=TOKEN))
    assert [(o["price"]["amount"], o["price"]["currency"]) for o in options] == [
        (462, "EUR")
    ]


def test_another_currency_reprices_the_open_cart(euro_shop, public):
    _eur_cart(public, euro_shop)
    gbp = data(public.get("/cart", cart=TOKEN, headers={"X-Currency": "GBP"}))
    assert gbp["currency"] == "GBP"
    # 2 x 24.00 = 48.00, -5.00, +3.95, VAT round(4300 * .2) + round(395 * .2) = 860 + 79.
    assert {k: v["amount"] for k, v in gbp["totals"].items()} == {
        "subtotal": 4800,
        "discount": 500,
        "shipping": 395,
        "tax": 939,
        "total": 4300 + 395 + 939,
    }
    usd = data(public.get("/cart", cart=TOKEN, headers={"X-Currency": "USD"}))
    assert usd["currency"] == "USD" and usd["items"][0]["price"]["amount"] == 3048
    assert Order.objects.get(cart_token=TOKEN).currency == "USD"


def test_the_charge_and_the_refund_are_in_eur(
    euro_shop, public, private, stripe_double
):
    _eur_cart(public, euro_shop)
    response = public.post(
        "/cart/checkout", {"paymentMethod": "pm_card_visa"}, cart=TOKEN, headers=EUR
    )
    body = data(response)
    order = Order.objects.get(pk=body["orderId"])
    assert (order.currency, order.exchange_rate, order.total_amount) == (
        "EUR",
        Decimal("1.17"),
        6591,
    )
    [intent] = stripe_double.posts("/v1/payment_intents")
    assert (intent["params"]["amount"], intent["params"]["currency"]) == ("6591", "eur")

    shown = data(private.get(f"/orders/{order.pk}"))
    assert (shown["currency"], shown["totals"]["total"]["amount"]) == ("EUR", 6591)
    assert shown["totals"]["total"]["formatted"] == "€65.91"

    refund = private.post(f"/orders/{order.pk}/refund", {"amount": 1000})
    assert refund.status_code == 200, refund.json()
    [stripe_refund] = stripe_double.posts("/v1/refunds")
    assert stripe_refund["params"]["amount"] == "1000"
    order.refresh_from_db()
    assert (order.refunded_amount, order.currency) == (1000, "EUR")
    refunded = data(private.get(f"/orders/{order.pk}"))
    assert refunded["currency"] == "EUR"


def test_orders_keep_their_rate_when_the_store_changes_it(
    euro_shop, public, private, stripe_double
):
    _eur_cart(public, euro_shop)
    order_id = data(
        public.post(
            "/cart/checkout", {"paymentMethod": "pm_card_visa"}, cart=TOKEN, headers=EUR
        )
    )["orderId"]
    data(private.patch("/store", {"exchangeRates": {"EUR": "1.5"}}))
    order = Order.objects.get(pk=order_id)
    assert (order.exchange_rate, order.total_amount) == (Decimal("1.17"), 6591)
    assert data(private.get(f"/orders/{order_id}"))["totals"]["total"]["amount"] == 6591


def test_reports_convert_to_the_base_with_each_orders_rate(
    euro_shop, public, private, stripe_double
):
    _eur_cart(public, euro_shop)
    order_id = data(
        public.post(
            "/cart/checkout", {"paymentMethod": "pm_card_visa"}, cart=TOKEN, headers=EUR
        )
    )["orderId"]
    order = Order.objects.get(pk=order_id)
    data(private.patch("/store", {"exchangeRates": {"EUR": "2", "USD": "1.27"}}))
    customer = data(private.get(f"/customers/{order.customer_id}"))
    # €65.91 at the order's 1.17 is £56.33 (5633.33), whatever today's rate.
    assert customer["totalSpend"]["amount"] == 5633
    assert customer["totalSpend"]["currency"] == "GBP"
    refund = private.post(f"/orders/{order.pk}/refund", {"amount": 1170})
    assert refund.status_code == 200, refund.json()
    customer = data(private.get(f"/customers/{order.customer_id}"))
    assert customer["totalSpend"]["amount"] == 4633  # €54.21 / 1.17


def test_the_dashboard_home_converts_each_order_at_its_rate(euro_shop):
    from django.test import Client
    from django.utils import timezone

    from core import services as core_services

    store = euro_shop.store

    def order(currency, total, rate=None, refunded=0):
        return Order.objects.create(
            store=store,
            mode="live",
            type=Order.Type.ORDER,
            currency=currency,
            exchange_rate=rate,
            email="sam@example.com",
            total_amount=total,
            refunded_amount=refunded,
            payment_status="paid",
            placed_at=timezone.now(),
        )

    order("GBP", 1000)
    order("EUR", 2340, rate=Decimal("1.17"))  # £20.00
    order("EUR", 1500, rate=Decimal("1.5"), refunded=300)  # £10.00, £2.00 refunded
    user, _ = core_services.merchant_add(store=store, email="owner@euro.test")
    client = Client()
    client.force_login(user)
    home = client.get("/admin/")
    cards = {card.key: card for card in home.context["home"]["cards"]}
    assert cards["revenue_today"].value == "£38.00"
    assert "converted to GBP at each order's rate" in cards["revenue_today"].detail
    chart = home.context["home"]["chart"]
    assert chart.revenue[-1] == 38.0


def test_shipping_and_discounts_carry_explicit_amounts(euro_shop, private, public):
    method = data(
        private.patch(
            f"/shipping-methods/{euro_shop.method.pk}",
            {"amounts": [{"currency": "EUR", "price": 499, "freeAbove": 9000}]},
        )
    )
    assert method["amounts"] == [{"currency": "EUR", "price": 499, "freeAbove": 9000}]
    discount = data(
        private.patch(
            f"/discounts/{euro_shop.fiver.pk}",
            {"amounts": [{"currency": "EUR", "value": 600}]},
        )
    )
    assert discount["amounts"] == [{"currency": "EUR", "value": 600}]
    cart = _eur_cart(public, euro_shop)
    totals = {k: v["amount"] for k, v in cart["totals"].items()}
    assert (totals["discount"], totals["shipping"]) == (600, 499)
    # 5616 - 600 = 5016 is below the explicit €90.00 free-above; at 2 more candles it is not.
    assert totals["tax"] == round(5016 * 0.2) + round(499 * 0.2)
    items = cart["items"]
    more = data(
        public.put(
            f"/cart/items/{items[0]['id']}", {"quantity": 4}, cart=TOKEN, headers=EUR
        )
    )
    assert more["totals"]["shipping"]["amount"] == 0


def test_free_above_converts_without_price_rounding(euro_shop, private, public):
    data(private.patch("/store", {"currencyRounding": {"EUR": "0.99"}}))
    # £49.50 -> €57.92 (57.915) as a threshold; rounded like a price it would be €57.99.
    euro_shop.method.free_above_amount = 4950
    euro_shop.method.save()
    cart = _eur_cart(public, euro_shop, code=None)
    # Two candles at €28.99 (rounded prices): 5798 reaches 5792, so shipping is free.
    assert cart["totals"]["subtotal"]["amount"] == 5798
    assert cart["totals"]["shipping"]["amount"] == 0
    one = data(
        public.put(
            f"/cart/items/{cart['items'][0]['id']}",
            {"quantity": 1},
            cart=TOKEN,
            headers=EUR,
        )
    )
    assert one["totals"]["shipping"]["amount"] == 499  # €4.62 rounded up to .99


def test_explicit_amounts_are_validated(euro_shop, private):
    for path, body in (
        (
            f"/shipping-methods/{euro_shop.method.pk}",
            {"amounts": [{"currency": "JPY", "price": 500}]},
        ),
        (
            f"/discounts/{euro_shop.fiver.pk}",
            {"amounts": [{"currency": "GBP", "value": 600}]},
        ),
        (
            f"/discounts/{euro_shop.fiver.pk}",
            {"amounts": [{"currency": "EUR", "value": -1}]},
        ),
    ):
        response = private.patch(path, body)
        assert response.status_code == 422, (path, body)
        assert any(k.startswith("amounts") for k in response.json()["error"]["fields"])
    euro_shop.method.refresh_from_db()
    assert euro_shop.method.currency_amounts == {}


def test_the_private_order_shows_its_rate(euro_shop, public, private, stripe_double):
    _eur_cart(public, euro_shop)
    order_id = data(
        public.post(
            "/cart/checkout", {"paymentMethod": "pm_card_visa"}, cart=TOKEN, headers=EUR
        )
    )["orderId"]
    shown = data(private.get(f"/orders/{order_id}"))
    assert (shown["currency"], shown["exchangeRate"]) == ("EUR", "1.17")
    listed = data(private.get("/orders"))
    assert listed[0]["currency"] == "EUR"
    assert listed[0]["totals"]["total"]["currency"] == "EUR"

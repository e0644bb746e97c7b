"""Checkout data, shipping options, estimates, /tax/calculate and reference data, over HTTP."""

from __future__ import annotations

import pytest

from core.services import store_update
from orders.models import Order

from .conftest import GB_ADDRESS, TOKEN, US_ADDRESS
from .factories import make_product, make_shipping_method, make_tax_rate


def data(response):
    return response.json()["data"]


def fields(response):
    return response.json()["error"]["fields"]


@pytest.fixture
def royal_mail(shop):
    tracked48 = make_shipping_method(
        shop.store,
        name="Royal Mail · Tracked 48",
        price=395,
        description="2-3 working days",
        countries=["GB"],
        estimated_min_days=2,
        estimated_max_days=3,
        free_above_amount=5000,
        sort_order=0,
    )
    tracked24 = make_shipping_method(
        shop.store,
        name="Royal Mail · Tracked 24",
        price=595,
        description="1-2 working days",
        countries=["GB"],
        estimated_min_days=1,
        estimated_max_days=2,
        sort_order=1,
    )
    return tracked48, tracked24


# -- checkout data -----------------------------------------------------------------------------


def test_checkout_data_round_trip(cart, candle):
    cart.add(candle)
    response = cart.checkout_data(
        {
            "email": "sam@example.com",
            "shippingAddress": {
                **GB_ADDRESS,
                "postcode": "nw16xe",
                "phone": "+447700900123",
            },
            "sameAsShipping": True,
        }
    )
    assert response.status_code == 200
    body = data(response)
    assert body["email"] == "sam@example.com"
    assert body["shippingAddress"] == {
        "firstName": "Sam",
        "lastName": "Buyer",
        "company": None,
        "line1": "221B Baker Street",
        "line2": None,
        "city": "London",
        "state": None,
        "postcode": "NW1 6XE",
        "countryCode": "GB",
        "phone": "+447700900123",
    }
    assert body["billingAddress"] is None and body["sameAsShipping"] is True
    assert body["notes"] is None and body["messages"] == []
    read = data(cart.client.get("/cart/checkout-data", cart=TOKEN))
    assert read == dict(body.items())
    cart_body = data(cart.get())
    assert (
        cart_body["hasCheckoutData"] is True and cart_body["hasShippingAddress"] is True
    )
    assert cart_body["hasBillingAddress"] is False


def test_checkout_data_without_a_cart_is_empty(public):
    body = data(public.get("/cart/checkout-data", cart="fresh"))
    assert body == {
        "email": None,
        "shippingAddress": None,
        "billingAddress": None,
        "sameAsShipping": True,
        "notes": None,
        "messages": [],
    }
    assert not Order.objects.exists()


def test_put_merges_and_null_clears(cart):
    cart.checkout_data({"email": "a@example.com", "notes": "Leave at door"})
    body = data(cart.checkout_data({"shippingAddress": GB_ADDRESS}))
    assert body["email"] == "a@example.com" and body["notes"] == "Leave at door"
    body = data(cart.checkout_data({"notes": None, "shippingAddress": None}))
    assert body["notes"] is None and body["shippingAddress"] is None
    assert body["email"] == "a@example.com"


def test_billing_address_turns_same_as_shipping_off(cart):
    billing = {**US_ADDRESS, "company": "Acme Inc"}
    body = data(
        cart.checkout_data({"shippingAddress": GB_ADDRESS, "billingAddress": billing})
    )
    assert body["sameAsShipping"] is False
    assert body["billingAddress"]["company"] == "Acme Inc"
    assert data(cart.get())["hasBillingAddress"] is True
    body = data(cart.checkout_data({"sameAsShipping": True}))
    assert body["billingAddress"] is None


@pytest.mark.parametrize(
    "body,field,message",
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"email": 5}, "email", None),
        (
            {"shippingAddress": {**GB_ADDRESS, "countryCode": "JP"}},
            "shippingAddress.countryCode",
            "We do not ship to Japan.",
        ),
        (
            {"shippingAddress": {**GB_ADDRESS, "countryCode": "ZZ"}},
            "shippingAddress.countryCode",
            None,
        ),
        (
            {"shippingAddress": {**US_ADDRESS, "state": None}},
            "shippingAddress.state",
            "The state field is required for United States.",
        ),
        (
            {"shippingAddress": {**US_ADDRESS, "state": "XX"}},
            "shippingAddress.state",
            None,
        ),
        (
            {"shippingAddress": {**GB_ADDRESS, "postcode": "12345"}},
            "shippingAddress.postcode",
            "Enter a valid Postcode (for example NW1 6XE).",
        ),
        (
            {"shippingAddress": {**US_ADDRESS, "postcode": "9410"}},
            "shippingAddress.postcode",
            None,
        ),
        (
            {
                "shippingAddress": {
                    **GB_ADDRESS,
                    "countryCode": "DE",
                    "postcode": "1011",
                }
            },
            "shippingAddress.postcode",
            "Enter a valid PLZ (for example 10115).",
        ),
        (
            {
                "shippingAddress": {
                    **GB_ADDRESS,
                    "countryCode": "CA",
                    "state": "ON",
                    "postcode": "K1A0B",
                }
            },
            "shippingAddress.postcode",
            None,
        ),
        (
            {"shippingAddress": {**GB_ADDRESS, "postcode": ""}},
            "shippingAddress.postcode",
            "The postcode field is required.",
        ),
        (
            {"shippingAddress": {**GB_ADDRESS, "phone": "07700 900123"}},
            "shippingAddress.phone",
            "Enter a phone number in E.164 format, e.g. +447700900123.",
        ),
        (
            {"shippingAddress": {k: v for k, v in GB_ADDRESS.items() if k != "line1"}},
            "shippingAddress.line1",
            "The line1 field is required.",
        ),
        (
            {"billingAddress": {**GB_ADDRESS, "countryCode": "XX"}},
            "billingAddress.countryCode",
            None,
        ),
        ({"sameAsShipping": "yes"}, "sameAsShipping", None),
        ({"notes": "x" * 2001}, "notes", None),
    ],
)
def test_checkout_data_field_errors(cart, body, field, message):
    response = cart.checkout_data(body)
    assert response.status_code == 422
    assert field in fields(response)
    if message:
        assert fields(response)[field] == [message]
    row = Order.objects.filter(cart_token=TOKEN).first()
    assert row is None or (row.email == "" and row.shipping_address is None)


def test_state_codes_are_normalised_and_billing_may_be_anywhere(cart):
    body = data(
        cart.checkout_data(
            {
                "shippingAddress": {
                    **US_ADDRESS,
                    "state": "us-ny",
                    "postcode": "10001-1234",
                },
                "billingAddress": {
                    **GB_ADDRESS,
                    "countryCode": "JP",
                    "postcode": "100-0001",
                    "state": "13",
                },
            }
        )
    )
    assert body["shippingAddress"]["state"] == "NY"
    assert body["shippingAddress"]["postcode"] == "10001-1234"
    assert body["billingAddress"]["countryCode"] == "JP"


def test_saving_an_address_reprices_with_its_tax(cart, shop, candle, vat):
    make_tax_rate(
        shop.store, country_code="US", state="CA", name="Sales tax", rate="0.0725"
    )
    cart.add(candle)
    assert data(cart.get())["totals"]["tax"]["amount"] == 480
    cart.checkout_data({"shippingAddress": US_ADDRESS})
    body = data(cart.get())
    assert body["totals"]["tax"]["amount"] == 174
    assert body["taxBreakdown"] == [
        {
            "name": "Sales tax",
            "rate": 0.0725,
            "jurisdiction": "US-CA",
            "amount": {"amount": 174, "currency": "GBP", "formatted": "£1.74"},
        }
    ]


def test_saving_an_address_drops_a_shipping_option_that_no_longer_applies(
    cart, candle, royal_mail
):
    tracked48, _ = royal_mail
    cart.add(candle)
    cart.checkout_data({"shippingAddress": GB_ADDRESS})
    cart.client.post(
        "/cart/shipping-option", {"shippingOptionId": tracked48.pk}, cart=TOKEN
    )
    body = data(cart.checkout_data({"shippingAddress": US_ADDRESS}))
    assert body["messages"][0]["code"] == "shipping_option_removed"
    assert "Royal Mail · Tracked 48" in body["messages"][0]["message"]
    cart_body = data(cart.get())
    assert "shippingOption" not in cart_body
    assert cart_body["totals"]["shipping"]["amount"] == 0


# -- shipping options ---------------------------------------------------------------------------


def test_shipping_options_need_a_saved_address(cart, candle, royal_mail):
    cart.add(candle)
    response = cart.client.get("/cart/shipping-options", cart=TOKEN)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "shipping_address_required"


def test_shipping_options_for_the_address(cart, candle, royal_mail, shop):
    make_shipping_method(shop.store, name="Inactive", active=False)
    make_shipping_method(shop.store, name="US only", countries=["US"])
    cart.add(candle)
    cart.checkout_data({"shippingAddress": GB_ADDRESS})
    body = data(cart.client.get("/cart/shipping-options", cart=TOKEN))
    assert body == [
        {
            "id": royal_mail[0].pk,
            "name": "Royal Mail · Tracked 48",
            "description": "2-3 working days",
            "price": {"amount": 395, "currency": "GBP", "formatted": "£3.95"},
            "estimatedMinDays": 2,
            "estimatedMaxDays": 3,
        },
        {
            "id": royal_mail[1].pk,
            "name": "Royal Mail · Tracked 24",
            "description": "1-2 working days",
            "price": {"amount": 595, "currency": "GBP", "formatted": "£5.95"},
            "estimatedMinDays": 1,
            "estimatedMaxDays": 2,
        },
    ]


def test_free_above_threshold_and_weight_bands(cart, shop, royal_mail):
    make_shipping_method(
        shop.store, name="Heavy", price=1500, min_weight_grams=2000, sort_order=5
    )
    light = make_product(shop.store, price=3000, weight_grams=500)
    cart.add(light, 2)  # 6000 >= 5000: Tracked 48 is free; 1 kg: not Heavy.
    cart.checkout_data({"shippingAddress": GB_ADDRESS})
    body = data(cart.client.get("/cart/shipping-options", cart=TOKEN))
    assert [(o["name"], o["price"]["amount"]) for o in body] == [
        ("Royal Mail · Tracked 48", 0),
        ("Royal Mail · Tracked 24", 595),
    ]
    cart.add(light, 3)  # 2.5 kg
    names = [
        o["name"] for o in data(cart.client.get("/cart/shipping-options", cart=TOKEN))
    ]
    assert "Heavy" in names


def test_select_shipping_option(cart, candle, royal_mail, vat, shop):
    cart.add(candle)
    cart.checkout_data({"shippingAddress": GB_ADDRESS})
    response = cart.client.post(
        "/cart/shipping-option", {"shippingOptionId": royal_mail[1].pk}, cart=TOKEN
    )
    assert response.status_code == 200
    body = data(response)
    assert body["shippingOption"] == {
        "id": royal_mail[1].pk,
        "name": "Royal Mail · Tracked 24",
        "price": {"amount": 595, "currency": "GBP", "formatted": "£5.95"},
    }
    # VAT applies to shipping: (2400 + 595) * 20% = 599.
    assert body["totals"]["shipping"]["amount"] == 595
    assert body["totals"]["tax"]["amount"] == 599
    assert body["totals"]["total"]["amount"] == 2400 + 595 + 599


def test_select_unavailable_or_unknown_option_is_a_422(
    cart, candle, royal_mail, shop, other_shop
):
    us_only = make_shipping_method(shop.store, name="US only", countries=["US"])
    theirs = make_shipping_method(other_shop.store, name="Theirs")
    cart.add(candle)
    response = cart.client.post(
        "/cart/shipping-option", {"shippingOptionId": royal_mail[0].pk}, cart=TOKEN
    )
    assert response.status_code == 422  # no address yet
    cart.checkout_data({"shippingAddress": GB_ADDRESS})
    for option in (us_only.pk, theirs.pk, "shm_nope"):
        response = cart.client.post(
            "/cart/shipping-option", {"shippingOptionId": option}, cart=TOKEN
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "shipping_option_unavailable"
        assert "shippingOptionId" in fields(response)
    assert cart.client.post("/cart/shipping-option", {}, cart=TOKEN).status_code == 422


def test_digital_cart_has_no_shipping_options(cart, shop, royal_mail):
    ebook = make_product(shop.store, product_type="digital")
    cart.add(ebook)
    assert data(cart.client.get("/cart/shipping-options", cart=TOKEN)) == []
    cart.checkout_data({"shippingAddress": GB_ADDRESS, "email": "a@example.com"})
    response = cart.client.post(
        "/cart/shipping-option", {"shippingOptionId": royal_mail[0].pk}, cart=TOKEN
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "shipping_not_required"


def test_deactivated_shipping_method_is_dropped_on_read(cart, candle, royal_mail):
    cart.add(candle)
    cart.checkout_data({"shippingAddress": GB_ADDRESS})
    cart.client.post(
        "/cart/shipping-option", {"shippingOptionId": royal_mail[1].pk}, cart=TOKEN
    )
    royal_mail[1].active = False
    royal_mail[1].save()
    body = data(cart.get())
    assert "shippingOption" not in body
    assert body["messages"][0]["code"] == "shipping_option_removed"


def test_deleted_shipping_method_is_dropped_with_a_message(cart, candle, royal_mail):
    cart.add(candle)
    cart.checkout_data({"shippingAddress": GB_ADDRESS})
    cart.client.post(
        "/cart/shipping-option", {"shippingOptionId": royal_mail[1].pk}, cart=TOKEN
    )
    royal_mail[1].delete()
    body = data(cart.get())
    assert "shippingOption" not in body
    assert body["messages"][0]["message"].startswith(
        "The shipping option Royal Mail · Tracked 24"
    )
    assert Order.objects.get(cart_token=TOKEN).shipping_option is None
    assert data(cart.get())["messages"] == []


# -- estimate ------------------------------------------------------------------------------------


def test_estimate_prices_a_destination_without_saving(
    cart, candle, vat, royal_mail, shop
):
    make_shipping_method(shop.store, name="International", price=1495)
    cart.add(candle, 3)
    before = Order.objects.values().get(cart_token=TOKEN)
    response = cart.client.post(
        "/cart/estimate", {"countryCode": "GB", "postcode": "NW1 6XE"}, cart=TOKEN
    )
    assert response.status_code == 200
    body = data(response)
    assert body["taxRate"] == 0.2
    assert body["shippingOptionsCount"] == 3
    totals = {k: v["amount"] for k, v in body["totals"].items()}
    # 7200 >= 5000 makes Tracked 48 free: the cheapest option is used.
    assert totals == {
        "subtotal": 7200,
        "tax": 1440,
        "shipping": 0,
        "discount": 0,
        "total": 8640,
    }
    assert Order.objects.values().get(cart_token=TOKEN) == before
    us = data(
        cart.client.post(
            "/cart/estimate", {"countryCode": "US", "state": "CA"}, cart=TOKEN
        )
    )
    assert us["taxRate"] == 0 and us["shippingOptionsCount"] == 1
    assert us["totals"]["shipping"]["amount"] == 1495


def test_estimate_uses_the_selected_option_when_it_ships_there(
    cart, candle, royal_mail
):
    cart.add(candle)
    cart.checkout_data({"shippingAddress": GB_ADDRESS})
    cart.client.post(
        "/cart/shipping-option", {"shippingOptionId": royal_mail[1].pk}, cart=TOKEN
    )
    body = data(cart.client.post("/cart/estimate", {"countryCode": "GB"}, cart=TOKEN))
    assert body["totals"]["shipping"]["amount"] == 595


def test_estimate_without_a_cart_and_validation(public):
    body = data(public.post("/cart/estimate", {"countryCode": "GB"}, cart="none-yet"))
    assert body["totals"]["total"]["amount"] == 0 and body["shippingOptionsCount"] == 0
    assert not Order.objects.exists()
    for payload in (
        {},
        {"countryCode": "XX"},
        {"countryCode": "GBR"},
        {"countryCode": 12},
    ):
        response = public.post("/cart/estimate", payload, cart="none-yet")
        assert response.status_code == 422
        assert "countryCode" in fields(response)


# -- /tax/calculate -------------------------------------------------------------------------------


def test_tax_calculate_matches_the_reference(public, candle, vat):
    response = public.post(
        "/tax/calculate",
        {"items": [{"productId": candle.pk, "quantity": 2}], "countryCode": "GB"},
    )
    assert response.status_code == 200
    body = data(response)
    assert body["subtotal"]["amount"] == 4800 and body["tax"]["amount"] == 960
    assert body["taxRate"] == 0.2
    assert body["taxBreakdown"] == [
        {
            "name": "VAT",
            "rate": 0.2,
            "jurisdiction": "GB",
            "amount": {"amount": 960, "currency": "GBP", "formatted": "£9.60"},
        }
    ]
    assert not Order.objects.exists()


def test_tax_calculate_us_state_and_local(public, shop):
    make_tax_rate(
        shop.store, country_code="US", state="CA", name="Sales tax", rate="0.0725"
    )
    make_tax_rate(
        shop.store,
        country_code="US",
        postcode_prefix="900",
        name="Local tax",
        rate="0.0225",
    )
    shirt = make_product(
        shop.store, slug="shirt", variants=[{"values": {"Size": "M"}, "price": 10000}]
    )
    variant = shirt.variants.get()
    body = data(
        public.post(
            "/tax/calculate",
            {
                "items": [{"productId": "shirt", "variantId": variant.pk}],
                "countryCode": "US",
                "state": "CA",
                "postcode": "90012",
            },
        )
    )
    assert body["tax"]["amount"] == 950 and body["taxRate"] == 0.095
    assert [t["jurisdiction"] for t in body["taxBreakdown"]] == ["US-CA", "US-900"]


def test_tax_calculate_inclusive_store(public, shop, candle, vat):
    store_update(store=shop.store, data={"tax_inclusive": True})
    body = data(
        public.post(
            "/tax/calculate", {"items": [{"productId": candle.pk}], "countryCode": "GB"}
        )
    )
    assert body["tax"]["amount"] == 400 and body["total"]["amount"] == 2400
    assert body["taxInclusive"] is True


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"countryCode": "GB"}, "items"),
        ({"items": [], "countryCode": "GB"}, "items"),
        (
            {"items": [{"productId": "prod_nope"}], "countryCode": "GB"},
            "items[0].productId",
        ),
        (
            {"items": [{"productId": "CANDLE", "quantity": 0}], "countryCode": "GB"},
            "items[0].quantity",
        ),
        ({"items": [{"productId": "CANDLE"}]}, "countryCode"),
    ],
)
def test_tax_calculate_validation(public, candle, payload, field):
    for item in payload.get("items", []):
        if item.get("productId") == "CANDLE":
            item["productId"] = candle.pk
    response = public.post("/tax/calculate", payload)
    assert response.status_code == 422
    assert field in fields(response)


def test_tax_calculate_requires_the_variant_of_a_variant_product(public, shop):
    shirt = make_product(shop.store, variants=[{"values": {"Size": "M"}}])
    response = public.post(
        "/tax/calculate", {"items": [{"productId": shirt.pk}], "countryCode": "GB"}
    )
    assert response.status_code == 422
    assert "items[0].variantId" in fields(response)


# -- countries, states, payment methods -----------------------------------------------------------


def test_countries_are_the_store_shipping_countries(public, shop):
    store_update(store=shop.store, data={"shipping_countries": ["GB", "US", "DE"]})
    body = data(public.get("/countries"))
    assert body == [
        {
            "code": "GB",
            "name": "United Kingdom",
            "requiresState": False,
            "postcodeLabel": "Postcode",
        },
        {
            "code": "US",
            "name": "United States",
            "requiresState": True,
            "postcodeLabel": "ZIP code",
        },
        {
            "code": "DE",
            "name": "Germany",
            "requiresState": False,
            "postcodeLabel": "PLZ",
        },
    ]


def test_states_of_a_country(public):
    body = data(public.get("/countries/US/states"))
    codes = {s["code"]: s["name"] for s in body}
    assert (
        codes["CA"] == "California"
        and codes["NY"] == "New York"
        and codes["TX"] == "Texas"
    )
    assert [s["name"] for s in body] == sorted(s["name"] for s in body)
    assert data(public.get("/countries/ca/states"))[0] == {
        "code": "AB",
        "name": "Alberta",
    }
    assert {"code": "WLS", "name": "Wales"} in data(public.get("/countries/GB/states"))
    assert public.get("/countries/XX/states").status_code == 404
    assert data(public.get("/countries/AQ/states")) == []


def test_payment_methods_in_store_order(public, shop):
    store_update(
        store=shop.store,
        data={"payment_methods": ["apple_pay", "card", "bank_transfer"]},
    )
    body = data(public.get("/payment-methods"))
    assert [(m["id"], m["label"]) for m in body] == [
        ("apple_pay", "Apple Pay"),
        ("card", "Card"),
        ("bank_transfer", "Bank transfer"),
    ]
    assert body[0]["iconUrl"] == "http://testserver/static/pm/apple-pay.svg"
    assert body[2]["iconUrl"].endswith("/static/pm/bank.svg")


def test_payment_method_icons_exist():
    from pathlib import Path

    from django.conf import settings

    from carts.api.public import PAYMENT_METHOD_ICONS

    for path in PAYMENT_METHOD_ICONS.values():
        icon = Path(settings.BASE_DIR, "static", path)
        assert icon.read_text().startswith("<svg")


def test_the_card_method_carries_the_stripe_publishable_key_of_its_mode(
    public, shop, settings
):
    settings.STRIPE_PUBLISHABLE_KEY = ""
    card = next(m for m in data(public.get("/payment-methods")) if m["id"] == "card")
    assert card["stripePublishableKey"] is None and card["stripeJsUrl"] is None

    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_51Stand1n"
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    methods = data(public.get("/payment-methods"))
    card = next(m for m in methods if m["id"] == "card")
    assert card["stripePublishableKey"] == "pk_test_51Stand1n"
    assert card["stripeJsUrl"] == "https://js.stripe.com/v3/"
    assert all(m["stripePublishableKey"] is None for m in methods if m["id"] != "card")

    # A live Stripe key is never offered to a test-mode storefront.
    settings.STRIPE_PUBLISHABLE_KEY = "pk_live_51Stand1n"
    card = next(m for m in data(public.get("/payment-methods")) if m["id"] == "card")
    assert card["stripePublishableKey"] is None

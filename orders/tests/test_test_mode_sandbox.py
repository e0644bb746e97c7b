"""Test mode is a sandbox (issue 12, part 3).

Anyone holding the public ``pk_test_`` key can check out. Test-mode checkouts must never
change live stock, live discount usage, live order numbers or live customer totals, while
stock checks and usage limits still apply within test mode; and what a test key reads or
replays (events, webhook endpoints, idempotency records) is test-mode data only.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from carts.models import Discount
from carts.tests.factories import make_discount
from catalog.models import Variant
from core import services as core_services
from customers.models import Customer
from orders.models import Order

from .conftest import Shopper

pytestmark = pytest.mark.django_db


def data(response) -> dict:
    assert response.status_code in (200, 201), response.json()
    return response.json()["data"]


def stock(product) -> tuple[int, int]:
    """(live stock, what test mode can buy)."""
    variant = Variant.objects.get(product=product)
    return variant.stock, variant.available_stock("test")


@pytest.fixture
def test_buyer(public):
    def make(token: str) -> Shopper:
        return Shopper(public, token)

    return make


@pytest.fixture
def live_buyer(api_client_for, checkout_shop):
    def make(token: str) -> Shopper:
        return Shopper(api_client_for("public", checkout_shop.keys.live_pk), token)

    return make


def test_test_checkouts_never_touch_live_stock_but_test_stock_checks_apply(
    checkout_shop, test_buyer, live_buyer
):
    candle = checkout_shop.candle
    Variant.objects.filter(product=candle).update(stock=2)
    method = checkout_shop.method
    for token in ("t1", "t2"):
        data(test_buyer(token).ready(candle, method=method).checkout("pm_card_visa"))

    third = test_buyer("t3").client.post(
        "/cart/items", {"productId": candle.pk}, cart="t3"
    )

    assert third.status_code == 409 and third.json()["error"]["code"] == "out_of_stock"
    assert stock(candle) == (2, 0)
    # The catalogue shows each mode what it can buy.
    path = f"/products/{candle.slug}"
    as_test = data(test_buyer("t4").client.get(path))
    as_live = data(live_buyer("l0").client.get(path))
    assert (as_test["inventoryCount"], as_test["inStock"]) == (0, False)
    assert (as_live["inventoryCount"], as_live["inStock"]) == (2, True)
    # Live shoppers still find both units.
    live = live_buyer("l1").ready(candle, 2, method=method)
    assert data(live.checkout("bank_transfer"))["orderNumber"] == "1001"
    assert stock(candle) == (0, 0)


def test_a_test_3ds_checkout_holds_no_live_stock(checkout_shop, test_buyer, live_buyer):
    candle = checkout_shop.candle
    Variant.objects.filter(product=candle).update(stock=3)
    held = test_buyer("t1").ready(candle, 3, method=checkout_shop.method)
    assert data(held.checkout("pm_card_authenticationRequired"))["requiresAction"]
    assert stock(candle) == (3, 0)

    live = live_buyer("l1").ready(candle, 3, method=checkout_shop.method)
    assert data(live.checkout("bank_transfer"))["status"] == "pending"
    assert stock(candle) == (0, 0)


def test_test_checkouts_never_use_up_a_live_code_but_its_limit_applies_in_test_mode(
    checkout_shop, test_buyer, live_buyer
):
    candle, method = checkout_shop.candle, checkout_shop.method
    discount = make_discount(checkout_shop.store, code="ONCE", value=10, usage_limit=1)
    first = test_buyer("t1").ready(candle, method=method)
    first.discount("ONCE")
    data(first.checkout("pm_card_visa"))

    second = test_buyer("t2").ready(candle, method=method)
    refused = second.client.post("/cart/discount", {"code": "ONCE"}, cart="t2")

    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "discount_exhausted"
    discount.refresh_from_db()
    assert (discount.usage_count, discount.test_usage_count) == (0, 1)
    live = live_buyer("l1").ready(candle, method=method)
    live.discount("ONCE")
    assert data(live.checkout("bank_transfer"))["orderNumber"] == "1001"
    discount.refresh_from_db()
    assert (discount.usage_count, discount.test_usage_count) == (1, 1)


def test_order_numbers_count_apart(checkout_shop, test_buyer, live_buyer):
    candle, method = checkout_shop.candle, checkout_shop.method
    numbers = [
        data(test_buyer("t1").ready(candle, method=method).checkout())["orderNumber"],
        data(live_buyer("l1").ready(candle, method=method).checkout("bank_transfer"))[
            "orderNumber"
        ],
        data(test_buyer("t2").ready(candle, method=method).checkout())["orderNumber"],
    ]
    assert numbers == ["1001", "1001", "1002"]


def test_test_checkouts_never_create_or_change_live_customers(
    checkout_shop, test_buyer, api_client_for
):
    """A test checkout with a live customer's email (and a marketing opt-in) makes a
    test-mode customer: the live one keeps its details, preferences and totals, and test
    keys never list live customers."""
    live = Customer.objects.create(
        store=checkout_shop.store, mode="live", email="sam@example.com"
    )
    buyer = test_buyer("t1").ready(checkout_shop.candle, method=checkout_shop.method)
    order_id = data(buyer.checkout(marketingOptIn=True))["orderId"]

    test_customer = Order.objects.get(pk=order_id).customer
    assert test_customer.mode == "test" and test_customer.pk != live.pk
    live.refresh_from_db()
    assert (live.first_name, live.marketing_opt_in) == ("", False)
    keys = checkout_shop.keys
    as_test = api_client_for("private", keys.sk)
    as_live = api_client_for("private", keys.live_sk)
    assert data(as_test.get(f"/customers/{test_customer.pk}"))["totalOrders"] == 1
    assert as_test.get(f"/customers/{live.pk}").status_code == 404
    live_view = data(as_live.get(f"/customers/{live.pk}"))
    assert (live_view["totalOrders"], live_view["totalSpend"]["amount"]) == (0, 0)
    assert [c["id"] for c in data(as_live.get("/customers"))] == [live.pk]


def test_a_test_key_lists_no_live_events(checkout_shop, live_buyer, api_client_for):
    live = live_buyer("l1").ready(checkout_shop.candle, method=checkout_shop.method)
    order_id = data(live.checkout("bank_transfer"))["orderId"]
    keys = checkout_shop.keys

    as_test = api_client_for("private", keys.sk).get("/events", query={"perPage": 100})
    as_live = api_client_for("private", keys.live_sk).get(
        "/events", query={"perPage": 100}
    )

    assert data(as_test) == []
    assert "sam@example.com" not in as_test.content.decode()
    assert order_id in as_live.content.decode()
    assert {e["mode"] for e in data(as_live)} == {"live"}


def test_webhook_endpoints_belong_to_the_key_mode(
    checkout_shop, api_client_for, settings
):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    keys = checkout_shop.keys
    test_api = api_client_for("private", keys.sk)
    live_api = api_client_for("private", keys.live_sk)
    body = {"url": "https://127.0.0.1:9/in", "events": ["order.created"]}
    test_hook = data(test_api.post("/webhooks", body))["id"]
    live_hook = data(live_api.post("/webhooks", body))["id"]

    assert [h["id"] for h in data(test_api.get("/webhooks"))] == [test_hook]
    assert test_api.get(f"/webhooks/{live_hook}").status_code == 404
    assert test_api.patch(f"/webhooks/{live_hook}", {"active": False}).status_code == (
        404
    )
    assert test_api.delete(f"/webhooks/{live_hook}").status_code == 404
    assert [h["id"] for h in data(live_api.get("/webhooks"))] == [live_hook]


def test_an_idempotency_key_used_with_a_test_key_does_not_replay_to_the_live_key(
    checkout_shop, api_client_for
):
    keys = checkout_shop.keys
    first = api_client_for("private", keys.sk).post(
        "/discounts",
        {"code": "TESTONLY", "type": "percentage", "value": 5},
        idempotency_key="create-code",
    )
    assert first.status_code == 201

    live = api_client_for("private", keys.live_sk).post(
        "/discounts",
        {"code": "LIVECODE", "type": "percentage", "value": 5},
        idempotency_key="create-code",
    )

    assert live.status_code == 201, live.json()
    assert "Idempotent-Replayed" not in live
    assert data(live)["code"] == "LIVECODE"
    assert set(Discount.objects.values_list("code", flat=True)) == {
        "TESTONLY",
        "LIVECODE",
    }


def test_resetting_test_mode_gives_the_stock_and_codes_back(
    checkout_shop, test_buyer, settings
):
    candle, method = checkout_shop.candle, checkout_shop.method
    discount = make_discount(checkout_shop.store, code="ONCE", usage_limit=1)
    buyer = test_buyer("t1").ready(candle, 4, method=method)
    buyer.discount("ONCE")
    data(buyer.checkout())
    assert stock(candle) == (10, 6)

    core_services.merchant_add(
        store=checkout_shop.store, email="reset@merchant.test", password="pw-reset-1"
    )
    merchant = Client()
    assert merchant.login(username="reset@merchant.test", password="pw-reset-1")
    selection = {
        "action": "reset_test_mode",
        "_selected_action": [checkout_shop.store.pk],
    }
    asked = merchant.post("/admin/core/store/", selection)
    assert "Yes, reset test mode" in asked.content.decode()
    assert stock(candle) == (10, 6)

    merchant.post("/admin/core/store/", {**selection, "post": "yes"})

    assert stock(candle) == (10, 10)
    discount.refresh_from_db()
    assert (discount.usage_count, discount.test_usage_count) == (0, 0)
    again = test_buyer("t2").ready(candle, method=method)
    again.discount("ONCE")
    # The command does the same.
    data(again.checkout())
    call_command("reset_test_mode", checkout_shop.store.pk, stdout=io.StringIO())
    assert stock(candle) == (10, 10)


def test_reviews_posted_with_a_test_key_stay_in_test_mode(
    checkout_shop, api_client_for
):
    """A test review is moderated with the test key and never shows on the live
    storefront (nor in its ratings); a test key never lists live reviewers."""
    keys, candle = checkout_shop.keys, checkout_shop.candle
    test_public = api_client_for("public", keys.pk)
    live_public = api_client_for("public", keys.live_pk)
    test_private = api_client_for("private", keys.sk)
    live_private = api_client_for("private", keys.live_sk)
    path = f"/products/{candle.slug}/reviews"
    review = {"rating": 1, "body": "Test review", "authorEmail": "qa@example.com"}
    test_review = data(test_public.post(path, review))["id"]
    live_review = data(live_public.post(path, {**review, "rating": 5}))["id"]

    assert [r["id"] for r in data(test_private.get("/reviews"))] == [test_review]
    assert [r["id"] for r in data(live_private.get("/reviews"))] == [live_review]
    assert test_private.get(f"/reviews/{live_review}").status_code == 404
    for api, review_id in ((test_private, test_review), (live_private, live_review)):
        moderated = api.patch(f"/reviews/{review_id}", {"status": "approved"})
        assert moderated.status_code == 200

    live_list = live_public.get(path).json()
    test_list = test_public.get(path).json()
    assert [r["id"] for r in live_list["data"]] == [live_review]
    assert live_list["meta"]["averageRating"] == 5.0
    assert {r["id"] for r in test_list["data"]} == {test_review, live_review}
    assert data(live_public.get(f"/products/{candle.slug}"))["reviewCount"] == 1

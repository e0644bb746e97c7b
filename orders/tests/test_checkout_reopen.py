"""POST /cart/reopen: after a failed or abandoned card payment the shopper pays again, with
the cart, its checkout data and its discount intact, and stock and discount use exact."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client, TestCase

from carts.models import DiscountRedemption
from carts.tests.factories import make_discount
from catalog.models import Variant
from orders.models import OfflinePaymentIntent, Order, PaymentAttempt

pytestmark = pytest.mark.django_db


def stock(product) -> int:
    return Variant.objects.get(product=product).available_stock("test")


def three_ds(order_id: str, action: str):
    path = urlsplit(Order.objects.get(pk=order_id).next_action_url).path
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        return Client().post(path, {"action": action})


def reopen(shopper, order_id, token=None):
    return shopper.client.post(
        "/cart/reopen", {"orderId": order_id}, cart=token or shopper.token
    )


@pytest.fixture
def spring(checkout_shop):
    return make_discount(checkout_shop.store, code="SPRING20", value=20)


def _placed_with_3ds(shopper, checkout_shop):
    shopper.ready(checkout_shop.candle, 2, method=checkout_shop.method)
    shopper.discount("SPRING20")
    before = shopper.cart()
    response = shopper.checkout("pm_card_authenticationRequired")
    assert response.status_code == 200 and response.json()["data"]["requiresAction"]
    return before, response.json()["data"]["orderId"]


@pytest.mark.parametrize("how", ["failed", "abandoned"])
def test_a_failed_or_abandoned_3ds_payment_gives_the_cart_back_to_pay_again(
    how, shopper, checkout_shop, spring
):
    before, order_id = _placed_with_3ds(shopper, checkout_shop)
    assert stock(checkout_shop.candle) == 8
    spring.refresh_from_db()
    assert spring.test_usage_count == 1
    if how == "failed":
        assert three_ds(order_id, "fail").status_code == 302

    response = reopen(shopper, order_id)

    assert response.status_code == 200, response.json()
    cart = response.json()["data"]
    for key in ("id", "items", "totals", "discountCode", "shippingOption"):
        assert cart[key] == before[key], key
    assert cart["id"] == order_id and cart["discountCode"] == "SPRING20"
    assert stock(checkout_shop.candle) == 10
    spring.refresh_from_db()
    assert spring.test_usage_count == 0 and not DiscountRedemption.objects.exists()
    row = Order.objects.get(pk=order_id)
    assert row.type == "cart" and not row.stock_reserved and row.order_number is None
    # The abandoned payment can never complete now.
    intent = OfflinePaymentIntent.objects.get(order_id=order_id)
    assert intent.status in ("canceled", "requires_payment_method")
    assert three_ds_refused_or_noop(intent)

    # Pay again with another card: one order, paid, stock and discount counted once.
    paid = shopper.checkout("pm_card_visa")
    assert paid.status_code == 200, paid.json()
    assert paid.json()["data"]["orderId"] == order_id
    assert paid.json()["data"]["status"] == "paid"
    assert stock(checkout_shop.candle) == 8
    spring.refresh_from_db()
    assert spring.test_usage_count == 1 and DiscountRedemption.objects.count() == 1
    assert list(
        PaymentAttempt.objects.filter(order_id=order_id)
        .order_by("number")
        .values_list("status", flat=True)
    ) == ["declined", "succeeded"]


def three_ds_refused_or_noop(intent) -> bool:
    """Approving the old 3-D Secure page afterwards charges nothing."""
    response = Client().post(f"/payments/test-3ds/{intent.pk}", {"action": "approve"})
    intent.refresh_from_db()
    return response.status_code in (200, 302, 400) and intent.status != "succeeded"


def test_reopening_twice_answers_the_cart(shopper, checkout_shop, spring):
    _, order_id = _placed_with_3ds(shopper, checkout_shop)
    assert reopen(shopper, order_id).status_code == 200
    again = reopen(shopper, order_id)
    assert again.status_code == 200 and again.json()["data"]["id"] == order_id
    assert stock(checkout_shop.candle) == 10


def test_another_visitor_cannot_reopen_an_order(shopper, checkout_shop, spring):
    _, order_id = _placed_with_3ds(shopper, checkout_shop)
    response = reopen(shopper, order_id, token="someone-else")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "order_not_found"
    row = Order.objects.get(pk=order_id)
    assert row.type == "order" and row.payment_status == "pending"
    assert stock(checkout_shop.candle) == 8


def test_a_paid_order_is_not_reopened(shopper, checkout_shop, spring):
    _, order_id = _placed_with_3ds(shopper, checkout_shop)
    three_ds(order_id, "approve")
    response = reopen(shopper, order_id)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_paid"
    assert response.json()["error"]["fields"] == {
        "orderId": ["This order is paid already."]
    }
    assert Order.objects.get(pk=order_id).payment_status == "paid"


def test_a_bank_transfer_order_is_not_reopened(shopper, checkout_shop):
    store = checkout_shop.store
    store.payment_methods = [*store.payment_methods, "bank_transfer"]
    store.save(update_fields=["payment_methods"])
    shopper.ready(checkout_shop.candle, 1, method=checkout_shop.method)
    order_id = shopper.checkout("bank_transfer").json()["data"]["orderId"]
    response = reopen(shopper, order_id)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_placed"
    assert stock(checkout_shop.candle) == 9


def test_a_token_with_a_new_cart_keeps_it(shopper, checkout_shop, spring):
    _, order_id = _placed_with_3ds(shopper, checkout_shop)
    three_ds(order_id, "fail")
    shopper.add(checkout_shop.candle, 1)
    response = reopen(shopper, order_id)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cart_in_use"
    assert Order.objects.get(pk=order_id).payment_status == "failed"


def test_reopen_needs_an_order_id(shopper, checkout_shop):
    response = shopper.client.post("/cart/reopen", {}, cart=shopper.token)
    assert response.status_code == 422
    assert "orderId" in response.json()["error"]["fields"]

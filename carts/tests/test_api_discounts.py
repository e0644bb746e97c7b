"""POST / DELETE /cart/discount and discounts in cart totals, through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carts.models import Discount, DiscountRedemption
from catalog.models import Variant
from orders.models import Order

from .conftest import GB_ADDRESS, TOKEN, Cart
from .factories import (
    log_in,
    make_category,
    make_customer,
    make_discount,
    make_product,
    make_shipping_method,
)


def data(response):
    return response.json()["data"]


def error(response):
    return response.json()["error"]


def test_reference_spring20_numbers(cart, candle, vat, shop):
    make_discount(shop.store, code="SPRING20", type="percentage", value=20)
    cart.add(candle, 3)
    response = cart.discount("SPRING20")
    assert response.status_code == 200
    body = data(response)
    assert (body["discountCode"], body["discountType"], body["discountValue"]) == (
        "SPRING20",
        "percentage",
        20,
    )
    totals = {k: v["amount"] for k, v in body["totals"].items()}
    assert totals == {
        "subtotal": 7200,
        "discount": 1440,
        "tax": 1152,
        "shipping": 0,
        "total": 6912,
    }
    assert body["totals"]["total"]["formatted"] == "£69.12"
    # The code sticks on later reads.
    assert data(cart.get())["totals"]["total"]["amount"] == 6912


def test_delete_discount_restores_the_totals(cart, candle, vat, shop):
    make_discount(shop.store)
    cart.add(candle, 3)
    cart.discount("SPRING20")
    response = cart.client.delete("/cart/discount", cart=TOKEN)
    assert response.status_code == 200
    body = data(response)
    assert (body["discountCode"], body["discountType"], body["discountValue"]) == (
        None,
        None,
        None,
    )
    assert (
        body["totals"]["discount"]["amount"] == 0
        and body["totals"]["total"]["amount"] == 8640
    )
    # Removing when there is nothing to remove is fine.
    assert cart.client.delete("/cart/discount", cart=TOKEN).status_code == 200


def test_codes_match_case_insensitively(cart, candle, shop):
    make_discount(shop.store, code="Spring20")
    cart.add(candle)
    assert data(cart.discount("  sPRING20 "))["discountCode"] == "Spring20"


@pytest.mark.parametrize(
    "fields,code,message",
    [
        (
            {"active": False},
            "discount_inactive",
            "The discount code SPRING20 is not active.",
        ),
        (
            {"expires_at": timezone.now() - timedelta(days=1)},
            "discount_expired",
            "The discount code SPRING20 has expired.",
        ),
        (
            {"starts_at": timezone.now() + timedelta(days=1)},
            "discount_not_started",
            "The discount code SPRING20 is not valid yet.",
        ),
        (
            {"usage_limit": 3, "usage_count": 3},
            "discount_exhausted",
            "The discount code SPRING20 has reached its usage limit.",
        ),
        (
            {"minimum_subtotal_amount": 10000},
            "discount_minimum_not_met",
            "Spend £100.00 or more to use the discount code SPRING20.",
        ),
    ],
)
def test_refused_codes_give_a_readable_reason(
    cart, candle, shop, fields, code, message
):
    usage_count = fields.pop("usage_count", 0)
    discount = make_discount(shop.store, **fields)
    # The cart is a test-mode cart: test-mode uses count against the limit.
    Discount.objects.filter(pk=discount.pk).update(test_usage_count=usage_count)
    cart.add(candle)
    response = cart.discount("SPRING20")
    assert response.status_code == 422
    assert error(response)["code"] == code
    assert error(response)["message"] == message
    assert error(response)["fields"] == {"code": [message]}
    assert Order.objects.get(cart_token=TOKEN).discount_id is None


def test_unknown_code_and_other_store_code(cart, candle, other_shop):
    make_discount(other_shop.store, code="THEIRS")
    cart.add(candle)
    for code in ("NOPE", "THEIRS"):
        response = cart.discount(code)
        assert response.status_code == 422
        assert error(response)["code"] == "discount_invalid"
        assert error(response)["message"] == f"The discount code {code} is not valid."


def test_code_validation(cart):
    assert cart.client.post("/cart/discount", {}, cart=TOKEN).status_code == 422
    assert (
        cart.client.post("/cart/discount", {"code": 20}, cart=TOKEN).status_code == 422
    )


def test_product_restricted_code_applies_to_qualifying_lines_only(
    cart, candle, vat, shop
):
    soap = make_product(shop.store, name="Soap", price=1000)
    make_discount(shop.store, code="CANDLES", value=50, products=[candle])
    cart.add(soap)
    response = cart.discount("CANDLES")
    assert response.status_code == 422
    assert error(response)["code"] == "discount_not_applicable"
    assert (
        error(response)["message"]
        == "The discount code CANDLES does not apply to any item in your cart."
    )
    cart.add(candle)
    body = data(cart.discount("CANDLES"))
    assert body["totals"]["discount"]["amount"] == 1200
    assert body["totals"]["tax"]["amount"] == (1000 + 1200) * 20 // 100


def test_category_restriction_includes_descendant_categories(cart, shop):
    home = make_category(shop.store, name="Home")
    candles = make_category(shop.store, name="Candles", parent=home)
    scented = make_category(shop.store, name="Scented", parent=candles)
    other = make_category(shop.store, name="Garden")
    inside = make_product(shop.store, price=2000, categories=[scented])
    outside = make_product(shop.store, price=3000, categories=[other])
    make_discount(shop.store, code="HOME10", value=10, categories=[home])
    cart.add(outside)
    assert cart.discount("HOME10").status_code == 422
    cart.add(inside)
    body = data(cart.discount("HOME10"))
    assert body["totals"]["discount"]["amount"] == 200


def test_fixed_discount_is_split_across_lines_exactly(cart, shop):
    a = make_product(shop.store, price=1000)
    b = make_product(shop.store, price=2000)
    make_discount(shop.store, code="FIVE", type="fixed", value=500)
    cart.add(a)
    cart.add(b)
    body = data(cart.discount("FIVE"))
    assert body["discountValue"] == 500
    assert body["totals"]["discount"]["amount"] == 500
    assert body["totals"]["total"]["amount"] == 2500
    from orders.models import OrderItem

    assert sorted(OrderItem.objects.values_list("discount_amount", flat=True)) == [
        166,
        334,
    ]


def test_free_shipping_code_zeroes_the_chosen_shipping(cart, candle, shop):
    method = make_shipping_method(shop.store, price=595)
    make_discount(shop.store, code="SHIPFREE", type="free_shipping", value=0)
    cart.add(candle)
    cart.checkout_data({"shippingAddress": GB_ADDRESS})
    body = data(
        cart.client.post(
            "/cart/shipping-option", {"shippingOptionId": method.pk}, cart=TOKEN
        )
    )
    assert body["totals"]["shipping"]["amount"] == 595
    body = data(cart.discount("SHIPFREE"))
    assert body["discountType"] == "free_shipping" and body["discountValue"] is None
    assert body["totals"]["shipping"]["amount"] == 0
    assert body["shippingOption"]["price"]["amount"] == 0
    options = data(cart.client.get("/cart/shipping-options", cart=TOKEN))
    assert options[0]["price"]["amount"] == 0


def test_code_that_stops_qualifying_is_dropped_with_a_message(cart, shop, candle):
    soap = make_product(shop.store, name="Soap")
    make_discount(shop.store, code="CANDLES", products=[candle])
    cart.add(soap)
    item = data(cart.add(candle))["items"][1]["id"]
    cart.discount("CANDLES")
    body = data(cart.delete(item))
    assert body["discountCode"] is None
    assert body["messages"] == [
        {
            "code": "discount_removed",
            "level": "warning",
            "itemId": None,
            "message": "The discount code CANDLES was removed from your cart because it no longer "
            "applies to any item in your cart.",
        }
    ]
    assert Order.objects.get(cart_token=TOKEN).discount_code == ""
    assert data(cart.get())["messages"] == []


def test_code_below_minimum_after_a_change_is_dropped(cart, shop):
    product = make_product(shop.store, price=3000)
    make_discount(shop.store, code="BIG", minimum_subtotal_amount=5000)
    item = data(cart.add(product, 2))["items"][0]["id"]
    assert cart.discount("BIG").status_code == 200
    body = data(cart.put(item, 1))
    assert body["discountCode"] is None
    assert (
        "because your subtotal is below its minimum" in body["messages"][0]["message"]
    )


def test_code_expired_or_deleted_after_applying_is_dropped(cart, candle, shop):
    discount = make_discount(shop.store)
    cart.add(candle)
    cart.discount("SPRING20")
    Discount.objects.filter(pk=discount.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    body = data(cart.get())
    assert body["discountCode"] is None
    assert body["messages"][0]["message"].endswith("because it has expired.")
    discount.expires_at = None
    discount.save()
    cart.discount("SPRING20")
    discount.delete()
    body = data(cart.get())
    assert body["discountCode"] is None
    assert body["messages"][0]["message"].endswith("because it is no longer valid.")


def test_per_customer_limit_by_customer_and_by_email(cart, candle, shop):
    discount = make_discount(shop.store, usage_limit_per_customer=1)
    customer = make_customer(shop.store, email="sam@example.com")
    past = Order.objects.create(
        store=shop.store, type="order", cart_token="old", currency="GBP"
    )
    DiscountRedemption.objects.create(
        store=shop.store,
        discount=discount,
        order=past,
        customer=customer,
        email="sam@example.com",
    )
    cart.add(candle)
    # Anonymous with no email: allowed.
    assert cart.discount("SPRING20").status_code == 200
    cart.client.delete("/cart/discount", cart=TOKEN)
    # Same email typed in checkout data: refused.
    cart.checkout_data({"email": "SAM@example.com"})
    response = cart.discount("SPRING20")
    assert response.status_code == 422
    assert error(response)["code"] == "discount_already_used"
    assert (
        error(response)["message"]
        == "You have already used the discount code SPRING20."
    )
    # Logged in as the customer on another token: refused too.
    other = Cart(cart.client, token="t2")
    log_in(shop.store, customer, cart_token="t2")
    other.add(candle)
    assert other.discount("SPRING20").status_code == 422


def test_applied_code_exhausted_meanwhile_is_dropped(cart, candle, shop):
    discount = make_discount(shop.store, usage_limit=1)
    cart.add(candle)
    cart.discount("SPRING20")
    Discount.objects.filter(pk=discount.pk).update(test_usage_count=1)
    body = data(cart.get())
    assert body["discountCode"] is None
    assert "usage limit" in body["messages"][0]["message"]


def test_discount_survives_a_price_change(cart, shop, vat):
    product = make_product(shop.store, price=1000)
    make_discount(shop.store, code="TEN", value=10)
    cart.add(product)
    cart.discount("TEN")
    Variant.objects.filter(product=product).update(price_amount=2000)
    body = data(cart.get())
    assert body["totals"]["discount"]["amount"] == 200
    assert body["totals"]["total"]["amount"] == 2160


def test_tax_inclusive_store_with_spring20(cart, candle, vat, shop):
    from core.services import store_update

    store_update(store=shop.store, data={"tax_inclusive": True})
    make_discount(shop.store)
    cart.add(candle, 3)
    body = data(cart.discount("SPRING20"))
    assert body["taxInclusive"] is True
    totals = {k: v["amount"] for k, v in body["totals"].items()}
    # The £57.60 paid contains its VAT: 5760 / 1.2 * 0.2 = 960.
    assert totals == {
        "subtotal": 7200,
        "discount": 1440,
        "tax": 960,
        "shipping": 0,
        "total": 5760,
    }

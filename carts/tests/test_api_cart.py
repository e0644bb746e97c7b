"""GET /cart and the cart items endpoints, through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Product, Variant
from orders.models import Order, OrderItem

from .conftest import GB_ADDRESS, TOKEN, Cart
from .factories import default_variant, log_in, make_customer, make_product

CART_KEYS = [
    "id",
    "type",
    "currency",
    "visitorCountry",
    "hasCheckoutData",
    "hasBillingAddress",
    "hasShippingAddress",
    "requiresShipping",
    "discountCode",
    "discountType",
    "discountValue",
    "isAuthenticated",
    "updatedAt",
    "items",
    "totals",
    "taxInclusive",
    "taxBreakdown",
    "messages",
]
ITEM_KEYS = [
    "id",
    "productId",
    "variantId",
    "productName",
    "productSlug",
    "variantName",
    "quantity",
    "price",
    "subtotal",
    "image",
    "trackInventory",
    "inStock",
    "inventoryCount",
    "productType",
]


def data(response):
    return response.json()["data"]


def money(amount):
    return {"amount": amount, "currency": "GBP", "formatted": f"£{amount / 100:,.2f}"}


# -- GET /cart -------------------------------------------------------------------------------


def test_get_cart_creates_an_empty_cart_for_a_new_token(cart, shop):
    response = cart.get()
    assert response.status_code == 200
    body = data(response)
    assert list(body) == CART_KEYS
    assert body["id"].startswith("ord_")
    assert body["type"] == "cart" and body["currency"] == "GBP"
    assert body["visitorCountry"] == "GB"
    assert body["items"] == [] and body["messages"] == [] and body["taxBreakdown"] == []
    assert body["totals"] == {
        k: money(0) for k in ("subtotal", "tax", "shipping", "discount", "total")
    }
    assert body["discountCode"] is None and body["isAuthenticated"] is False
    assert "customer" not in body and "shippingOption" not in body
    assert Order.objects.get(pk=body["id"]).cart_token == TOKEN
    # The same token finds the same cart.
    assert data(cart.get())["id"] == body["id"]
    assert Order.objects.filter(type="cart").count() == 1


def test_reference_cart_example_two_candles_with_vat(cart, candle, vat):
    cart.add(candle, 2)
    body = data(cart.get())
    assert body["requiresShipping"] is True and body["taxInclusive"] is False
    item = body["items"][0]
    assert list(item) == ITEM_KEYS
    assert item["productId"] == candle.pk and item["variantId"] is None
    assert (
        item["productName"] == "Hand-poured candle"
        and item["productSlug"] == "hand-poured-candle"
    )
    assert item["variantName"] is None and item["quantity"] == 2
    assert item["price"] == money(2400) and item["subtotal"] == money(4800)
    assert item["image"]["path"] == "uploads/hand-poured-candle.jpg"
    assert item["image"]["alt"] == "Hand-poured candle"
    assert (item["trackInventory"], item["inStock"], item["inventoryCount"]) == (
        True,
        True,
        47,
    )
    assert item["productType"] == "physical"
    assert body["totals"] == {
        "subtotal": money(4800),
        "tax": money(960),
        "shipping": money(0),
        "discount": money(0),
        "total": money(5760),
    }
    assert body["taxBreakdown"] == [
        {"name": "VAT", "rate": 0.2, "amount": money(960), "jurisdiction": "GB"}
    ]


def test_missing_cart_token_is_a_422_naming_the_header(public, candle):
    for method, path, body in [
        ("GET", "/cart", None),
        ("POST", "/cart/items", {"productId": candle.pk}),
        ("PUT", "/cart/items/oitm_01J9Z3K8Q4T6V0W2X5Y7A9BCDE", {"quantity": 1}),
        ("DELETE", "/cart/items/oitm_01J9Z3K8Q4T6V0W2X5Y7A9BCDE", None),
        ("POST", "/cart/discount", {"code": "X"}),
        ("DELETE", "/cart/discount", None),
        ("POST", "/cart/estimate", {"countryCode": "GB"}),
        ("GET", "/cart/shipping-options", None),
        ("POST", "/cart/shipping-option", {"shippingOptionId": "shm_x"}),
        ("GET", "/cart/checkout-data", None),
        ("PUT", "/cart/checkout-data", {}),
    ]:
        response = public.request(method, path, body)
        assert response.status_code == 422, (method, path)
        error = response.json()["error"]
        assert error["code"] == "cart_token_required"
        assert "X-Cart-Token" in error["fields"]
    assert not Order.objects.exists()


def test_visitor_country_header_sets_the_default_tax_destination(
    public, shop, vat, candle
):
    from .factories import make_tax_rate

    make_tax_rate(shop.store, country_code="DE", rate="0.19", name="MwSt")
    response = public.get("/cart", cart="de-visitor", headers={"CF-IPCountry": "DE"})
    assert data(response)["visitorCountry"] == "DE"
    public.post("/cart/items", {"productId": candle.pk}, cart="de-visitor")
    body = data(public.get("/cart", cart="de-visitor"))
    assert body["totals"]["tax"]["amount"] == 456
    assert body["taxBreakdown"][0]["jurisdiction"] == "DE"
    # A nonsense header falls back to the store's country.
    assert (
        data(public.get("/cart", cart="x", headers={"CF-IPCountry": "XX"}))[
            "visitorCountry"
        ]
        == "GB"
    )


def test_line_prices_are_read_from_the_catalog_each_time(cart, candle):
    cart.add(candle, 2)
    Product.objects.filter(pk=candle.pk).update(price_amount=3000, name="Candle v2")
    body = data(cart.get())
    assert body["items"][0]["price"]["amount"] == 3000
    assert body["items"][0]["productName"] == "Candle v2"
    assert body["totals"]["subtotal"]["amount"] == 6000
    # A running sale shows too.
    Product.objects.filter(pk=candle.pk).update(sale_price_amount=2000)
    assert data(cart.get())["items"][0]["price"]["amount"] == 2000


def test_get_cart_query_count_does_not_grow_with_lines(cart, shop, vat):
    from .factories import make_category, make_discount

    category = make_category(shop.store)
    make_discount(shop.store, code="CATS", categories=[category])
    first = make_product(shop.store, image=True, categories=[category])
    cart.add(first)
    cart.discount("CATS")
    with CaptureQueriesContext(connection) as one_line:
        assert cart.get().status_code == 200
    for _ in range(3):
        cart.add(make_product(shop.store, image=True, categories=[category]))
        shirt = make_product(
            shop.store,
            image=True,
            categories=[category],
            variants=[{"values": {"Size": "S"}}, {"values": {"Size": "L"}}],
        )
        assert cart.add(shirt, variant_id=shirt.variants.first().pk).status_code == 200
    with CaptureQueriesContext(connection) as seven_lines:
        body = data(cart.get())
    assert len(body["items"]) == 7
    assert len(seven_lines) == len(one_line)
    assert len(seven_lines) <= 14


def test_cross_store_and_mode_isolation(cart, candle, other_shop, api_client_for, shop):
    cart.add(candle, 2)
    mine = data(cart.get())
    other = Cart(api_client_for("public", other_shop.pk))
    theirs = data(other.get())
    assert theirs["id"] != mine["id"] and theirs["items"] == []
    # Another store's product cannot be added, nor another cart's line changed.
    assert other.add(candle).status_code == 404
    item_id = mine["items"][0]["id"]
    assert other.put(item_id, 5).status_code == 404
    assert other.delete(item_id).status_code == 404
    assert OrderItem.objects.get(pk=item_id).quantity == 2
    # The live key of the same store has its own carts for the same token.
    live = Cart(api_client_for("public", shop.live_pk))
    assert data(live.get())["items"] == []


# -- POST /cart/items ---------------------------------------------------------------------------


def test_add_by_slug_and_increment_the_same_line(cart, candle):
    response = cart.add("hand-poured-candle")
    assert response.status_code == 200
    body = data(cart.add(candle.pk, 2))
    assert len(body["items"]) == 1 and body["items"][0]["quantity"] == 3
    assert OrderItem.objects.get().variant_id == default_variant(candle).pk


def test_quantity_defaults_to_one(cart, candle):
    assert data(cart.add(candle))["items"][0]["quantity"] == 1


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.ARCHIVED])
def test_draft_and_archived_products_are_not_found(cart, shop, status):
    product = make_product(shop.store, status=status)
    response = cart.add(product)
    assert response.status_code == 404
    assert not OrderItem.objects.exists()


def test_unknown_product_is_not_found(cart):
    assert cart.add("prod_nope").status_code == 404
    assert cart.add("no-such-slug").status_code == 404


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "productId"),
        ({"productId": 12}, "productId"),
        ({"productId": "x", "quantity": 0}, "quantity"),
        ({"productId": "x", "quantity": "2"}, "quantity"),
        ({"productId": "x", "quantity": 10001}, "quantity"),
    ],
)
def test_add_validation(cart, body, field):
    response = cart.client.post("/cart/items", body, cart=TOKEN)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


def test_variants_required_named_and_checked(cart, shop):
    shirt = make_product(
        shop.store,
        name="Shirt",
        variants=[
            {"values": {"Size": "S", "Colour": "Red"}, "price": 2000, "stock": 5},
            {"values": {"Size": "L", "Colour": "Blue"}, "price": 2600, "stock": 5},
        ],
    )
    small, large = list(shirt.variants.order_by("position"))
    response = cart.add(shirt)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "variant_required"
    assert "variantId" in response.json()["error"]["fields"]
    other = make_product(shop.store, variants=[{"values": {"Size": "M"}}])
    response = cart.add(shirt, variant_id=other.variants.get().pk)
    assert (
        response.status_code == 422
        and response.json()["error"]["code"] == "variant_mismatch"
    )
    body = data(cart.add(shirt, variant_id=large.pk))
    item = body["items"][0]
    assert item["variantId"] == large.pk and item["variantName"] == "L / Blue"
    assert item["price"]["amount"] == 2600
    body = data(cart.add(shirt, 2, variant_id=small.pk))
    assert [(i["variantId"], i["quantity"]) for i in body["items"]] == [
        (large.pk, 1),
        (small.pk, 2),
    ]


def test_simple_product_refuses_a_foreign_variant_but_accepts_its_own(
    cart, candle, shop
):
    stranger = make_product(shop.store)
    response = cart.add(candle, variant_id=default_variant(stranger).pk)
    assert (
        response.status_code == 422
        and response.json()["error"]["code"] == "variant_mismatch"
    )
    assert cart.add(candle, variant_id=default_variant(candle).pk).status_code == 200


def test_min_and_max_order_quantity(cart, shop):
    product = make_product(
        shop.store, name="Wax", min_order_quantity=2, max_order_quantity=4
    )
    response = cart.add(product, 1)
    assert response.status_code == 422
    assert (
        response.json()["error"]["message"]
        == "The minimum order quantity for Wax is 2."
    )
    assert cart.add(product, 3).status_code == 200
    response = cart.add(product, 2)
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "You can buy at most 4 of Wax."
    assert OrderItem.objects.get().quantity == 3


def test_adding_more_than_the_stock_is_a_409(cart, shop):
    product = make_product(shop.store, name="Rare", stock=3)
    response = cart.add(product, 4)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "out_of_stock"
    cart.add(product, 2)
    response = cart.add(product, 2)
    assert response.status_code == 409
    assert "2 already in your cart" in response.json()["error"]["message"]
    assert OrderItem.objects.get().quantity == 2


def test_untracked_inventory_is_not_limited(cart, shop):
    product = make_product(shop.store, stock=0, track_inventory=False)
    body = data(cart.add(product, 50))
    assert body["items"][0]["quantity"] == 50
    assert (
        body["items"][0]["inStock"] is True
        and body["items"][0]["inventoryCount"] is None
    )


def test_digital_only_cart_requires_no_shipping(cart, shop):
    ebook = make_product(shop.store, product_type="digital", price=999)
    body = data(cart.add(ebook))
    assert body["requiresShipping"] is False
    assert body["items"][0]["productType"] == "digital"


# -- PUT / DELETE /cart/items/{item} -------------------------------------------------------------


def test_put_sets_quantity_and_zero_removes(cart, candle, vat):
    item_id = data(cart.add(candle))["items"][0]["id"]
    response = cart.put(item_id, 5)
    assert response.status_code == 200
    body = data(response)
    assert body["items"][0]["quantity"] == 5
    assert body["totals"]["subtotal"] == money(12000) and body["totals"][
        "total"
    ] == money(14400)
    body = data(cart.put(item_id, 0))
    assert body["items"] == [] and body["totals"]["total"] == money(0)
    assert not OrderItem.objects.exists()


def test_put_caps_to_stock_with_a_message(cart, shop):
    product = make_product(shop.store, name="Rare", stock=3)
    item_id = data(cart.add(product))["items"][0]["id"]
    body = data(cart.put(item_id, 10))
    assert body["items"][0]["quantity"] == 3
    assert body["messages"][0]["code"] == "stock_limited"
    assert body["messages"][0]["itemId"] == item_id
    assert "Only 3 of Rare" in body["messages"][0]["message"]


def test_put_respects_min_and_max(cart, shop):
    product = make_product(shop.store, min_order_quantity=2, max_order_quantity=5)
    item_id = data(cart.add(product, 2))["items"][0]["id"]
    assert cart.put(item_id, 1).status_code == 422
    assert cart.put(item_id, 6).status_code == 422
    assert OrderItem.objects.get().quantity == 2


def test_put_on_an_out_of_stock_product_is_a_409(cart, shop):
    product = make_product(shop.store, stock=2)
    item_id = data(cart.add(product))["items"][0]["id"]
    Variant.objects.filter(product=product).update(stock=0)
    response = cart.put(item_id, 2)
    assert response.status_code == 409
    assert OrderItem.objects.get().quantity == 1


def test_put_validation_and_unknown_item(cart, candle):
    item_id = data(cart.add(candle))["items"][0]["id"]
    assert cart.put(item_id, -1).status_code == 422
    response = cart.client.put(f"/cart/items/{item_id}", {}, cart=TOKEN)
    assert (
        response.status_code == 422 and "quantity" in response.json()["error"]["fields"]
    )
    assert cart.put("oitm_unknown", 1).status_code == 404


def test_delete_item(cart, candle, shop):
    other = make_product(shop.store)
    cart.add(candle)
    body = data(cart.add(other))
    response = cart.delete(body["items"][0]["id"])
    assert response.status_code == 200
    assert [i["productId"] for i in data(response)["items"]] == [other.pk]
    assert cart.delete(body["items"][0]["id"]).status_code == 404


# -- corrections on read ----------------------------------------------------------------------


def test_a_line_whose_stock_fell_is_capped_on_read(cart, shop):
    product = make_product(shop.store, name="Soap", stock=10)
    cart.add(product, 6)
    Variant.objects.filter(product=product).update(stock=4)
    body = data(cart.get())
    assert body["items"][0]["quantity"] == 4
    assert body["messages"] == [
        {
            "code": "stock_limited",
            "level": "warning",
            "itemId": body["items"][0]["id"],
            "message": "Only 4 of Soap left in stock; the quantity was reduced to 4.",
        }
    ]
    assert OrderItem.objects.get().quantity == 4
    assert data(cart.get())["messages"] == []


def test_out_of_stock_and_unpublished_lines_are_removed_with_a_message(cart, shop):
    gone = make_product(shop.store, name="Gone")
    empty = make_product(shop.store, name="Empty")
    kept = make_product(shop.store, name="Kept")
    for product in (gone, empty, kept):
        cart.add(product)
    Product.objects.filter(pk=gone.pk).update(status=Product.Status.ARCHIVED)
    Variant.objects.filter(product=empty).update(stock=0)
    body = data(cart.get())
    assert [i["productName"] for i in body["items"]] == ["Kept"]
    assert [m["code"] for m in body["messages"]] == ["item_unavailable", "out_of_stock"]
    assert OrderItem.objects.count() == 1


def test_lowered_maximum_caps_the_line(cart, shop):
    product = make_product(shop.store, name="Jar")
    cart.add(product, 5)
    Product.objects.filter(pk=product.pk).update(max_order_quantity=2)
    body = data(cart.get())
    assert body["items"][0]["quantity"] == 2
    assert body["messages"][0]["code"] == "quantity_limited"


# -- idle carts and customers -------------------------------------------------------------------


def test_a_cart_idle_over_two_hours_forgets_email_and_addresses(cart, candle, vat):
    cart.add(candle)
    cart.checkout_data(
        {
            "email": "sam@example.com",
            "shippingAddress": GB_ADDRESS,
            "notes": "Gift wrap",
        }
    )
    body = data(cart.get())
    assert body["hasCheckoutData"] is True and body["hasShippingAddress"] is True
    assert body["customer"] == {
        "customerId": None,
        "email": "sam@example.com",
        "firstName": None,
        "lastName": None,
    }
    Order.objects.filter(cart_token=TOKEN).update(
        updated_at=timezone.now() - timedelta(hours=3)
    )
    body = data(cart.get())
    assert body["hasCheckoutData"] is False and body["hasShippingAddress"] is False
    assert "customer" not in body
    assert len(body["items"]) == 1  # the lines stay
    checkout = data(cart.client.get("/cart/checkout-data", cart=TOKEN))
    assert checkout["email"] is None and checkout["shippingAddress"] is None
    assert checkout["notes"] is None
    row = Order.objects.get(cart_token=TOKEN)
    assert row.email == "" and row.shipping_address is None


def test_a_change_to_an_idle_cart_does_not_bring_its_checkout_data_back(
    cart, candle, shop
):
    cart.add(candle)
    cart.checkout_data({"email": "sam@example.com", "shippingAddress": GB_ADDRESS})
    Order.objects.filter(cart_token=TOKEN).update(
        updated_at=timezone.now() - timedelta(hours=3)
    )
    body = data(cart.add(make_product(shop.store)))
    assert body["hasShippingAddress"] is False and "customer" not in body
    assert Order.objects.get(cart_token=TOKEN).email == ""


def test_a_cart_idle_under_two_hours_keeps_its_checkout_data(cart, candle):
    cart.add(candle)
    cart.checkout_data({"email": "sam@example.com", "shippingAddress": GB_ADDRESS})
    Order.objects.filter(cart_token=TOKEN).update(
        updated_at=timezone.now() - timedelta(minutes=100)
    )
    assert data(cart.get())["hasCheckoutData"] is True


def test_authenticated_customer_snapshot(cart, shop, candle):
    customer = make_customer(
        shop.store, email="sam@example.com", first_name="Sam", last_name="Buyer"
    )
    log_in(shop.store, customer, cart_token=TOKEN)
    body = data(cart.get())
    assert body["isAuthenticated"] is True
    assert body["customer"] == {
        "customerId": customer.pk,
        "email": "sam@example.com",
        "firstName": "Sam",
        "lastName": "Buyer",
    }

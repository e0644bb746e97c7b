"""Public order endpoints: the order page and its status, and the customer's order history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders import services
from orders.models import Order

pytestmark = pytest.mark.django_db

TOKEN = "visitor-token"


@pytest.fixture
def paid_order(shop, make_order, make_variant):
    variant = make_variant(
        shop.store, name="Hand-poured candle", price=2400, sku="CANDLE-001"
    )
    order = make_order(
        shop.store,
        lines=[(variant, 2)],
        shipping=395,
        tax=960,
        payment_gateway="offline",
        payment_intent_id="pi_test_1",
    )
    return services.order_mark_paid(order=order)


def test_the_order_page_shows_the_reduced_order_to_its_cart_token(public, paid_order):
    response = public.get(f"/orders/{paid_order.id}", cart=TOKEN)
    assert response.status_code == 200
    assert response.json()["data"] == {
        "id": paid_order.id,
        "orderNumber": "1001",
        "paymentStatus": "paid",
        "fulfillmentStatus": "unfulfilled",
        "currency": "GBP",
        "totals": {
            "subtotal": {"amount": 4800, "currency": "GBP", "formatted": "£48.00"},
            "tax": {"amount": 960, "currency": "GBP", "formatted": "£9.60"},
            "shipping": {"amount": 395, "currency": "GBP", "formatted": "£3.95"},
            "discount": {"amount": 0, "currency": "GBP", "formatted": "£0.00"},
            "total": {"amount": 6155, "currency": "GBP", "formatted": "£61.55"},
        },
        "items": [
            {
                "productName": "Hand-poured candle",
                "variantName": None,
                "quantity": 2,
                "price": {"amount": 2400, "currency": "GBP", "formatted": "£24.00"},
                "subtotal": {"amount": 4800, "currency": "GBP", "formatted": "£48.00"},
                "components": [],  # a bundle line's contents (issue 19)
            }
        ],
        "shippingAddress": {
            "firstName": "Sam",
            "lastName": "Buyer",
            "company": None,
            "line1": "221B Baker Street",
            "line2": None,
            "city": "London",
            "state": None,
            "postcode": "NW1 6XE",
            "countryCode": "GB",
            "phone": None,
        },
        "discountCode": None,
        "shippingOptionName": None,
        "paymentMethod": None,
        "bankTransfer": None,
        "email": paid_order.email or None,
        "createdAt": paid_order.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        # Download links of digital products (issue 19; none for a candle).
        "downloads": [],
    }


def test_money_follows_accept_language(public, paid_order):
    response = public.get(
        f"/orders/{paid_order.id}", cart=TOKEN, headers={"Accept-Language": "fr"}
    )
    assert response.json()["data"]["totals"]["total"]["formatted"] == "61,55\u00a0£"


def test_no_one_else_sees_the_order(
    public, paid_order, other_shop, api_client_for, shop
):
    assert (
        public.get(f"/orders/{paid_order.id}", cart="someone-else").status_code == 404
    )
    assert (
        public.get(f"/orders/{paid_order.id}/status", cart="someone-else").status_code
        == 404
    )
    other = api_client_for("public", other_shop.pk)
    assert other.get(f"/orders/{paid_order.id}", cart=TOKEN).status_code == 404
    live = api_client_for("public", shop.live_pk)
    assert live.get(f"/orders/{paid_order.id}", cart=TOKEN).status_code == 404
    body = public.get("/orders/ord_01J9Z3K8Q4T6V0W2X5Y7A9BCDE", cart=TOKEN).json()
    assert body == {"error": {"code": "not_found", "message": "Order not found."}}
    missing = public.get(f"/orders/{paid_order.id}")
    assert (
        missing.status_code == 422
        and "X-Cart-Token" in missing.json()["error"]["fields"]
    )


def test_a_cart_is_not_an_order(public, shop):
    cart = Order.objects.create(store=shop.store, cart_token=TOKEN, currency="GBP")
    assert public.get(f"/orders/{cart.id}", cart=TOKEN).status_code == 404


def test_live_orders_need_a_live_key(shop, make_order, api_client_for, public):
    order = make_order(shop.store, mode="live", reserve=False)
    live = api_client_for("public", shop.live_pk)
    assert live.get(f"/orders/{order.id}", cart=TOKEN).status_code == 200
    assert public.get(f"/orders/{order.id}", cart=TOKEN).status_code == 404


def test_the_owning_customer_sees_the_order_from_another_token(
    public, paid_order, shop, make_customer
):
    customer = make_customer(shop.store, cart_token="new-device")
    assert public.get(f"/orders/{paid_order.id}", cart="new-device").status_code == 404
    Order.objects.filter(pk=paid_order.pk).update(customer=customer)
    assert public.get(f"/orders/{paid_order.id}", cart="new-device").status_code == 200
    stranger = make_customer(
        shop.store, email="other@example.com", cart_token="stranger"
    )
    assert (
        stranger
        and public.get(f"/orders/{paid_order.id}", cart="stranger").status_code == 404
    )


@pytest.mark.parametrize(
    "fields, word",
    [
        ({"payment_status": "paid", "payment_intent_status": "succeeded"}, "succeeded"),
        (
            {"payment_status": "refunded", "payment_intent_status": "succeeded"},
            "succeeded",
        ),
        (
            {"payment_status": "pending", "payment_intent_status": "requires_action"},
            "requires_action",
        ),
        (
            {"payment_status": "pending", "payment_intent_status": "processing"},
            "processing",
        ),
        (
            {"payment_status": "pending", "payment_method": "bank_transfer"},
            "processing",
        ),
        (
            {
                "payment_status": "failed",
                "payment_intent_status": "requires_payment_method",
            },
            "failed",
        ),
        ({"payment_status": "failed", "payment_intent_status": "canceled"}, "failed"),
        ({"payment_status": "cancelled"}, "canceled"),
    ],
)
def test_status_speaks_the_payments_words(public, shop, make_order, fields, word):
    order = make_order(shop.store, reserve=False, **fields)
    response = public.get(f"/orders/{order.id}/status", cart=TOKEN)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data == {
        "paymentStatus": word,
        "fulfillmentStatus": "unfulfilled",
        "updatedAt": order.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


# -- account orders -----------------------------------------------------------------------


def test_account_orders_need_an_authenticated_customer(public, paid_order):
    for path in ("/account/orders", f"/account/orders/{paid_order.id}"):
        response = public.get(path, cart=TOKEN)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "customer_unauthenticated"
        assert public.get(path).status_code == 401


def test_account_orders_lists_the_customers_orders_newest_first(
    public, shop, make_customer, make_order, make_variant
):
    customer = make_customer(shop.store, cart_token="logged-in")
    other = make_customer(shop.store, email="other@example.com")
    now = timezone.now()
    mine = []
    for days in (3, 1, 2):
        order = make_order(
            shop.store,
            customer=customer,
            reserve=False,
            lines=[(make_variant(shop.store), 1), (make_variant(shop.store), 2)],
        )
        Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=days))
        mine.append(order)
    make_order(shop.store, customer=other, reserve=False)
    make_order(shop.store, customer=customer, reserve=False, mode="live")
    Order.objects.create(
        store=shop.store, cart_token="logged-in", currency="GBP", customer=customer
    )
    response = public.get("/account/orders", cart="logged-in", query={"perPage": 2})
    assert response.status_code == 200
    body = response.json()
    assert [o["id"] for o in body["data"]] == [mine[1].id, mine[2].id]
    assert body["meta"] == {"currentPage": 1, "perPage": 2, "total": 3, "lastPage": 2}
    first = body["data"][0]
    assert set(first) == {
        "id",
        "orderNumber",
        "paymentStatus",
        "fulfillmentStatus",
        "currency",
        "totals",
        "itemCount",
        "createdAt",
    }
    assert first["itemCount"] == 3
    assert first["totals"] == {
        "total": {"amount": 7200, "currency": "GBP", "formatted": "£72.00"}
    }
    page2 = public.get(
        "/account/orders", cart="logged-in", query={"page": 2, "perPage": 2}
    ).json()
    assert [o["id"] for o in page2["data"]] == [mine[0].id]


def test_account_orders_query_count_does_not_grow_with_the_page(
    public, shop, make_customer, make_order, django_assert_max_num_queries
):
    customer = make_customer(shop.store, cart_token="logged-in")
    for _ in range(3):
        make_order(shop.store, customer=customer, reserve=False)
    with django_assert_max_num_queries(8) as small:
        public.get("/account/orders", cart="logged-in")
    for _ in range(12):
        make_order(shop.store, customer=customer, reserve=False)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(public.get("/account/orders", cart="logged-in").json()["data"]) == 15


def test_account_order_detail_is_the_full_order_object(
    public, shop, make_customer, paid_order
):
    customer = make_customer(shop.store, cart_token="logged-in", first_name="Samantha")
    Order.objects.filter(pk=paid_order.pk).update(customer=customer)
    response = public.get(f"/account/orders/{paid_order.id}", cart="logged-in")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["orderNumber"] == "1001" and data["type"] == "order"
    assert (
        data["paymentStatus"] == "paid" and data["fulfillmentStatus"] == "unfulfilled"
    )
    assert data["totals"] == {
        "subtotal": {"amount": 4800, "currency": "GBP", "formatted": "£48.00"},
        "tax": {"amount": 960, "currency": "GBP", "formatted": "£9.60"},
        "shipping": {"amount": 395, "currency": "GBP", "formatted": "£3.95"},
        "discount": {"amount": 0, "currency": "GBP", "formatted": "£0.00"},
        "total": {"amount": 6155, "currency": "GBP", "formatted": "£61.55"},
    }
    [item] = data["items"]
    variant = paid_order.items.get().variant
    assert item == {
        "id": paid_order.items.get().id,
        "productId": variant.product_id,
        "variantId": variant.id,
        "productName": "Hand-poured candle",
        "variantName": None,
        "sku": "CANDLE-001",
        "quantity": 2,
        "price": {"amount": 2400, "currency": "GBP", "formatted": "£24.00"},
        "subtotal": {"amount": 4800, "currency": "GBP", "formatted": "£48.00"},
        "components": [],  # a bundle line's contents (issue 19)
    }
    assert data["billingAddress"]["line1"] == "221B Baker Street"
    assert data["customer"] == {
        "id": customer.id,
        "email": "sam@example.com",
        "firstName": "Samantha",
        "lastName": "Buyer",
    }
    assert (
        data["paidAt"] is not None
        and data["fulfilledAt"] is None
        and data["cancelledAt"] is None
    )
    for private in ("payment", "internalNotes", "metadata", "refunded"):
        assert private not in data


def test_another_customers_order_is_a_404(public, shop, make_customer, paid_order):
    owner = make_customer(shop.store, email="owner@example.com")
    Order.objects.filter(pk=paid_order.pk).update(customer=owner)
    make_customer(shop.store, email="me@example.com", cart_token="logged-in")
    assert (
        public.get(f"/account/orders/{paid_order.id}", cart="logged-in").status_code
        == 404
    )
    assert public.get("/account/orders", cart="logged-in").json()["data"] == []


def test_test_orders_are_listed_only_with_test_keys(
    shop, make_customer, make_order, api_client_for, public
):
    customer = make_customer(shop.store, cart_token="logged-in", mode="live")
    order = make_order(shop.store, customer=customer, reserve=False)
    live = api_client_for("public", shop.live_pk)
    assert live.get("/account/orders", cart="logged-in").json()["data"] == []
    assert live.get(f"/account/orders/{order.id}", cart="logged-in").status_code == 404
    # The same token in test mode has no session: the live login does not carry over.
    assert public.get("/account/orders", cart="logged-in").status_code == 401

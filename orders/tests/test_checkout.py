"""POST /cart/checkout through HTTP with the offline gateway (Stripe's test cards)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test import Client, TestCase
from django.utils import timezone

from carts.models import Discount, DiscountRedemption
from carts.tests.factories import log_in, make_customer, make_discount, make_product
from catalog.models import InventoryAdjustment, Product, Variant
from customers.models import Address, Customer
from orders import services
from orders.models import OfflinePaymentIntent, Order, PaymentAttempt
from webhooks.models import Event

from .conftest import CHECKOUT_ADDRESS, Shopper

pytestmark = pytest.mark.django_db

THANKS = "https://shop.example/thanks"


def _address() -> dict:
    return dict(CHECKOUT_ADDRESS)


def stock(product) -> int:
    """What test mode can buy (these checkouts use the test key; live stock is untouched)."""
    return Variant.objects.get(product=product).available_stock("test")


def events(*types) -> list[str]:
    return list(
        Event.objects.filter(type__in=types or ("order.created", "order.paid"))
        .order_by("created_at", "id")
        .values_list("type", flat=True)
    )


def data(response) -> dict:
    return response.json()["data"]


def error(response) -> dict:
    return response.json()["error"]


def three_ds(order: Order, action: str):
    """The shopper's choice on the offline gateway's 3-D Secure page."""
    path = urlsplit(order.next_action_url).path
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        return Client().post(path, {"action": action})


# -- succeeded ----------------------------------------------------------------------------


@pytest.mark.parametrize("card", ["pm_card_visa", "pm_card_mastercard"])
def test_a_good_card_pays_and_the_order_is_complete(
    card, shopper, checkout_shop, public
):
    shop = checkout_shop
    shopper.ready(shop.candle, 2, method=shop.method)
    cart_id = shopper.cart()["id"]

    response = shopper.checkout(card, returnUrl=THANKS)

    assert response.status_code == 200, response.json()
    assert data(response) == {
        "orderId": cart_id,
        "orderNumber": "1001",
        "status": "paid",
        "paymentStatus": "succeeded",
        "requiresAction": False,
        "nextActionUrl": None,
        "redirectUrl": f"{THANKS}?order={cart_id}",
    }
    order = Order.objects.get(pk=cart_id)
    assert order.type == "order" and order.payment_status == "paid"
    assert order.order_number == 1001 and order.paid_at and order.placed_at
    assert (order.payment_method, order.payment_gateway) == (card, "offline")
    assert order.payment_intent_id.startswith("pi_test_")
    assert not order.reservation_expires_at and order.stock_reserved
    # Snapshots: 2 × £24.00, £3.95 shipping, 20% VAT on both.
    assert (order.subtotal_amount, order.shipping_amount, order.tax_amount) == (
        4800,
        395,
        1039,
    )
    assert order.total_amount == 6234
    assert order.tax_breakdown == [
        {"name": "VAT", "rate": "0.2", "amount": 1039, "jurisdiction": "GB"}
    ]
    assert order.shipping_option == {
        "id": shop.method.pk,
        "name": shop.method.name,
        "price": 395,
    }
    assert order.billing_address == order.shipping_address
    assert order.shipping_address["postcode"] == "NW1 6XE"
    item = order.items.get()
    assert (item.product_name, item.sku, item.quantity) == (
        "Hand-poured candle",
        item.sku,
        2,
    )
    assert (item.unit_price_amount, item.subtotal_amount) == (2400, 4800)
    # Stock taken once, with an audit row.
    assert stock(shop.candle) == 8
    adjustment = InventoryAdjustment.objects.get(reference=order.id)
    assert (adjustment.source, adjustment.stock_before, adjustment.stock_after) == (
        "checkout",
        10,
        8,
    )
    # A guest customer for the email, with the shipping address saved.
    customer = Customer.objects.get(store=shop.store, email="sam@example.com")
    assert order.customer == customer and (customer.first_name, customer.last_name) == (
        "Sam",
        "Buyer",
    )
    assert Address.objects.get(customer=customer).line1 == "221B Baker Street"
    # Events, emails, attempts.
    assert events() == ["order.created", "order.paid"]
    created = Event.objects.get(type="order.created")
    assert created.data["id"] == order.id and created.data["orderNumber"] == "1001"
    # The number is taken last in the transaction, and filled in wherever it goes.
    placed = "Order #1001 placed by sam@example.com"
    assert order.timeline.get(type="placed").message.startswith(placed)
    assert created.data["timeline"][0]["message"].startswith(placed)
    paid = Event.objects.get(type="order.paid").data
    assert paid["orderNumber"] == "1001" and paid["paymentStatus"] == "paid"
    assert created.data["paymentStatus"] == "pending"
    assert "order-number" not in str([created.data, paid])
    assert sorted(m.to[0] for m in mail.outbox) == [
        "orders@acme.example",
        "sam@example.com",
    ]
    attempt = PaymentAttempt.objects.get(order=order)
    assert (attempt.number, attempt.status, attempt.intent_id) == (
        1,
        "succeeded",
        order.payment_intent_id,
    )
    assert attempt.idempotency_key == f"order-{order.id}-attempt-1"
    # The token is free for a new cart; the order is readable with it.
    cart = shopper.cart()
    assert cart["id"] != cart_id and cart["items"] == [] and cart["type"] == "cart"
    assert (
        data(public.get(f"/orders/{order.id}", cart=shopper.token))["paymentStatus"]
        == "paid"
    )
    status = data(public.get(f"/orders/{order.id}/status", cart=shopper.token))
    assert status["paymentStatus"] == "succeeded"


def test_without_return_url_the_redirect_url_is_null(shopper, checkout_shop):
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    body = data(shopper.checkout())
    assert body["redirectUrl"] is None and body["status"] == "paid"


def test_a_return_url_keeps_its_query_string(shopper, checkout_shop):
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    body = data(shopper.checkout(returnUrl="https://shop.example/done?from=widget"))
    assert (
        body["redirectUrl"]
        == f"https://shop.example/done?from=widget&order={body['orderId']}"
    )


def test_order_numbers_follow_each_other(public, checkout_shop):
    numbers = []
    for n in range(3):
        buyer = Shopper(public, token=f"buyer-{n}")
        buyer.ready(
            checkout_shop.candle, method=checkout_shop.method, email=f"b{n}@example.com"
        )
        numbers.append(data(buyer.checkout())["orderNumber"])
    assert numbers == ["1001", "1002", "1003"]
    assert Customer.objects.filter(store=checkout_shop.store).count() == 3


# -- declined -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "card, message",
    [
        ("pm_card_chargeDeclined", "Your card was declined."),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "Your card has insufficient funds.",
        ),
    ],
)
def test_a_declined_card_is_a_402_and_leaves_the_cart_intact(
    card, message, shopper, checkout_shop
):
    shop = checkout_shop
    discount = make_discount(shop.store, code="SPRING20", value=20)
    shopper.ready(shop.candle, 2, method=shop.method)
    shopper.discount("SPRING20")
    before = shopper.cart()
    data_before = shopper.client.get("/cart/checkout-data", cart=shopper.token).json()

    response = shopper.checkout(card, returnUrl=THANKS)

    assert response.status_code == 402
    assert error(response) == {
        "code": "card_declined",
        "message": message,
        "fields": {"paymentMethod": [message]},
    }
    after = shopper.cart()
    for key in (
        "id",
        "type",
        "items",
        "totals",
        "discountCode",
        "shippingOption",
        "customer",
    ):
        assert after[key] == before[key], key
    assert (
        shopper.client.get("/cart/checkout-data", cart=shopper.token).json()
        == data_before
    )
    order = Order.objects.get(pk=before["id"])
    assert (
        order.type == "cart" and order.order_number is None and not order.stock_reserved
    )
    assert (order.payment_method, order.payment_intent_id, order.placed_at) == (
        "",
        "",
        None,
    )
    assert order.customer_id is None and order.billing_address is None
    assert stock(shop.candle) == 10
    discount.refresh_from_db()
    assert discount.test_usage_count == 0 and not DiscountRedemption.objects.exists()
    assert events() == [] and mail.outbox == []
    attempt = PaymentAttempt.objects.get(order=order)
    assert attempt.status == "declined" and attempt.message == message
    assert attempt.decline_code in ("generic_decline", "insufficient_funds")


def test_declined_then_retried_with_a_good_card(shopper, checkout_shop):
    shop = checkout_shop
    discount = make_discount(shop.store, code="SPRING20", value=20, usage_limit=1)
    shopper.ready(shop.candle, 2, method=shop.method)
    shopper.discount("SPRING20")
    cart_id = shopper.cart()["id"]

    assert shopper.checkout("pm_card_chargeDeclined").status_code == 402
    assert (
        shopper.checkout("pm_card_chargeDeclinedInsufficientFunds").status_code == 402
    )
    response = shopper.checkout("pm_card_visa")

    assert response.status_code == 200, response.json()
    assert (
        data(response)["orderId"] == cart_id and data(response)["orderNumber"] == "1001"
    )
    assert Order.objects.filter(type="order").count() == 1
    assert stock(shop.candle) == 8
    assert (
        InventoryAdjustment.objects.filter(reference=cart_id, source="checkout").count()
        == 3
    )
    assert (
        InventoryAdjustment.objects.filter(reference=cart_id, source="release").count()
        == 2
    )
    attempts = list(PaymentAttempt.objects.filter(order_id=cart_id).order_by("number"))
    assert [(a.number, a.status) for a in attempts] == [
        (1, "declined"),
        (2, "declined"),
        (3, "succeeded"),
    ]
    assert len({a.idempotency_key for a in attempts}) == 3
    assert OfflinePaymentIntent.objects.filter(order_id=cart_id).count() == 3
    discount.refresh_from_db()
    assert (
        discount.test_usage_count == 1
        and DiscountRedemption.objects.get().order_id == cart_id
    )
    order = Order.objects.get(pk=cart_id)
    assert order.discount_amount == 960 and order.payment_status == "paid"
    assert events() == ["order.created", "order.paid"]
    # The timeline keeps the declines that preceded the order.
    timeline = list(
        order.timeline.order_by("created_at", "id").values_list("type", flat=True)
    )
    assert timeline == ["payment_failed", "payment_failed", "placed", "paid"]
    # The next order takes the next number: the declines consumed none.
    other = Shopper(shopper.client, token="next-visitor")
    other.ready(shop.candle, method=shop.method, email="next@example.com")
    assert data(other.checkout())["orderNumber"] == "1002"


def test_a_late_event_for_a_declined_payment_does_not_touch_the_next_attempt(
    shopper, checkout_shop
):
    from orders.gateways import OfflineGateway
    from orders.selectors import order_get_by_payment_intent

    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    cart_id = shopper.cart()["id"]
    shopper.checkout("pm_card_chargeDeclined")
    declined = PaymentAttempt.objects.get(order_id=cart_id).intent_id
    # While the next attempt is in flight the row is a pending order with no intent yet.
    Order.objects.filter(pk=cart_id).update(type="order", stock_reserved=True)
    PaymentAttempt.objects.create(
        order_id=cart_id,
        number=2,
        gateway="offline",
        payment_method="pm_card_visa",
        idempotency_key=f"order-{cart_id}-attempt-2",
        amount=1,
        currency="GBP",
    )
    late = OfflineGateway().payment_retrieve(intent_id=declined)
    row = order_get_by_payment_intent(intent_id=declined, order_id=cart_id)

    services.order_payment_record(order=row, result=late)

    order = Order.objects.get(pk=cart_id)
    assert (order.type, order.payment_status, order.stock_reserved) == (
        "order",
        "pending",
        True,
    )


# -- 3-D Secure ---------------------------------------------------------------------------


def test_authentication_required_then_approved(shopper, checkout_shop, public):
    shop = checkout_shop
    shopper.ready(shop.candle, 2, method=shop.method)
    started = timezone.now()

    response = shopper.checkout("pm_card_authenticationRequired", returnUrl=THANKS)

    assert response.status_code == 200
    body = data(response)
    order = Order.objects.get(pk=body["orderId"])
    secret = body.get("nextAction", {}).get("clientSecret", "")
    assert body == {
        "orderId": order.id,
        "status": "pending",
        "paymentStatus": "requires_action",
        "requiresAction": True,
        "nextActionUrl": order.next_action_url,
        # Added to the reference's fields: what Stripe.js needs to finish it in the page.
        "nextAction": {"type": "use_stripe_sdk", "clientSecret": secret},
    }
    assert secret.startswith(f"{order.payment_intent_id}_secret_") and len(secret) > 40
    assert (
        urlsplit(order.next_action_url).path
        == f"/payments/test-3ds/{order.payment_intent_id}"
    )
    assert order.type == "order" and order.payment_status == "pending"
    assert (
        order.order_number is None and order.stock_reserved and stock(shop.candle) == 8
    )
    expires = order.reservation_expires_at - started
    assert timedelta(minutes=29) < expires <= timedelta(minutes=31)
    assert events() == ["order.created"] and mail.outbox == []
    status = data(public.get(f"/orders/{order.id}/status", cart=shopper.token))
    assert status["paymentStatus"] == "requires_action"
    assert shopper.cart()["id"] != order.id  # the token is free already

    page = three_ds(order, "approve")

    assert page.status_code == 302 and page["Location"] == f"{THANKS}?order={order.id}"
    order.refresh_from_db()
    assert order.payment_status == "paid" and order.order_number == 1001
    assert order.reservation_expires_at is None and stock(shop.candle) == 8
    status = data(public.get(f"/orders/{order.id}/status", cart=shopper.token))
    assert status["paymentStatus"] == "succeeded"
    assert events() == ["order.created", "order.paid"] and len(mail.outbox) == 2


def test_authentication_required_then_failed(shopper, checkout_shop, public):
    shop = checkout_shop
    discount = make_discount(shop.store, code="SPRING20", value=20)
    shopper.ready(shop.candle, 2, method=shop.method)
    shopper.discount("SPRING20")
    order_id = data(shopper.checkout("pm_card_authenticationRequired"))["orderId"]
    discount.refresh_from_db()
    assert discount.test_usage_count == 1 and stock(shop.candle) == 8

    page = three_ds(Order.objects.get(pk=order_id), "fail")

    assert page.status_code == 302 and "/payments/complete" in page["Location"]
    order = Order.objects.get(pk=order_id)
    assert order.type == "order" and order.payment_status == "failed"
    assert order.order_number is None and not order.stock_reserved
    assert stock(shop.candle) == 10
    discount.refresh_from_db()
    assert discount.test_usage_count == 0 and not DiscountRedemption.objects.exists()
    status = data(public.get(f"/orders/{order_id}/status", cart=shopper.token))
    assert status["paymentStatus"] == "failed"
    assert events() == ["order.created"] and mail.outbox == []


def test_an_abandoned_authentication_is_released_by_the_timeout(shopper, checkout_shop):
    shopper.ready(checkout_shop.candle, 3, method=checkout_shop.method)
    order_id = data(shopper.checkout("pm_card_authenticationRequired"))["orderId"]
    assert stock(checkout_shop.candle) == 7

    assert (
        services.order_reservations_expire(now=timezone.now() + timedelta(minutes=5))
        == 0
    )
    assert (
        services.order_reservations_expire(now=timezone.now() + timedelta(minutes=31))
        == 1
    )

    order = Order.objects.get(pk=order_id)
    assert (
        order.payment_status == "failed" and order.payment_intent_status == "canceled"
    )
    assert stock(checkout_shop.candle) == 10
    assert OfflinePaymentIntent.objects.get(order_id=order_id).status == "canceled"


# -- bank transfer ------------------------------------------------------------------------


def test_bank_transfer_places_a_pending_order_marked_paid_in_the_dashboard(
    shopper, checkout_shop, public
):
    from core import services as core_services

    shop = checkout_shop
    shopper.ready(shop.candle, 2, method=shop.method)

    response = shopper.checkout("bank_transfer", returnUrl=THANKS)

    assert response.status_code == 200
    body = data(response)
    assert body == {
        "orderId": body["orderId"],
        "orderNumber": "1001",
        "status": "pending",
        "paymentStatus": "pending",
        "requiresAction": False,
        "nextActionUrl": None,
        "redirectUrl": f"{THANKS}?order={body['orderId']}",
    }
    order = Order.objects.get(pk=body["orderId"])
    assert (order.payment_method, order.payment_gateway) == ("bank_transfer", "manual")
    assert order.payment_status == "pending" and order.order_number == 1001
    assert order.stock_reserved and order.reservation_expires_at is None
    assert stock(shop.candle) == 8
    assert (
        not PaymentAttempt.objects.exists()
        and not OfflinePaymentIntent.objects.exists()
    )
    assert events() == ["order.created"] and mail.outbox == []
    assert list(order.timeline.values_list("type", flat=True)) == ["placed"]
    assert Address.objects.filter(customer=order.customer).count() == 1
    # Nothing expires it: the merchant marks it paid (or cancels it).
    assert (
        services.order_reservations_expire(now=timezone.now() + timedelta(days=30)) == 0
    )

    user, _ = core_services.merchant_add(
        store=shop.store, email="merchant@acme.example"
    )
    admin = Client()
    admin.force_login(user)
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        page = admin.post(
            "/admin/orders/order/",
            {"action": "mark_paid", "_selected_action": [order.pk]},
            follow=True,
        )
    assert "Marked 1 order(s) paid." in [str(m) for m in page.context["messages"]]
    order.refresh_from_db()
    assert (
        order.payment_status == "paid" and order.order_number == 1001 and order.paid_at
    )
    assert stock(shop.candle) == 8
    assert events() == ["order.created", "order.paid"] and len(mail.outbox) == 2
    status = data(public.get(f"/orders/{order.id}/status", cart=shopper.token))
    assert status["paymentStatus"] == "succeeded"


def test_bank_transfer_must_be_enabled(shopper, checkout_shop):
    checkout_shop.store.payment_methods = ["card"]
    checkout_shop.store.save(update_fields=["payment_methods"])
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    response = shopper.checkout("bank_transfer")
    assert response.status_code == 422
    assert error(response)["fields"] == {
        "paymentMethod": ["This store does not accept bank transfers."]
    }
    assert shopper.cart()["items"] and stock(checkout_shop.candle) == 10


# -- wallets ------------------------------------------------------------------------------


def test_a_wallet_pays_like_a_test_card_without_stripe(shopper, checkout_shop):
    checkout_shop.store.payment_methods = ["card", "apple_pay"]
    checkout_shop.store.save(update_fields=["payment_methods"])
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    response = shopper.checkout("apple_pay")
    assert response.status_code == 200 and data(response)["status"] == "paid"
    order = Order.objects.get(pk=data(response)["orderId"])
    assert order.payment_method == "apple_pay"
    assert (
        OfflinePaymentIntent.objects.get(order=order).payment_method == "pm_card_visa"
    )


def test_a_wallet_the_store_does_not_accept_is_refused(shopper, checkout_shop):
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    response = shopper.checkout("google_pay")
    assert response.status_code == 422
    message = "This store does not accept Google Pay."
    assert error(response)["fields"] == {"paymentMethod": [message]}


# -- preconditions ------------------------------------------------------------------------


def test_a_token_without_a_cart_has_no_items(shopper, checkout_shop):
    response = shopper.checkout()
    assert response.status_code == 422
    assert error(response)["code"] == "cart_empty" and list(
        error(response)["fields"]
    ) == ["items"]


def test_an_empty_cart_names_everything_missing(shopper, checkout_shop):
    shopper.cart()
    response = shopper.checkout()
    assert response.status_code == 422
    assert error(response)["code"] == "checkout_incomplete"
    assert set(error(response)["fields"]) == {"items", "email"}


def test_the_email_is_required(shopper, checkout_shop):
    shopper.add(checkout_shop.candle)
    shopper.save(shippingAddress=dict(_address()))
    shopper.ship(checkout_shop.method)
    response = shopper.checkout()
    assert response.status_code == 422
    assert error(response)["code"] == "email_required"
    assert list(error(response)["fields"]) == ["email"]


def test_the_shipping_address_is_required(shopper, checkout_shop):
    shopper.add(checkout_shop.candle)
    shopper.save(email="sam@example.com")
    response = shopper.checkout()
    assert response.status_code == 422
    assert set(error(response)["fields"]) == {"shippingAddress", "shippingOption"}


def test_a_shipping_option_is_required(shopper, checkout_shop):
    shopper.ready(checkout_shop.candle)
    response = shopper.checkout()
    assert response.status_code == 422
    assert error(response)["code"] == "shipping_option_required"
    assert list(error(response)["fields"]) == ["shippingOption"]
    assert stock(checkout_shop.candle) == 10 and Order.objects.get().type == "cart"


@pytest.mark.parametrize("change", ["archived", "draft", "deleted"])
def test_a_line_no_longer_available_is_refused(change, shopper, checkout_shop):
    shop = checkout_shop
    other = make_product(shop.store, name="Wick trimmer", price=900, stock=5)
    shopper.add(shop.candle)
    shopper.ready(other, method=shop.method)
    if change == "deleted":
        other.delete()
    else:
        Product.objects.filter(pk=other.pk).update(status=change)

    response = shopper.checkout()

    assert response.status_code == 422
    assert error(response)["code"] == "item_unavailable"
    assert list(error(response)["fields"]) == ["items[1]"]
    assert "Wick trimmer" in error(response)["message"]
    assert stock(shop.candle) == 10 and not Order.objects.filter(type="order").exists()
    # The line is gone (as GET /cart would have removed it): checking out again works.
    assert len(shopper.cart()["items"]) == 1
    assert shopper.checkout().status_code == 200


def test_payment_method_is_required_and_checked(shopper, checkout_shop):
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    missing = shopper.checkout(None)
    assert missing.status_code == 422 and "paymentMethod" in error(missing)["fields"]
    for value, expected in [
        ("cash", "Unknown payment method 'cash'"),
        ("card", "Unknown payment method 'card'"),
        ("pm_card_unknown", "Without STRIPE_SECRET_KEY, use one of"),
        ("pm_bad id!", "is not a PaymentMethod id"),
    ]:
        response = shopper.checkout(value)
        assert response.status_code == 422, value
        assert expected in error(response)["fields"]["paymentMethod"][0], value
    assert shopper.checkout(12).status_code == 422
    assert stock(checkout_shop.candle) == 10 and not PaymentAttempt.objects.exists()


def test_cards_must_be_enabled(shopper, checkout_shop):
    checkout_shop.store.payment_methods = ["bank_transfer"]
    checkout_shop.store.save(update_fields=["payment_methods"])
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    response = shopper.checkout("pm_card_visa")
    assert response.status_code == 422
    assert error(response)["fields"] == {
        "paymentMethod": ["This store does not accept card payments."]
    }


@pytest.mark.parametrize(
    "url", ["ftp://shop.example/x", "javascript:alert(1)", "not a url"]
)
def test_return_url_must_be_http(url, shopper, checkout_shop):
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    response = shopper.checkout(returnUrl=url)
    assert response.status_code == 422 and "returnUrl" in error(response)["fields"]


# -- stock ------------------------------------------------------------------------------


def test_a_line_short_of_stock_is_a_409_and_nothing_is_reserved(
    shopper, checkout_shop, monkeypatch
):
    """Another buyer takes the stock between the cart check and the reservation."""
    from catalog import services as catalog_services

    shop = checkout_shop
    wick = make_product(shop.store, name="Wick trimmer", price=900, stock=3)
    shopper.add(shop.candle, 2)
    shopper.ready(wick, 3, method=shop.method)
    real = catalog_services.stock_reserve

    def racing(**kwargs):
        Variant.objects.filter(product=wick).update(stock=1)
        return real(**kwargs)

    monkeypatch.setattr(catalog_services, "stock_reserve", racing)

    response = shopper.checkout()

    assert response.status_code == 409
    assert error(response) == {
        "code": "out_of_stock",
        "message": "Only 1 of Wick trimmer left in stock.",
        "fields": {"items[1].quantity": ["Only 1 left in stock."]},
    }
    # Rolled back as a whole (the simulated buyer's update ran in the same transaction).
    assert stock(shop.candle) == 10 and stock(wick) == 3
    assert not InventoryAdjustment.objects.exists()
    assert Order.objects.get().type == "cart" and not PaymentAttempt.objects.exists()


def test_stock_that_fell_since_the_cart_was_read_is_a_409_naming_the_line(
    shopper, checkout_shop
):
    shop = checkout_shop
    shopper.ready(shop.candle, 4, method=shop.method)
    Variant.objects.filter(product=shop.candle).update(stock=3)

    response = shopper.checkout()

    assert response.status_code == 409 and error(response)["code"] == "out_of_stock"
    assert list(error(response)["fields"]) == ["items[0].quantity"]
    assert "Only 3 of Hand-poured candle left in stock" in error(response)["message"]
    assert stock(shop.candle) == 3 and not InventoryAdjustment.objects.exists()
    # The cart shows the capped line; paying for it now works.
    assert shopper.cart()["items"][0]["quantity"] == 3
    assert shopper.checkout().status_code == 200 and stock(shop.candle) == 0


# -- digital, free, customers -----------------------------------------------------------


def test_a_digital_cart_needs_no_shipping(shopper, checkout_shop):
    ebook = make_product(
        checkout_shop.store,
        name="Candle-making ebook",
        price=1000,
        product_type="digital",
    )
    shopper.add(ebook)
    shopper.save(email="reader@example.com")

    response = shopper.checkout()

    assert response.status_code == 200, response.json()
    order = Order.objects.get(pk=data(response)["orderId"])
    assert order.payment_status == "paid" and order.shipping_address is None
    assert order.shipping_amount == 0 and order.shipping_option is None
    assert not Address.objects.exists()


def test_a_free_order_is_paid_without_a_gateway_call(shopper, checkout_shop):
    ebook = make_product(
        checkout_shop.store, name="Free guide", price=1000, product_type="digital"
    )
    make_discount(checkout_shop.store, code="GIFT", value=100)
    shopper.add(ebook)
    shopper.save(email="reader@example.com")
    shopper.discount("GIFT")

    response = shopper.checkout()

    assert response.status_code == 200
    assert (
        data(response)["status"] == "paid" and data(response)["orderNumber"] == "1001"
    )
    order = Order.objects.get(pk=data(response)["orderId"])
    assert order.total_amount == 0 and order.payment_gateway == ""
    assert (
        not OfflinePaymentIntent.objects.exists()
        and not PaymentAttempt.objects.exists()
    )
    assert events() == ["order.created", "order.paid"]


def test_the_order_belongs_to_the_customer_logged_in_on_the_token(
    shopper, checkout_shop
):
    customer = make_customer(
        checkout_shop.store,
        email="member@example.com",
        first_name="Mia",
        last_name="Member",
    )
    log_in(checkout_shop.store, customer, cart_token=shopper.token)
    shopper.add(checkout_shop.candle)
    shopper.save(shippingAddress=dict(_address()))
    shopper.ship(checkout_shop.method)

    response = shopper.checkout(marketingOptIn=True)

    assert response.status_code == 200, response.json()
    order = Order.objects.get(pk=data(response)["orderId"])
    assert order.customer == customer and order.email == "member@example.com"
    assert Customer.objects.count() == 1
    customer.refresh_from_db()
    assert (
        customer.marketing_opt_in
        and Address.objects.get(customer=customer).city == "London"
    )
    assert (
        data(shopper.client.get("/account/orders", cart=shopper.token))[0]["id"]
        == order.id
    )


def test_a_guest_gets_a_customer_record_and_the_consents_are_kept(
    shopper, checkout_shop
):
    existing = make_customer(checkout_shop.store, email="Sam@Example.com")
    shopper.ready(
        checkout_shop.candle, method=checkout_shop.method, email="sam@example.com"
    )
    response = shopper.checkout(marketingOptIn=True, termsAccepted=True)
    order = Order.objects.get(pk=data(response)["orderId"])
    assert (
        order.customer == existing and order.marketing_opt_in and order.terms_accepted
    )
    existing.refresh_from_db()
    assert existing.marketing_opt_in and (existing.first_name, existing.last_name) == (
        "Sam",
        "Buyer",
    )


def test_a_separate_billing_address_is_kept(shopper, checkout_shop):
    billing = {**_address(), "line1": "1 Billing Road", "postcode": "EC1A 1BB"}
    shopper.add(checkout_shop.candle)
    shopper.save(
        email="sam@example.com", shippingAddress=_address(), billingAddress=billing
    )
    shopper.ship(checkout_shop.method)
    order = Order.objects.get(pk=data(shopper.checkout())["orderId"])
    assert order.billing_address["line1"] == "1 Billing Road"
    assert order.shipping_address["line1"] == "221B Baker Street"


# -- discounts --------------------------------------------------------------------------


def test_a_discount_used_up_since_it_was_applied_is_refused(shopper, checkout_shop):
    shop = checkout_shop
    discount = make_discount(shop.store, code="ONCE", value=10, usage_limit=1)
    shopper.ready(shop.candle, method=shop.method)
    shopper.discount("ONCE")
    Discount.objects.filter(pk=discount.pk).update(test_usage_count=1)

    response = shopper.checkout()

    assert response.status_code == 422
    assert list(error(response)["fields"]) == ["discountCode"]
    assert "ONCE" in error(response)["message"]
    assert stock(shop.candle) == 10
    # The code was dropped from the cart (as GET /cart would): the next try pays full price.
    assert shopper.cart()["discountCode"] is None
    assert shopper.checkout().status_code == 200


# -- idempotency and gateway errors -----------------------------------------------------


def test_a_double_submit_with_one_idempotency_key_makes_one_order(
    shopper, checkout_shop
):
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    first = shopper.checkout(idempotency_key="checkout-1")
    second = shopper.checkout(idempotency_key="checkout-1")
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert Order.objects.filter(type="order").count() == 1
    assert (
        OfflinePaymentIntent.objects.count() == 1 and stock(checkout_shop.candle) == 9
    )
    # Without the key, the token has no cart any more.
    again = shopper.checkout()
    assert again.status_code == 422 and list(error(again)["fields"]) == ["items"]


def test_a_lost_answer_the_gateway_can_tell_about_is_answered_at_once(
    shopper, checkout_shop, monkeypatch
):
    """The confirmation charged but its answer was lost: checkout asks the gateway and
    answers with the paid order, charging once."""
    from orders.gateways import OfflineGateway, PaymentGatewayError

    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    cart_id = shopper.cart()["id"]
    real = OfflineGateway.payment_confirm

    def lost(self, **kwargs):
        real(self, **kwargs)
        raise PaymentGatewayError(
            "The payment provider could not be reached. Retry the request."
        )

    monkeypatch.setattr(OfflineGateway, "payment_confirm", lost)
    response = shopper.checkout()

    assert response.status_code == 200, response.json()
    assert (data(response)["orderId"], data(response)["status"]) == (cart_id, "paid")
    assert (
        OfflinePaymentIntent.objects.count() == 1 and stock(checkout_shop.candle) == 9
    )
    assert PaymentAttempt.objects.get().status == "succeeded"


def test_a_gateway_error_is_a_502_and_a_retry_reuses_the_attempt(
    shopper, checkout_shop, monkeypatch
):
    """The payment went through, its answer was lost and the gateway cannot be asked: the
    order waits with its stock and discount (nothing is given back blind), and the retry
    finds the payment, never charging twice."""
    from orders.gateways import OfflineGateway, PaymentGatewayError

    shop = checkout_shop
    discount = make_discount(shop.store, code="SPRING20", value=20)
    shopper.ready(shop.candle, 2, method=shop.method)
    shopper.discount("SPRING20")
    cart_id = shopper.cart()["id"]
    real = OfflineGateway.payment_confirm

    def lost(self, **kwargs):
        real(self, **kwargs)
        raise PaymentGatewayError(
            "The payment provider could not be reached. Retry the request."
        )

    def unreachable(self, **kwargs):
        raise PaymentGatewayError("The payment provider could not be reached.")

    monkeypatch.setattr(OfflineGateway, "payment_confirm", lost)
    monkeypatch.setattr(OfflineGateway, "payment_find", unreachable)
    response = shopper.checkout(idempotency_key="try-1")

    assert response.status_code == 502
    assert error(response)["code"] == "payment_gateway_error"
    assert "same Idempotency-Key" in error(response)["message"]
    order = Order.objects.get(pk=cart_id)
    assert (order.type, order.payment_status, order.stock_reserved) == (
        "order",
        "pending",
        True,
    )
    assert stock(shop.candle) == 8
    discount.refresh_from_db()
    assert discount.test_usage_count == 1
    assert PaymentAttempt.objects.get().status == "error"

    monkeypatch.undo()
    retry = shopper.checkout(idempotency_key="try-1")  # a 5xx does not keep the key

    assert retry.status_code == 200 and data(retry)["orderId"] == cart_id
    assert data(retry)["status"] == "paid" and data(retry)["orderNumber"] == "1001"
    assert OfflinePaymentIntent.objects.count() == 1  # one charge
    attempt = PaymentAttempt.objects.get()
    assert (attempt.number, attempt.status) == (1, "succeeded")
    assert stock(shop.candle) == 8
    discount.refresh_from_db()
    assert discount.test_usage_count == 1


def test_a_retry_after_a_gateway_error_with_another_card_takes_a_new_attempt(
    shopper, checkout_shop, monkeypatch
):
    """The gateway failed before anything could be charged: the cart comes back, and a
    retry with another card is a new attempt."""
    from orders.gateways import OfflineGateway, PaymentGatewayError

    shopper.ready(checkout_shop.candle, method=checkout_shop.method)

    def down(self, **kwargs):
        raise PaymentGatewayError(
            "The payment provider could not be reached. Retry the request."
        )

    monkeypatch.setattr(OfflineGateway, "payment_prepare", down)
    assert shopper.checkout("pm_card_visa").status_code == 502
    assert shopper.cart()["items"] and stock(checkout_shop.candle) == 10
    monkeypatch.undo()
    assert shopper.checkout("pm_card_mastercard").status_code == 200
    assert [
        (a.number, a.status) for a in PaymentAttempt.objects.order_by("number")
    ] == [
        (1, "error"),
        (2, "succeeded"),
    ]


def test_a_payment_recorded_by_the_webhook_first_is_answered_as_paid(
    shopper, checkout_shop, monkeypatch
):
    from orders.gateways import OfflineGateway, PaymentGatewayError

    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    real = OfflineGateway.payment_confirm

    def webhook_first(self, *, order, **kwargs):
        result = real(self, order=order, **kwargs)
        services.order_payment_record(
            order=Order.objects.get(pk=order.pk), result=result
        )
        raise PaymentGatewayError(
            "The payment provider could not be reached. Retry the request."
        )

    monkeypatch.setattr(OfflineGateway, "payment_confirm", webhook_first)
    response = shopper.checkout()

    assert response.status_code == 200 and data(response)["status"] == "paid"
    order = Order.objects.get(pk=data(response)["orderId"])
    assert order.payment_status == "paid" and order.order_number == 1001
    assert stock(checkout_shop.candle) == 9
    assert sorted(events()) == ["order.created", "order.paid"]


def test_the_cart_comes_back_even_if_the_token_opened_an_empty_cart_meanwhile(
    shopper, checkout_shop, monkeypatch
):
    from orders.gateways import OfflineGateway

    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    cart_id = shopper.cart()["id"]
    real = OfflineGateway.payment_confirm
    opened = []

    def with_a_tab_open(self, **kwargs):
        opened.append(shopper.cart()["id"])  # another tab polls GET /cart
        return real(self, **kwargs)

    monkeypatch.setattr(OfflineGateway, "payment_confirm", with_a_tab_open)
    assert shopper.checkout("pm_card_chargeDeclined").status_code == 402

    assert opened[0] != cart_id and not Order.objects.filter(pk=opened[0]).exists()
    assert (
        shopper.cart()["id"] == cart_id and Order.objects.get(pk=cart_id).type == "cart"
    )


def test_a_live_key_refuses_stripe_test_cards(api_client_for, checkout_shop):
    live = Shopper(
        api_client_for("public", checkout_shop.keys.live_pk), token="live-visitor"
    )
    live.ready(checkout_shop.candle, method=checkout_shop.method)
    response = live.checkout("pm_card_visa")
    assert response.status_code == 402
    assert "live mode" in error(response)["message"]
    assert stock(checkout_shop.candle) == 10


def test_a_shipping_option_withdrawn_since_it_was_chosen_is_refused(
    shopper, checkout_shop
):
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    checkout_shop.method.active = False
    checkout_shop.method.save(update_fields=["active"])

    response = shopper.checkout()

    assert response.status_code == 422
    assert "shippingOption" in error(response)["fields"]
    assert "no longer available" in error(response)["message"]
    assert (
        shopper.cart().get("shippingOption") is None
        and stock(checkout_shop.candle) == 10
    )


def test_a_payment_still_processing_leaves_a_pending_order(
    shopper, checkout_shop, monkeypatch
):
    from orders.gateways import OfflineGateway, PaymentResult

    def processing(self, *, order, intent_id, **kwargs):
        return PaymentResult(
            gateway="offline",
            intent_id=intent_id,
            status="processing",
            amount=order.total_amount,
            currency=order.currency,
        )

    monkeypatch.setattr(OfflineGateway, "payment_confirm", processing)
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)

    response = shopper.checkout(returnUrl=THANKS)

    body = data(response)
    assert response.status_code == 200 and body["status"] == "pending"
    assert (body["paymentStatus"], body["requiresAction"], body["orderNumber"]) == (
        "processing",
        False,
        None,
    )
    assert body["redirectUrl"] == f"{THANKS}?order={body['orderId']}"
    order = Order.objects.get(pk=body["orderId"])
    intent = OfflinePaymentIntent.objects.get()
    assert (order.payment_intent_id, order.payment_status) == (intent.pk, "pending")
    assert order.reservation_expires_at and stock(checkout_shop.candle) == 9
    assert events() == ["order.created"]

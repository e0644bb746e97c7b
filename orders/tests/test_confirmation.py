"""What the confirmation page reads: GET /orders/{id} with every total, the discount, the
shipping option, the payment method and, for a bank transfer, the store's bank details and
payment reference (set with PATCH /store)."""

from __future__ import annotations

import pytest

from carts.tests.factories import make_discount

pytestmark = pytest.mark.django_db

DETAILS = "Acme Candles Ltd\nSort code 12-34-56\nAccount 12345678"


def order_page(shopper, order_id) -> dict:
    response = shopper.client.get(f"/orders/{order_id}", cart=shopper.token)
    assert response.status_code == 200
    return response.json()["data"]


def test_the_store_sets_its_bank_details_and_reference(private):
    response = private.patch(
        "/store",
        {"bankTransferDetails": DETAILS, "bankTransferReference": "ACME-{number}"},
    )
    assert response.status_code == 200, response.json()
    shown = private.get("/store").json()["data"]
    assert shown["bankTransferDetails"] == DETAILS
    assert shown["bankTransferReference"] == "ACME-{number}"


def test_a_reference_without_the_order_number_is_refused(private, shop):
    response = private.patch("/store", {"bankTransferReference": "ACME"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "bankTransferReference": [
            "Put {number} where the order number goes, e.g. ACME-{number}."
        ]
    }
    shop.store.refresh_from_db()
    assert shop.store.bank_transfer_reference == ""


def test_a_bank_transfer_order_says_how_to_pay(private, shopper, checkout_shop):
    store = checkout_shop.store
    store.payment_methods = [*store.payment_methods, "bank_transfer"]
    store.save(update_fields=["payment_methods"])
    private.patch(
        "/store",
        {"bankTransferDetails": DETAILS, "bankTransferReference": "ACME-{number}"},
    )
    shopper.ready(checkout_shop.candle, 2, method=checkout_shop.method)
    order_id = shopper.checkout("bank_transfer").json()["data"]["orderId"]

    order = order_page(shopper, order_id)

    assert order["paymentMethod"] == "bank_transfer"
    assert order["bankTransfer"] == {
        "details": DETAILS,
        "reference": f"ACME-{order['orderNumber']}",
        "amount": order["totals"]["total"],
    }
    assert order["shippingOptionName"] == checkout_shop.method.name


def test_a_card_order_shows_every_total_and_the_discount(shopper, checkout_shop):
    make_discount(checkout_shop.store, code="SPRING20", value=20)
    shopper.ready(checkout_shop.candle, 2, method=checkout_shop.method)
    shopper.discount("SPRING20")
    order_id = shopper.checkout("pm_card_visa").json()["data"]["orderId"]

    order = order_page(shopper, order_id)

    totals = {k: v["amount"] for k, v in order["totals"].items()}
    assert totals["subtotal"] == 4800 and totals["discount"] == 960
    assert totals["shipping"] == 395
    assert totals["total"] == (
        totals["subtotal"] - totals["discount"] + totals["shipping"] + totals["tax"]
    )
    assert order["discountCode"] == "SPRING20" and order["paymentMethod"] == "card"
    assert order["bankTransfer"] is None and order["email"] == "sam@example.com"
    assert order["items"][0]["price"]["amount"] == 2400

"""POST /orders/{order}/fulfill: whole and line-level fulfilment, tracking, email, refusals."""

import pytest
from django.core import mail

from orders import services
from orders.models import Fulfillment, Order

from .conftest import events_of, lines_of

pytestmark = pytest.mark.django_db

TRACKING = {
    "trackingNumber": "JD0002123456",
    "carrier": "Royal Mail",
    "trackingUrl": "https://royalmail.com/track/JD0002123456",
}


def test_fulfil_everything_with_tracking(private, paid_order):
    response = private.post(f"/orders/{paid_order.pk}/fulfill", TRACKING)
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["id"] == paid_order.pk
    assert body["fulfillmentStatus"] == "fulfilled" and body["fulfilledAt"]
    [fulfillment] = body["fulfillments"]
    assert fulfillment["trackingNumber"] == "JD0002123456"
    assert fulfillment["carrier"] == "Royal Mail"
    assert fulfillment["trackingUrl"] == "https://royalmail.com/track/JD0002123456"
    candles, matches = lines_of(paid_order)
    assert fulfillment["items"] == [
        {"itemId": candles.pk, "quantity": 2},
        {"itemId": matches.pk, "quantity": 1},
    ]
    assert [i["quantityFulfilled"] for i in body["items"]] == [2, 1]
    entry = body["timeline"][-1]
    assert entry["type"] == "fulfilled"
    assert entry["message"] == "Fulfilled: 3 units shipped (Royal Mail, JD0002123456)"
    [event] = events_of(paid_order, "order.fulfilled")
    assert (
        event["fulfillmentStatus"] == "fulfilled"
        and event["fulfillments"][0]["carrier"]
    )
    [message] = mail.outbox
    assert message.to == ["sam@example.com"]
    assert message.subject == "Your Acme Candles order #1001 has shipped"
    assert "Track your parcel: https://royalmail.com/track/JD0002123456" in message.body
    assert "Carrier: Royal Mail\nTracking number: JD0002123456" in message.body
    assert "2 x Hand-poured candle" in message.body and "1 x Matches" in message.body
    html = message.alternatives[0][0]
    assert 'href="https://royalmail.com/track/JD0002123456"' in html


def test_line_level_partial_fulfilment_until_every_line_ships(private, paid_order):
    candles, matches = lines_of(paid_order)
    first = private.post(
        f"/orders/{paid_order.pk}/fulfill",
        {"items": [{"id": candles.pk, "quantity": 1}], "notifyCustomer": False},
    )
    assert first.status_code == 200
    body = first.json()["data"]
    assert body["fulfillmentStatus"] == "partial" and body["fulfilledAt"] is None
    assert mail.outbox == []
    assert private.get("/orders", query={"status": "paid"}).json()["meta"]["total"] == 1
    # More than what is left of a line is refused and ships nothing.
    too_many = private.post(
        f"/orders/{paid_order.pk}/fulfill",
        {
            "items": [
                {"id": candles.pk, "quantity": 2},
                {"id": matches.pk, "quantity": 1},
            ]
        },
    )
    assert too_many.status_code == 422
    assert too_many.json()["error"]["fields"] == {
        "items[0].quantity": ["Only 1 unit of Hand-poured candle left to fulfil."]
    }
    assert Fulfillment.objects.filter(order=paid_order).count() == 1
    second = private.post(f"/orders/{paid_order.pk}/fulfill", {"carrier": "DPD"})
    body = second.json()["data"]
    assert body["fulfillmentStatus"] == "fulfilled" and body["fulfilledAt"]
    assert body["fulfillments"][1]["items"] == [
        {"itemId": candles.pk, "quantity": 1},
        {"itemId": matches.pk, "quantity": 1},
    ]
    assert [
        e["fulfillmentStatus"] for e in events_of(paid_order, "order.fulfilled")
    ] == [
        "partial",
        "fulfilled",
    ]
    [message] = mail.outbox
    assert "1 x Hand-poured candle" in message.body
    again = private.post(f"/orders/{paid_order.pk}/fulfill", {})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "order_already_fulfilled"


@pytest.mark.parametrize(
    "items, field, message",
    [
        (
            [{"id": "oitm_nope", "quantity": 1}],
            "items[0].id",
            "The order has no line oitm_nope.",
        ),
        ([{"id": "LINE0", "quantity": 0}], "items[0].quantity", None),
        ([{"id": "LINE0", "quantity": "1"}], "items[0].quantity", None),
        (
            [{"id": "LINE0", "quantity": 1}, {"id": "LINE0", "quantity": 1}],
            "items[1].id",
            "Each line may be listed once.",
        ),
        ([], "items", None),
    ],
)
def test_bad_items_are_422(private, paid_order, items, field, message):
    line = lines_of(paid_order)[0]
    items = [
        {**item, "id": line.pk if item["id"] == "LINE0" else item["id"]}
        for item in items
    ]
    response = private.post(f"/orders/{paid_order.pk}/fulfill", {"items": items})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert field in fields
    if message:
        assert fields[field] == [message]
    paid_order.refresh_from_db()
    assert paid_order.fulfillment_status == "unfulfilled"


def test_tracking_url_must_be_http(private, paid_order):
    response = private.post(
        f"/orders/{paid_order.pk}/fulfill", {"trackingUrl": "javascript:x"}
    )
    assert (
        response.status_code == 422
        and "trackingUrl" in response.json()["error"]["fields"]
    )


def test_unpaid_cancelled_and_refunded_orders_cannot_be_fulfilled(
    private, shop, make_order, make_paid_order
):
    pending = make_order(shop.store, payment_method="bank_transfer")
    response = private.post(f"/orders/{pending.pk}/fulfill", {})
    assert (response.status_code, response.json()["error"]["code"]) == (
        409,
        "order_not_paid",
    )
    failed = make_order(shop.store, payment_status=Order.PaymentStatus.FAILED)
    assert private.post(f"/orders/{failed.pk}/fulfill", {}).status_code == 409
    cancelled = make_paid_order(shop.store)
    services.order_cancel(order=cancelled, notify_customer=False)
    response = private.post(f"/orders/{cancelled.pk}/fulfill", {})
    assert (response.status_code, response.json()["error"]["code"]) == (
        409,
        "order_cancelled",
    )
    refunded = make_paid_order(shop.store)
    services.order_refund(order=refunded, notify_customer=False)
    response = private.post(f"/orders/{refunded.pk}/fulfill", {})
    assert (response.status_code, response.json()["error"]["code"]) == (
        409,
        "order_refunded",
    )
    assert Fulfillment.objects.count() == 0


def test_units_refunded_before_shipping_do_not_need_shipping(private, paid_order):
    candles, matches = lines_of(paid_order)
    private.post(
        f"/orders/{paid_order.pk}/fulfill",
        {"items": [{"id": candles.pk, "quantity": 2}]},
    )
    refund = private.post(
        f"/orders/{paid_order.pk}/refund",
        {"amount": 250, "items": [{"id": matches.pk, "quantity": 1}]},
    )
    body = refund.json()["data"]
    assert body["paymentStatus"] == "partially_refunded"
    assert body["fulfillmentStatus"] == "fulfilled" and body["fulfilledAt"]

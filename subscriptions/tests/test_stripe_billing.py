"""With Stripe: checkout's subscription is billed by Stripe Billing (Customer, Price,
Subscription in the Stripe double), and its invoice webhooks drive the same renewal and
failure paths as the offline renewal task."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from catalog.models import Product
from orders.models import Order, StripeEvent
from orders.tests.test_stripe_webhook import SECRET, post
from subscriptions.models import (
    Subscription,
    SubscriptionInvoice,
    SubscriptionRenewal,
)
from webhooks.models import Event

from .conftest import renew

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET


@pytest.fixture
def billed(sub_shop, shopper, stripe_double, clock):
    """A monthly subscription checked out with Stripe (the double)."""
    shopper.ready(sub_shop.monthly, method=sub_shop.method)
    response = shopper.checkout("pm_card_visa")
    assert response.status_code == 200, response.json()
    return Subscription.objects.get()


def test_checkout_with_stripe_creates_the_stripe_billing_subscription(
    billed, stripe_double
):
    assert billed.payment_gateway == "stripe"
    assert billed.gateway_customer_id in stripe_double.customers
    stripe_sub = stripe_double.subscriptions[billed.gateway_subscription_id]
    customer = stripe_double.customers[billed.gateway_customer_id]
    price = stripe_double.prices[stripe_sub["items"]["data"][0]["price"]]
    assert customer["email"] == "sam@example.com"
    assert customer["payment_method"] == "pm_card_visa"
    assert price["unit_amount"] == "900"
    assert price["currency"] == "gbp"
    assert price["recurring"] == {"interval": "month", "interval_count": "1"}
    # Checkout paid the first period: Stripe's first invoice is at its end.
    assert stripe_sub["trial_end"] == int(billed.next_charge_at.timestamp())
    assert stripe_sub["metadata"]["subscription_id"] == billed.pk


def test_invoice_paid_records_the_renewal_order_once(
    billed, stripe_double, sub_shop, clock
):
    clock.travel(days=40)
    assert renew() == 0  # Stripe bills it, not the task
    event = stripe_double.invoice_event(
        billed.gateway_subscription_id, paid=True, event_id="evt_paid_1"
    )

    response = post(json.dumps(event))

    assert response.status_code == 200, response.content
    renewal = SubscriptionRenewal.objects.get()
    order = renewal.order
    assert order.payment_status == Order.PaymentStatus.PAID
    assert order.payment_gateway == "stripe"
    assert order.payment_intent_id == event["data"]["object"]["payment_intent"]
    assert order.metadata["subscription_id"] == billed.pk
    billed.refresh_from_db()
    assert billed.current_period_start == renewal.period_start
    assert StripeEvent.objects.get(pk="evt_paid_1").order_id == order.pk
    assert Event.objects.filter(type="subscription.renewed").count() == 1
    # No money moved through PaymentIntents for it: Stripe's invoice took it.
    assert len(stripe_double.posts("/v1/payment_intents")) == 1  # the checkout's

    assert post(json.dumps(event)).status_code == 200  # redelivered
    assert SubscriptionRenewal.objects.count() == 1
    assert Order.objects.filter(type="order").count() == 2


def test_invoice_payment_failed_makes_it_past_due_with_an_email(
    billed, stripe_double, clock
):
    mail.outbox.clear()
    event = stripe_double.invoice_event(
        billed.gateway_subscription_id, paid=False, event_id="evt_failed_1"
    )

    assert post(json.dumps(event)).status_code == 200

    billed.refresh_from_db()
    assert billed.status == Subscription.Status.PAST_DUE
    assert billed.failed_attempts == 1
    assert Event.objects.filter(type="subscription.payment_failed").count() == 1
    assert [m.subject for m in mail.outbox] == [
        "Your Acme Candles subscription payment failed"
    ]
    # Stripe's retry succeeds: the period is paid and the retries reset.
    paid = stripe_double.invoice_event(
        billed.gateway_subscription_id, paid=True, event_id="evt_paid_2"
    )
    assert post(json.dumps(paid)).status_code == 200
    billed.refresh_from_db()
    assert billed.status == Subscription.Status.ACTIVE
    assert billed.failed_attempts == 0


def test_merchant_pause_resume_and_cancel_reach_stripe(billed, stripe_double, private):
    stripe_sub = stripe_double.subscriptions[billed.gateway_subscription_id]

    assert private.post(f"/subscriptions/{billed.pk}/pause").status_code == 200
    assert stripe_sub["pause_collection"] == {"behavior": "void"}
    assert private.post(f"/subscriptions/{billed.pk}/resume").status_code == 200
    assert stripe_sub["pause_collection"] is None
    assert private.post(f"/subscriptions/{billed.pk}/cancel").status_code == 200
    assert stripe_sub["status"] == "canceled"


def test_a_subscription_deleted_at_stripe_is_cancelled_here(billed, stripe_double):
    event = {
        "id": "evt_deleted_1",
        "object": "event",
        "created": 1,
        "livemode": False,
        "type": "customer.subscription.deleted",
        "data": {
            "object": {"id": billed.gateway_subscription_id, "object": "subscription"}
        },
    }

    assert post(json.dumps(event)).status_code == 200

    billed.refresh_from_db()
    assert billed.status == Subscription.Status.CANCELLED
    assert billed.cancel_reason == "gateway"
    assert not [r for r in stripe_double.requests if r["method"] == "DELETE"]
    assert Event.objects.filter(type="subscription.cancelled").count() == 1


def test_an_invoice_of_an_unknown_subscription_is_recorded_and_ignored(
    billed, stripe_double
):
    event = stripe_double.invoice_event(
        billed.gateway_subscription_id, paid=True, event_id="evt_other"
    )
    event["data"]["object"]["subscription"] = "sub_unknown"

    assert post(json.dumps(event)).status_code == 200

    assert StripeEvent.objects.get(pk="evt_other").outcome.startswith("ignored")
    assert not SubscriptionRenewal.objects.exists()


# -- invoice.created: the renewal invoice charges what the renewal order totals ---------------


def _created(stripe_double, billed, event_id="evt_created_1") -> dict:
    return stripe_double.invoice_created_event(
        billed.gateway_subscription_id, event_id=event_id
    )


def _items(stripe_double, invoice_id: str) -> dict[str, int]:
    invoice = stripe_double.invoices[invoice_id]
    return {
        stripe_double.invoice_items[i]["description"]: stripe_double.invoice_items[i][
            "amount"
        ]
        for i in invoice["items"]
    }


def test_the_webhook_passes_invoice_created_to_subscriptions():
    from orders.stripe_events import HANDLERS, _billing_event

    assert HANDLERS["invoice.created"] is _billing_event


def test_invoice_created_adds_shipping_and_tax_once_and_the_paid_order_matches(
    billed, stripe_double, clock
):
    first = billed.origin_order
    # £9.00 + £3.95 shipping, 20% VAT on both: what the renewal order will total.
    assert (first.shipping_amount, first.tax_amount) == (395, 259)
    assert first.total_amount == 1554
    clock.travel(days=27)
    created = _created(stripe_double, billed)
    invoice_id = created["data"]["object"]["id"]
    assert created["data"]["object"]["total"] == 900  # Stripe's price x quantity only

    response = post(json.dumps(created))

    assert response.status_code == 200, response.content
    assert _items(stripe_double, invoice_id) == {"Shipping": 395, "Tax": 259}
    assert stripe_double.invoice_total(invoice_id) == 1554
    posts = stripe_double.posts("/v1/invoiceitems")
    assert {p["idempotency_key"] for p in posts} == {
        f"invoice-{invoice_id}-shipping",
        f"invoice-{invoice_id}-tax",
    }
    assert {p["params"]["customer"] for p in posts} == {billed.gateway_customer_id}
    assert {p["params"]["currency"] for p in posts} == {"gbp"}
    record = SubscriptionInvoice.objects.get()
    assert (record.invoice_id, record.subscription_id) == (invoice_id, billed.pk)
    assert (record.invoice_amount, record.total_amount) == (900, 1554)
    assert StripeEvent.objects.get(pk="evt_created_1").outcome == (
        "invoice completed to 1554: shipping 395, tax 259"
    )
    # Nothing is placed or renewed by the draft; the throwaway pricing cart is gone.
    assert not SubscriptionRenewal.objects.exists()
    assert not Order.objects.filter(
        cart_token__startswith="subscription-price-"
    ).exists()

    # Sent twice (the same event redelivered, and another event of the same invoice).
    assert post(json.dumps(created)).status_code == 200
    again = dict(created, id="evt_created_2")
    assert post(json.dumps(again)).status_code == 200
    assert StripeEvent.objects.get(pk="evt_created_2").outcome.startswith("unchanged")
    assert len(stripe_double.invoice_items) == 2
    assert len(stripe_double.posts("/v1/invoiceitems")) == 2
    assert SubscriptionInvoice.objects.count() == 1

    clock.travel(days=4)
    paid = stripe_double.invoice_event(
        billed.gateway_subscription_id,
        paid=True,
        event_id="evt_paid_1",
        invoice_id=invoice_id,
    )
    assert paid["data"]["object"]["amount_paid"] == 1554
    assert post(json.dumps(paid)).status_code == 200

    renewal = SubscriptionRenewal.objects.get()
    order = renewal.order
    assert order.total_amount == paid["data"]["object"]["amount_paid"]
    assert (order.shipping_amount, order.tax_amount) == (395, 259)
    assert order.metadata["stripe_invoice_id"] == invoice_id
    assert "stripe_invoice_difference" not in order.metadata
    assert not order.timeline.filter(type="note").exists()
    assert renewal.message == ""
    assert StripeEvent.objects.get(pk="evt_paid_1").outcome == "subscription renewed"


def test_invoice_created_adds_a_price_changed_since_the_subscription_started(
    billed, stripe_double, sub_shop
):
    # The merchant raised the price to £10.00: the renewal order charges it.
    Product.objects.filter(pk=sub_shop.monthly.pk).update(price_amount=1000)
    created = _created(stripe_double, billed)
    invoice_id = created["data"]["object"]["id"]

    assert post(json.dumps(created)).status_code == 200

    # 1000 + 395, 20% VAT: 1674; the invoice had 900.
    assert _items(stripe_double, invoice_id) == {
        "Shipping": 395,
        "Tax": 279,
        "Price adjustment": 100,
    }
    paid = stripe_double.invoice_event(
        billed.gateway_subscription_id,
        paid=True,
        event_id="evt_p",
        invoice_id=invoice_id,
    )
    assert post(json.dumps(paid)).status_code == 200
    assert SubscriptionRenewal.objects.get().order.total_amount == 1674


def test_a_total_changed_between_the_draft_and_the_payment_is_recorded_for_the_merchant(
    billed, stripe_double, sub_shop
):
    created = _created(stripe_double, billed)
    invoice_id = created["data"]["object"]["id"]
    assert post(json.dumps(created)).status_code == 200
    # The invoice was finalized at £15.54; the price changed before it was paid.
    Product.objects.filter(pk=sub_shop.monthly.pk).update(price_amount=1000)
    paid = stripe_double.invoice_event(
        billed.gateway_subscription_id,
        paid=True,
        event_id="evt_p",
        invoice_id=invoice_id,
    )

    assert post(json.dumps(paid)).status_code == 200

    renewal = SubscriptionRenewal.objects.get()
    order = renewal.order
    assert order.total_amount == 1674
    assert order.payment_status == Order.PaymentStatus.PAID
    assert order.metadata["stripe_invoice_difference"] == {
        "invoiceAmountPaid": 1554,
        "orderTotal": 1674,
        "difference": -120,
        "currency": "GBP",
    }
    note = order.timeline.get(type="note")
    assert invoice_id in note.message
    assert "£15.54" in note.message and "£16.74" in note.message
    assert renewal.message == note.message
    assert StripeEvent.objects.get(pk="evt_p").outcome == (
        "subscription renewed; the invoice and the order differ"
    )


def test_invoice_created_when_stripe_cannot_be_reached_is_redelivered_and_adds_once(
    billed, stripe_double, monkeypatch
):
    from orders.gateways import PaymentGatewayError, StripeBilling

    created = _created(stripe_double, billed)
    invoice_id = created["data"]["object"]["id"]
    real = StripeBilling.invoice_item_add
    calls = []

    def second_fails(self, **kwargs):
        calls.append(kwargs["key"])
        if len(calls) == 2:
            raise PaymentGatewayError("The payment provider could not be reached.")
        return real(self, **kwargs)

    monkeypatch.setattr(StripeBilling, "invoice_item_add", second_fails)

    assert post(json.dumps(created)).status_code == 500  # Stripe redelivers it

    assert not StripeEvent.objects.exists()
    assert not SubscriptionInvoice.objects.exists()
    assert _items(stripe_double, invoice_id) == {"Shipping": 395}
    monkeypatch.setattr(StripeBilling, "invoice_item_add", real)

    assert post(json.dumps(created)).status_code == 200

    # The shipping item's key answered the first item again: nothing is added twice.
    assert _items(stripe_double, invoice_id) == {"Shipping": 395, "Tax": 259}
    assert stripe_double.invoice_total(invoice_id) == 1554
    assert SubscriptionInvoice.objects.count() == 1


def test_invoice_created_leaves_other_invoices_alone(billed, stripe_double):
    created = _created(stripe_double, billed)
    obj = created["data"]["object"]
    first = dict(created, id="evt_first")
    first["data"] = {"object": dict(obj, billing_reason="subscription_create")}
    finalized = dict(created, id="evt_open")
    finalized["data"] = {"object": dict(obj, status="open")}

    assert post(json.dumps(first)).status_code == 200
    assert post(json.dumps(finalized)).status_code == 200

    assert StripeEvent.objects.get(pk="evt_first").outcome.startswith("ignored")
    assert StripeEvent.objects.get(pk="evt_open").outcome.startswith("ignored")
    assert not stripe_double.invoice_items
    assert not SubscriptionInvoice.objects.exists()


def test_an_invoice_finalized_before_its_items_are_added_is_refused_then_noted(
    billed, stripe_double
):
    created = _created(stripe_double, billed)
    invoice_id = created["data"]["object"]["id"]
    stripe_double.invoices[invoice_id]["status"] = "open"  # finalized meanwhile

    assert post(json.dumps(created)).status_code == 200  # not redelivered forever

    outcome = StripeEvent.objects.get(pk="evt_created_1").outcome
    assert outcome.startswith("refused: Stripe refused to add to invoice")
    assert not stripe_double.invoice_items
    assert not SubscriptionInvoice.objects.exists()
    paid = stripe_double.invoice_event(
        billed.gateway_subscription_id,
        paid=True,
        event_id="evt_p",
        invoice_id=invoice_id,
    )
    assert post(json.dumps(paid)).status_code == 200
    order = SubscriptionRenewal.objects.get().order
    assert order.metadata["stripe_invoice_difference"]["difference"] == 900 - 1554
    assert order.timeline.filter(type="note").count() == 1

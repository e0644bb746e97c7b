"""With Stripe: checkout's subscription is billed by Stripe Billing (Customer, Price,
Subscription in the Stripe double), and its invoice webhooks drive the same renewal and
failure paths as the offline renewal task."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from orders.models import Order, StripeEvent
from orders.tests.test_stripe_webhook import SECRET, post
from subscriptions.models import Subscription, SubscriptionRenewal
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

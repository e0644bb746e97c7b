"""The renewal task run by several workers at once on PostgreSQL (real threads, each with its
own connection): each due period is charged once."""

from __future__ import annotations

import pytest

from orders.models import OfflinePaymentIntent, Order
from subscriptions import services
from subscriptions.models import Subscription, SubscriptionRenewal
from tests.concurrency import run_threads
from webhooks.models import Event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.RATELIMIT_ENABLE = False


def _subscribed(shopper, sub_shop, product, card="pm_card_visa"):
    method = sub_shop.method if product.requires_shipping else None
    shopper.ready(product, method=method)
    response = shopper.checkout(card)
    assert response.status_code == 200, response.json()
    return Subscription.objects.get()


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_renewal_runs_charge_a_period_once(
    sub_shop, shopper, clock, workers
):
    subscription = _subscribed(shopper, sub_shop, sub_shop.monthly)
    clock.travel(days=40)

    run_threads(workers, lambda i: services.subscriptions_renew_due())

    assert SubscriptionRenewal.objects.count() == 1
    renewal = SubscriptionRenewal.objects.get()
    assert renewal.status == SubscriptionRenewal.Status.SUCCEEDED
    paid = Order.objects.filter(type="order", payment_status="paid")
    assert paid.count() == 2  # the checkout and one renewal
    assert OfflinePaymentIntent.objects.filter(status="succeeded").count() == 2
    assert Event.objects.filter(type="subscription.renewed").count() == 1
    subscription.refresh_from_db()
    assert subscription.current_period_start == renewal.period_start


def test_concurrent_runs_record_one_decline_per_attempt(sub_shop, shopper, clock):
    subscription = _subscribed(
        shopper, sub_shop, sub_shop.trial, card="pm_card_chargeDeclined"
    )
    clock.travel(days=14)

    run_threads(
        3, lambda i: services.subscription_renew(subscription_id=subscription.pk)
    )

    assert list(SubscriptionRenewal.objects.values_list("attempt", "status")) == [
        (1, "failed")
    ]
    assert OfflinePaymentIntent.objects.count() == 1
    assert Event.objects.filter(type="subscription.payment_failed").count() == 1
    subscription.refresh_from_db()
    assert subscription.failed_attempts == 1
    assert subscription.status == Subscription.Status.PAST_DUE


def test_concurrent_deliveries_of_invoice_created_add_the_items_once(
    sub_shop, shopper, clock, stripe_double
):
    """Stripe delivering ``invoice.created`` of one draft several times at once (distinct
    event ids): shipping and tax are added to the invoice once."""
    from orders.stripe_events import stripe_event_process
    from subscriptions.models import SubscriptionInvoice

    subscription = _subscribed(shopper, sub_shop, sub_shop.monthly)
    created = stripe_double.invoice_created_event(
        subscription.gateway_subscription_id, event_id="evt_created"
    )
    invoice_id = created["data"]["object"]["id"]

    run_threads(
        3,
        lambda i: stripe_event_process(event=dict(created, id=f"evt_created_{i}")),
    )

    invoice = stripe_double.invoices[invoice_id]
    assert sorted(
        stripe_double.invoice_items[i]["description"] for i in invoice["items"]
    ) == ["Shipping", "Tax"]
    assert stripe_double.invoice_total(invoice_id) == 1554
    assert SubscriptionInvoice.objects.count() == 1
    assert not Order.objects.filter(
        cart_token__startswith="subscription-price-"
    ).exists()

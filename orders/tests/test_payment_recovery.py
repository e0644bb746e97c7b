"""A charge always ends as a paid order or a refund (issue 12, part 2).

The failure is injected at the exact point: the gateway has charged, and the transaction
that records it is lost (the database connection of the request is terminated on
PostgreSQL, as when the server or the connection dies). Then the shopper's retry, the
reservation timeout, or a late Stripe event must each end with a paid order (or a refund
when the stock has gone), never a failed order holding a succeeded payment.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import stripe
from django.core import mail
from django.db import connection
from django.test import Client, TestCase
from django.utils import timezone

from carts import checkout
from catalog.models import Variant
from orders import services
from orders.models import OfflinePaymentIntent, Order, OrderEvent, PaymentAttempt

from .conftest import Shopper

WEBHOOK_SECRET = "whsec_recovery"


def stock(product) -> int:
    """What test mode can buy (these checkouts use the test key; live stock is untouched)."""
    return Variant.objects.get(product=product).available_stock("test")


def data(response) -> dict:
    return response.json()["data"]


def the_connection_dies_before_the_outcome_is_recorded(monkeypatch):
    """Terminate the request's own PostgreSQL backend right after the gateway answered,
    before ``checkout._record`` writes anything (the transaction that would record the
    payment is lost)."""
    calls = []

    def dropped(order, attempt, result, *, return_url):
        calls.append(result)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(checkout, "_record", dropped)
    return calls


def crash(shopper, monkeypatch, **kwargs):
    """Check out with the connection dying between charge and record: a 500."""
    calls = the_connection_dies_before_the_outcome_is_recorded(monkeypatch)
    shopper.client.client.raise_request_exception = False
    response = shopper.checkout("pm_card_visa", **kwargs)
    monkeypatch.undo()
    shopper.client.client.raise_request_exception = True
    connection.close()  # the harness reconnects, as a new worker would
    assert response.status_code == 500, response.content
    assert calls and calls[0].succeeded  # the gateway did charge
    return response


def later(minutes=31):
    return timezone.now() + timedelta(minutes=minutes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_charge_is_recorded_before_the_crash_and_the_retry_answers_with_the_order(
    public, checkout_shop, monkeypatch, settings
):
    settings.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS = 0
    shopper = Shopper(public, "crash-visitor").ready(
        checkout_shop.candle, method=checkout_shop.method
    )
    cart_id = shopper.cart()["id"]

    crash(shopper, monkeypatch, idempotency_key="buy-1")

    # Committed before the charge: the attempt knows its payment.
    attempt = PaymentAttempt.objects.get()
    intent = OfflinePaymentIntent.objects.get()
    assert intent.status == "succeeded" and attempt.intent_id == intent.pk
    order = Order.objects.get(pk=cart_id)
    assert (order.type, order.payment_status, order.payment_intent_id) == (
        "order",
        "pending",
        intent.pk,
    )
    assert stock(checkout_shop.candle) == 9

    retry = shopper.checkout("pm_card_visa", idempotency_key="buy-1")

    assert retry.status_code == 200, retry.json()
    body = data(retry)
    assert (body["orderId"], body["status"], body["orderNumber"]) == (
        cart_id,
        "paid",
        "1001",
    )
    assert OfflinePaymentIntent.objects.count() == 1
    assert stock(checkout_shop.candle) == 9
    assert PaymentAttempt.objects.get().status == "succeeded"
    # Answered again by the idempotency layer from now on.
    again = shopper.checkout("pm_card_visa", idempotency_key="buy-1")
    assert again["Idempotent-Replayed"] == "true" and data(again) == body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_a_retry_the_reservation_timeout_finds_the_payment_and_marks_it_paid(
    public, checkout_shop, monkeypatch
):
    shopper = Shopper(public, "crash-visitor").ready(
        checkout_shop.candle, method=checkout_shop.method
    )
    cart_id = shopper.cart()["id"]
    crash(shopper, monkeypatch)
    mail.outbox.clear()

    failed = services.order_reservations_expire(now=later())

    assert failed == 0
    order = Order.objects.get(pk=cart_id)
    assert (order.payment_status, order.order_number) == ("paid", 1001)
    assert order.stock_reserved and stock(checkout_shop.candle) == 9
    assert PaymentAttempt.objects.get().status == "succeeded"
    assert {m.to[0] for m in mail.outbox} == {"sam@example.com", "orders@acme.example"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_checkout_without_the_key_after_the_crash_answers_with_the_order_too(
    public, checkout_shop, monkeypatch, settings
):
    """The token has no cart any more: rather than "cart empty", the checkout settles the
    order it placed (once a request could no longer be running)."""
    shopper = Shopper(public, "crash-visitor").ready(
        checkout_shop.candle, method=checkout_shop.method
    )
    cart_id = shopper.cart()["id"]
    crash(shopper, monkeypatch)

    early = shopper.checkout("pm_card_visa")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "checkout_in_progress"

    settings.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS = 0
    response = shopper.checkout("pm_card_visa")

    assert response.status_code == 200 and data(response)["orderId"] == cart_id
    assert OfflinePaymentIntent.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_stripe_the_timeout_asks_stripe_and_the_order_is_paid(
    stripe_double, public, checkout_shop, monkeypatch
):
    shopper = Shopper(public, "crash-visitor").ready(
        checkout_shop.candle, method=checkout_shop.method
    )
    cart_id = shopper.cart()["id"]
    crash(shopper, monkeypatch)
    [charge] = stripe_double.charges
    order = Order.objects.get(pk=cart_id)
    assert order.payment_intent_id == charge["payment_intent"]

    services.order_reservations_expire(now=later())

    order.refresh_from_db()
    assert (order.payment_status, order.order_number) == ("paid", 1001)
    assert stock(checkout_shop.candle) == 9
    assert not stripe_double.refunds


# -- a late payment_intent.succeeded for an expired order (Stripe) ---------------------------


def stripe_event(intent: dict, event_id: str) -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "created": int(time.time()),
            "livemode": False,
            "type": "payment_intent.succeeded",
            "data": {"object": intent},
        }
    )


def deliver(payload: str):
    header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        return Client().post(
            "/webhooks/stripe",
            payload,
            content_type="application/json",
            headers={"Stripe-Signature": header},
        )


@pytest.fixture
def expired_3ds(stripe_double, shopper, checkout_shop, settings):
    """A 3-D Secure checkout whose reservation expired (failed, stock released) while
    Stripe, unknown to us, went on to charge it."""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    body = data(shopper.checkout("pm_card_authenticationRequired"))
    order = Order.objects.get(pk=body["orderId"])
    services.order_payment_failed(
        order=order, reason=services.EXPIRED_REASON, intent_status="canceled"
    )
    assert stock(checkout_shop.candle) == 10
    intent = stripe_double.complete_3ds(order.payment_intent_id, approve=True)
    mail.outbox.clear()
    return order, intent


@pytest.mark.django_db
def test_a_late_success_for_an_expired_order_takes_the_stock_again_and_pays_it(
    expired_3ds, stripe_double, checkout_shop
):
    order, intent = expired_3ds

    response = deliver(stripe_event(intent, "evt_late"))

    assert response.json()["outcome"] == "order paid"
    order.refresh_from_db()
    assert (order.payment_status, order.order_number) == ("paid", 1001)
    assert order.stock_reserved and stock(checkout_shop.candle) == 9
    assert not stripe_double.refunds
    assert {m.to[0] for m in mail.outbox} == {"sam@example.com", "orders@acme.example"}


@pytest.mark.django_db
def test_a_late_success_whose_stock_has_sold_is_refunded_and_both_sides_told(
    expired_3ds, stripe_double, checkout_shop
):
    order, intent = expired_3ds
    Variant.objects.filter(product=checkout_shop.candle).update(stock=0)

    response = deliver(stripe_event(intent, "evt_late"))

    assert response.status_code == 200
    assert response.json()["outcome"] == "refunded automatically"
    [refund] = stripe_double.refunds.values()
    assert (refund["payment_intent"], refund["amount"]) == (
        intent["id"],
        order.total_amount,
    )
    order.refresh_from_db()
    assert (order.payment_status, order.refunded_amount) == (
        "cancelled",
        order.total_amount,
    )
    assert order.paid_at is not None and order.order_number == 1001
    assert stock(checkout_shop.candle) == 0
    [note] = OrderEvent.objects.filter(order=order, type="payment_refunded")
    assert note.data["kind"] == "out_of_stock"
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"sam@example.com", "orders@acme.example"}
    assert "sold out" in by_recipient["sam@example.com"].body
    assert "stock had sold" in by_recipient["orders@acme.example"].body
    assert "#1001" in by_recipient["orders@acme.example"].subject
    # No "order confirmed" email went out for it.
    assert not any("confirm" in m.subject.lower() for m in mail.outbox)


@pytest.mark.django_db
def test_the_timeout_never_fails_an_order_whose_payment_succeeded_at_stripe(
    stripe_double, shopper, checkout_shop
):
    """The shopper completed 3-D Secure but the webhook has not arrived: Stripe refuses to
    cancel a succeeded payment, and the order is paid instead of failed."""
    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    order = Order.objects.get(
        pk=data(shopper.checkout("pm_card_authenticationRequired"))["orderId"]
    )
    stripe_double.complete_3ds(order.payment_intent_id, approve=True)

    assert services.order_reservations_expire(now=later()) == 0

    order.refresh_from_db()
    assert order.payment_status == "paid" and stock(checkout_shop.candle) == 9


@pytest.mark.django_db
def test_an_attempt_that_never_reached_confirmation_is_failed_by_the_timeout(
    shopper, checkout_shop, monkeypatch
):
    """The process died between preparing the payment and recording its id: nothing was
    charged (checkout confirms only recorded payments), so the timeout cancels it and
    releases the stock."""
    from orders.gateways import OfflineGateway

    class Killed(BaseException):
        """The worker process is killed: no handler in between runs."""

    def died(order, attempt, prepared):
        raise Killed

    shopper.ready(checkout_shop.candle, method=checkout_shop.method)
    monkeypatch.setattr(checkout, "_intent_record", died)
    with pytest.raises(Killed):
        shopper.checkout("pm_card_visa")
    monkeypatch.undo()
    intent = OfflinePaymentIntent.objects.get()
    assert intent.status == "requires_confirmation"
    assert PaymentAttempt.objects.get().intent_id == ""

    assert services.order_reservations_expire(now=later()) == 1

    intent.refresh_from_db()
    assert intent.status == "canceled"
    assert Order.objects.get().payment_status == "failed"
    assert stock(checkout_shop.candle) == 10
    assert OfflineGateway().payment_find(idempotency_key=intent.idempotency_key)

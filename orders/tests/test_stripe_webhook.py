"""POST /webhooks/stripe: signature verification and exactly-once event processing."""

import json
import time

import pytest
import stripe
from django.core import mail
from django.test import Client

from catalog.models import InventoryAdjustment, Variant
from orders import services
from orders.models import Order, StripeEvent
from webhooks.models import Event

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_secret"
URL = "/webhooks/stripe"


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET


def stripe_event(type_, obj, *, event_id="evt_1", created=None) -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": created or int(time.time()),
            "livemode": False,
            "type": type_,
            "data": {"object": obj},
        }
    )


def intent(order, *, status="succeeded", intent_id="pi_3Stripe", error=None):
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": order.total_amount,
        "currency": order.currency.lower(),
        "status": status,
        "metadata": {"order_id": order.id, "store_id": order.store_id},
        "last_payment_error": error,
        "next_action": None,
    }


def post(payload: str, *, secret=SECRET, signature=None, execute=True):
    from django.db import connection
    from django.test import TestCase

    header = (
        signature
        if signature is not None
        else stripe.WebhookSignature.generate_signature_header(payload, secret)
    )
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=execute):
        return Client().post(
            URL,
            payload,
            content_type="application/json",
            headers={"Stripe-Signature": header},
        )


@pytest.fixture
def awaiting(shop, make_order):
    """An order waiting for Stripe's 3-D Secure result."""
    shop.store.notification_email = "orders@acme.example"
    shop.store.save()
    return make_order(
        shop.store,
        payment_gateway="stripe",
        payment_intent_id="pi_3Stripe",
        payment_intent_status="requires_action",
        payment_method="pm_card_authenticationRequired",
    )


def test_payment_intent_succeeded_marks_the_order_paid(awaiting):
    created = int(time.time()) - 5
    response = post(
        stripe_event("payment_intent.succeeded", intent(awaiting), created=created)
    )
    assert response.status_code == 200
    assert response.json() == {
        "received": True,
        "duplicate": False,
        "outcome": "order paid",
    }
    awaiting.refresh_from_db()
    assert (
        awaiting.payment_status == "paid"
        and awaiting.payment_intent_status == "succeeded"
    )
    assert int(awaiting.paid_at.timestamp()) == created
    assert awaiting.order_number == 1001
    assert Event.objects.filter(type="order.paid").count() == 1
    assert len(mail.outbox) == 2
    assert StripeEvent.objects.get(pk="evt_1").order_id == awaiting.id


def test_a_replayed_event_changes_nothing(awaiting):
    payload = stripe_event("payment_intent.succeeded", intent(awaiting))
    post(payload)
    awaiting.refresh_from_db()
    paid_at, updated_at = awaiting.paid_at, awaiting.updated_at
    response = post(payload)
    assert response.status_code == 200 and response.json()["duplicate"] is True
    awaiting.refresh_from_db()
    assert (awaiting.paid_at, awaiting.updated_at) == (paid_at, updated_at)
    assert Event.objects.filter(type="order.paid").count() == 1
    assert len(mail.outbox) == 2
    assert StripeEvent.objects.count() == 1


def test_a_bad_signature_is_a_400_in_the_envelope(awaiting):
    payload = stripe_event("payment_intent.succeeded", intent(awaiting))
    response = post(payload, secret="whsec_someone_else")
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid_signature", "message": "Invalid Stripe-Signature."}
    }
    missing = post(payload, signature="")
    assert (
        missing.status_code == 400
        and missing.json()["error"]["code"] == "invalid_signature"
    )
    stale = stripe.WebhookSignature.generate_signature_header(
        payload, SECRET, timestamp=int(time.time()) - 3600
    )
    assert post(payload, signature=stale).status_code == 400
    awaiting.refresh_from_db()
    assert awaiting.payment_status == "pending"
    assert not StripeEvent.objects.exists()


def test_a_signed_but_malformed_payload_is_a_400(awaiting):
    for payload in ("not json", "[]", json.dumps({"id": "evt_x", "object": "event"})):
        response = post(payload)
        assert response.status_code == 400, payload
        assert response.json()["error"]["code"] == "invalid_payload"


def test_unconfigured_secret_and_wrong_method(settings, awaiting):
    assert Client().get(URL).status_code == 405
    assert Client().get(URL).json()["error"]["code"] == "method_not_allowed"
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = post(stripe_event("payment_intent.succeeded", intent(awaiting)))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "webhook_not_configured"


def test_payment_failed_fails_the_order_and_releases_stock(awaiting):
    variant = awaiting.items.get().variant
    assert Variant.objects.get(pk=variant.pk).available_stock("test") == 8
    error = {
        "type": "card_error",
        "code": "payment_intent_authentication_failure",
        "message": "The provided PaymentMethod has failed authentication.",
    }
    obj = intent(awaiting, status="requires_payment_method", error=error)
    response = post(
        stripe_event("payment_intent.payment_failed", obj, event_id="evt_fail")
    )
    assert response.json()["outcome"] == "order failed"
    awaiting.refresh_from_db()
    assert awaiting.payment_status == "failed"
    assert awaiting.payment_intent_status == "requires_payment_method"
    assert Variant.objects.get(pk=variant.pk).available_stock("test") == 10
    release = InventoryAdjustment.objects.get(source="release", reference=awaiting.id)
    assert "failed authentication" in release.reason


def test_a_failure_of_an_earlier_attempt_is_ignored(awaiting):
    obj = intent(
        awaiting,
        status="requires_payment_method",
        intent_id="pi_old_attempt",
        error={
            "type": "card_error",
            "code": "card_declined",
            "message": "Your card was declined.",
        },
    )
    response = post(stripe_event("payment_intent.payment_failed", obj))
    assert response.json()["outcome"] == "unchanged"
    awaiting.refresh_from_db()
    assert awaiting.payment_status == "pending" and awaiting.stock_reserved


def test_an_order_without_an_intent_yet_is_found_by_metadata(shop, make_order):
    order = make_order(shop.store)
    post(stripe_event("payment_intent.succeeded", intent(order, intent_id="pi_new")))
    order.refresh_from_db()
    assert order.payment_status == "paid" and order.payment_intent_id == "pi_new"
    assert order.payment_gateway == "stripe"


def test_charge_refunded_records_the_refunded_total(awaiting):
    services.order_mark_paid(order=awaiting)
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_3Stripe",
        "amount": 4800,
        "amount_refunded": 2400,
        "refunded": False,
    }
    payload = stripe_event("charge.refunded", charge, event_id="evt_refund")
    assert post(payload).json()["outcome"] == "refunded 2400"
    awaiting.refresh_from_db()
    assert (awaiting.refunded_amount, awaiting.payment_status) == (
        2400,
        "partially_refunded",
    )
    assert post(payload).json()["duplicate"] is True
    assert Event.objects.filter(type="order.refunded").count() == 1


def test_other_event_types_are_acknowledged_and_ignored(awaiting):
    response = post(
        stripe_event(
            "customer.created", {"id": "cus_1", "object": "customer"}, event_id="evt_c"
        )
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored: event type not handled"
    unknown = intent(awaiting, intent_id="pi_elsewhere")
    unknown["metadata"] = {}
    assert (
        post(stripe_event("payment_intent.succeeded", unknown, event_id="evt_u"))
        .json()["outcome"]
        .startswith("ignored")
    )
    awaiting.refresh_from_db()
    assert awaiting.payment_status == "pending"


def test_a_payment_for_a_cancelled_order_is_refunded(stripe_double, shop, awaiting):
    """Money taken for an order that was cancelled meanwhile goes back automatically, and
    the shopper and the merchant are told."""
    from orders.gateways import StripeGateway, payment_idempotency_key

    paid = StripeGateway().payment_create(
        order=awaiting,
        amount=awaiting.total_amount,
        currency=awaiting.currency,
        payment_method="pm_card_visa",
        idempotency_key=payment_idempotency_key(order=awaiting, attempt=1),
    )
    Order.objects.filter(pk=awaiting.pk).update(
        payment_status="cancelled", payment_intent_id=paid.intent_id
    )
    mail.outbox.clear()
    event = intent(awaiting, intent_id=paid.intent_id)

    response = post(stripe_event("payment_intent.succeeded", event))

    assert response.status_code == 200
    assert response.json()["outcome"] == "refunded automatically"
    [refund] = stripe_double.refunds.values()
    assert (refund["payment_intent"], refund["amount"]) == (paid.intent_id, 4800)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "orders@acme.example",
        "sam@example.com",
    ]
    assert all("£48.00" in m.subject for m in mail.outbox)
    awaiting.refresh_from_db()
    assert awaiting.payment_status == "cancelled"
    assert StripeEvent.objects.filter(pk="evt_1").exists()
    # Delivered again: nothing more.
    assert post(stripe_event("payment_intent.succeeded", event)).json()["duplicate"]
    assert len(stripe_double.refunds) == 1


def test_a_refund_that_cannot_be_made_leaves_the_event_for_stripe_to_retry(awaiting):
    """No Stripe to refund through (the double is not running): a 500, nothing recorded,
    so Stripe delivers the event again."""
    Order.objects.filter(pk=awaiting.pk).update(payment_status="cancelled")

    response = post(stripe_event("payment_intent.succeeded", intent(awaiting)))

    assert response.status_code == 500
    assert not StripeEvent.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_are_processed_once(awaiting):
    import threading

    from django.db import connection as thread_connection

    payload = stripe_event(
        "payment_intent.succeeded", intent(awaiting), event_id="evt_race"
    )
    header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
    barrier = threading.Barrier(6)
    answers = []

    def deliver():
        try:
            barrier.wait()
            response = Client().post(
                URL,
                payload,
                content_type="application/json",
                headers={"Stripe-Signature": header},
            )
            answers.append((response.status_code, response.json()["duplicate"]))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [(200, False)] + [(200, True)] * 5
    awaiting.refresh_from_db()
    assert awaiting.payment_status == "paid" and awaiting.order_number == 1001
    assert Event.objects.filter(type="order.paid").count() == 1


def test_an_oversized_payload_is_a_400(settings, awaiting):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = post(stripe_event("payment_intent.succeeded", intent(awaiting)))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_payload"

"""Fulfilment, refund and cancellation emails: branding, locale, queueing, SMTP retries."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import OutboxTask, outbox_sweep
from orders import services, tasks
from orders.emails import cancellation_send

from .conftest import lines_of

pytestmark = pytest.mark.django_db


class FailsOnceBackend(EmailBackend):
    """The locmem backend, but the first send raises like an SMTP server going away."""

    failures = 0

    def send_messages(self, messages):
        if FailsOnceBackend.failures == 0:
            FailsOnceBackend.failures += 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def test_a_failing_smtp_send_is_retried(
    paid_order, settings, django_capture_on_commit_callbacks
):
    FailsOnceBackend.failures = 0
    settings.EMAIL_BACKEND = f"{__name__}.FailsOnceBackend"
    with django_capture_on_commit_callbacks(execute=True):
        services.order_fulfill(order=paid_order, carrier="DPD")
    # The SMTP error left the message in the outbox, due again after a backoff.
    assert FailsOnceBackend.failures == 1 and mail.outbox == []
    message = OutboxMessage.objects.get(task=tasks.order_fulfillment_email.name)
    assert message.status == "pending" and message.attempts == 1
    assert message.error.startswith("SMTPServerDisconnected")
    wait = message.scheduled_at - timezone.now()
    assert timedelta(seconds=20) < wait <= timedelta(seconds=36)
    assert outbox_sweep()["published"] == 0  # not due yet
    assert outbox_sweep(now=message.scheduled_at)["published"] == 1
    [email] = mail.outbox
    assert email.subject == "Your Acme Candles order #1001 has shipped"
    assert "Carrier: DPD" in email.body
    assert not OutboxMessage.objects.exists()
    for task in (
        tasks.order_fulfillment_email,
        tasks.order_refund_email,
        tasks.order_cancellation_email,
    ):
        assert isinstance(task, OutboxTask) and task.max_attempts == 8


def test_emails_are_sent_only_after_commit(
    paid_order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.order_refund(order=paid_order, amount=500)
    assert mail.outbox == [] and len(callbacks) >= 1
    for callback in callbacks:
        callback()
    assert [m.subject for m in mail.outbox] == [
        "Acme Candles has refunded £5.00 on order #1001"
    ]


def test_emails_use_the_store_branding_and_locale(private, paid_order):
    store = paid_order.store
    store.default_locale = "fr"
    store.branding = {
        "primary_color": "#123456",
        "logo_url": "https://cdn.example/logo.png",
    }
    store.save()
    private.post(f"/orders/{paid_order.pk}/refund", {"amount": 2400})
    [message] = mail.outbox
    # A store whose default locale is French writes its emails in French (issue 18).
    assert message.subject == "Acme Candles a remboursé 24,00 £ sur la commande n° 1001"
    assert (
        "Nous avons remboursé 24,00\u00a0£ sur votre commande n° 1001." in message.body
    )
    html = message.alternatives[0][0]
    assert "#123456" in html and "https://cdn.example/logo.png" in html
    assert '<html lang="fr">' in html


def test_partial_fulfilment_email_says_the_rest_follows(private, paid_order):
    candles, _ = lines_of(paid_order)
    private.post(
        f"/orders/{paid_order.pk}/fulfill",
        {"items": [{"id": candles.pk, "quantity": 2}]},
    )
    [message] = mail.outbox
    assert message.subject == "Part of your Acme Candles order #1001 has shipped"
    assert "We will email you again when the rest ships." in message.body
    assert "Matches" not in message.body.split("Shipped:")[1].split("Shipping to:")[0]
    assert "Track your parcel" not in message.body


def test_cancellation_email_after_a_paid_order_and_no_email_without_address(
    private, shop, make_paid_order
):
    order = make_paid_order(shop.store, email="")
    private.post(f"/orders/{order.pk}/cancel", {})
    assert mail.outbox == []
    assert cancellation_send(order_id=order.pk) == 0

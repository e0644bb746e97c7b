"""Delivery: payload, headers, signature, retries with backoff, disabling, timeouts."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from webhooks import net, services
from webhooks.models import Delivery, Event

from .receiver import verify_signature

pytestmark = pytest.mark.django_db


def record(store, type="order.paid", data=None, mode="test"):
    return services.event_record(
        store=store,
        type=type,
        data=data or {"id": "ord_1", "status": "paid"},
        mode=mode,
    )


def deliver_now(store, capture, **kwargs):
    """Record an event and run its on-commit fan-out and deliveries (eager Celery)."""
    with capture(execute=True):
        with transaction.atomic():
            event = record(store, **kwargs)
    return event


def test_delivery_payload_headers_and_signature(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(
        shop.store, receiver.url, events=["order.paid", "order.refunded"], mode="live"
    )
    event = deliver_now(
        shop.store,
        django_capture_on_commit_callbacks,
        data={"id": "ord_1", "order_number": 1001, "metadata": {"my_key": "x"}},
        mode="live",
    )

    [request] = receiver.wait_for(1)
    assert request.path == "/hooks/shoprocket"
    body = request.json()
    assert body == {
        "id": event.pk,
        "type": "order.paid",
        "createdAt": event.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": "live",
        "data": {"id": "ord_1", "orderNumber": 1001, "metadata": {"my_key": "x"}},
    }
    delivery = Delivery.objects.get(event=event)
    assert request.headers["Shoprocket-Event"] == "order.paid"
    assert request.headers["Shoprocket-Delivery"] == delivery.pk
    assert request.headers["Content-Type"] == "application/json"
    signature = request.headers["Shoprocket-Signature"]
    assert signature.startswith("t=") and ",v1=" in signature
    assert verify_signature(
        signature, request.body, endpoint.signing_secret, tolerance=300
    )
    assert not verify_signature(signature, request.body + b" ", endpoint.signing_secret)
    assert not verify_signature(signature, request.body, "whsec_wrong")

    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.status_code == 200
    assert delivery.response_excerpt == '{"ok":true}'
    assert delivery.duration_ms is not None and delivery.error == ""
    event.refresh_from_db()
    assert event.dispatched_at is not None
    endpoint.refresh_from_db()
    assert endpoint.last_delivery_at is not None


def test_signature_matches_an_independent_hmac():
    from webhooks import signing

    body = b'{"id":"evt_1"}'
    header = signing.signature_header(
        secret="whsec_abc", timestamp=1700000000, body=body
    )
    import hashlib
    import hmac

    expected = hmac.new(b"whsec_abc", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert signing.secret_generate().startswith("whsec_")
    assert signing.secret_generate() != signing.secret_generate()


def test_fan_out_only_to_active_subscribed_endpoints_and_is_idempotent(
    shop, other_shop, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    subscribed = make_endpoint(shop.store, receiver.url, events=["order.paid"])
    make_endpoint(shop.store, receiver.url, events=["order.refunded"])
    make_endpoint(shop.store, receiver.url, events=["order.paid"], active=False)
    make_endpoint(other_shop.store, receiver.url, events=["order.paid"])

    event = deliver_now(shop.store, django_capture_on_commit_callbacks)
    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [
        subscribed.pk
    ]
    assert len(receiver.wait_for(1)) == 1
    assert services.event_fan_out(event_id=event.pk) == []
    assert Delivery.objects.count() == 1


def test_endpoint_registered_after_the_event_does_not_receive_it(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    event = record(shop.store)  # not dispatched yet (no commit)
    make_endpoint(shop.store, receiver.url)
    assert services.event_fan_out(event_id=event.pk) == []


def test_failure_schedules_a_retry_with_backoff(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    receiver.status = 500
    receiver.reply = b"boom"
    endpoint = make_endpoint(shop.store, receiver.url)
    event = deliver_now(shop.store, django_capture_on_commit_callbacks)

    first = Delivery.objects.get(event=event, attempt=1)
    assert first.status == Delivery.Status.FAILED
    assert first.status_code == 500
    assert first.response_excerpt == "boom"
    assert first.error == "Non-2xx response: HTTP 500."
    second = Delivery.objects.get(event=event, attempt=2)
    assert second.status == Delivery.Status.PENDING
    assert first.next_retry_at == second.scheduled_at
    delay = (second.scheduled_at - first.started_at).total_seconds()
    assert 48 <= delay <= 72  # 60 s ± 20 %
    assert first.retry_until == first.started_at + timedelta(days=3)
    endpoint.refresh_from_db()
    assert endpoint.failing_since == first.started_at
    assert endpoint.active

    # Not due yet: an attempt now is a no-op.
    assert services.delivery_attempt(delivery_id=second.pk) is None
    # Once due, the receiver has recovered: success resets the failure record.
    receiver.status = 200
    done = services.delivery_attempt(delivery_id=second.pk, now=second.scheduled_at)
    assert done.status == Delivery.Status.SUCCEEDED
    assert done.next_retry_at is None
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert len(receiver.requests) == 2
    # Both attempts carry the same event id, for the receiver to deduplicate.
    assert {r.json()["id"] for r in receiver.requests} == {event.pk}


def test_retry_delay_schedule():
    assert [
        services.retry_delay(n, rand=lambda: 0.5).total_seconds() for n in range(1, 12)
    ] == [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 28800, 28800]
    assert services.retry_delay(1, rand=lambda: 0.0).total_seconds() == 48
    assert services.retry_delay(1, rand=lambda: 1.0).total_seconds() == 72
    assert services.retry_delay(40, rand=lambda: 1.0).total_seconds() == 28800 * 1.2


def test_failing_for_three_days_disables_the_endpoint_and_emails_the_merchant(
    make_store, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    shop = make_store(notification_email="owner@acme.test")
    receiver.status = 503
    endpoint = make_endpoint(shop.store, receiver.url)
    deliver_now(shop.store, django_capture_on_commit_callbacks)

    # Drive every retry on a fake clock: each attempt runs exactly when it is scheduled.
    attempts = [Delivery.objects.get(attempt=1)]
    with django_capture_on_commit_callbacks(execute=True):
        while True:
            pending = Delivery.objects.filter(status=Delivery.Status.PENDING).first()
            if pending is None:
                break
            done = services.delivery_attempt(
                delivery_id=pending.pk, now=pending.scheduled_at
            )
            attempts.append(done)
            assert len(attempts) < 40

    first, last = attempts[0], attempts[-1]
    gaps = [
        (b.started_at - a.started_at).total_seconds()
        for a, b in zip(attempts, attempts[1:], strict=False)
    ]
    # Exponential growth (with jitter) up to the 8 h cap; the last gap lands on the window's end.
    for n, gap in enumerate(gaps[:-1], start=1):
        base = min(60 * 2 ** (n - 1), 8 * 3600)
        assert base * 0.8 <= gap <= base * 1.2, (n, gap)
    assert last.started_at == first.started_at + timedelta(days=3)
    assert 15 <= len(attempts) <= 25
    assert all(a.status == Delivery.Status.FAILED for a in attempts)
    assert last.next_retry_at is None

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.disabled_at == last.started_at
    assert "3 days" in endpoint.disabled_reason
    [email] = mail.outbox
    assert email.to == ["owner@acme.test"]
    assert endpoint.url in email.subject
    assert endpoint.pk in email.body

    # A disabled endpoint receives nothing more.
    received = len(receiver.requests)
    deliver_now(shop.store, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == received


def test_an_endpoint_that_succeeds_sometimes_is_not_disabled(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    receiver.status = 500
    endpoint = make_endpoint(shop.store, receiver.url)
    deliver_now(shop.store, django_capture_on_commit_callbacks)
    receiver.status = 200
    later = timezone.now() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        pending = Delivery.objects.get(status=Delivery.Status.PENDING)
        services.delivery_attempt(delivery_id=pending.pk, now=later)
    receiver.status = 500
    event = record(shop.store)
    services.event_fan_out(event_id=event.pk, now=later)
    new = Delivery.objects.get(event=event)
    # Four days after the first failure, but only two after the last success.
    services.delivery_attempt(delivery_id=new.pk, now=later + timedelta(days=2))
    endpoint.refresh_from_db()
    assert endpoint.active
    assert endpoint.failing_since == later + timedelta(days=2)


def test_manual_retry_after_the_window_is_a_single_attempt(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks, private
):
    receiver.status = 500
    endpoint = make_endpoint(shop.store, receiver.url)
    event = deliver_now(shop.store, django_capture_on_commit_callbacks)
    first = Delivery.objects.get(event=event, attempt=1)
    Delivery.objects.filter(event=event, status=Delivery.Status.PENDING).delete()
    Delivery.objects.filter(pk=first.pk).update(
        retry_until=timezone.now() - timedelta(hours=1)
    )

    response = private.post(f"/webhooks/{endpoint.pk}/deliveries/{first.pk}/retry")
    assert response.status_code == 202, response.content
    data = response.json()["data"]
    assert (
        data["attempt"] == 2 and data["manual"] is True and data["eventId"] == event.pk
    )
    retried = Delivery.objects.get(pk=data["id"])
    assert retried.status == Delivery.Status.FAILED
    assert retried.next_retry_at is None
    assert not Delivery.objects.filter(status=Delivery.Status.PENDING).exists()
    assert len(receiver.requests) == 2


def test_timeout_is_a_failure(
    shop, receiver, make_endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(net, "TIMEOUT_SECONDS", 0.3)
    receiver.delay = 1.0
    make_endpoint(shop.store, receiver.url)
    started = time.monotonic()
    event = deliver_now(shop.store, django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 1.0
    first = Delivery.objects.get(event=event, attempt=1)
    assert first.status == Delivery.Status.FAILED
    assert first.error == "Timed out."
    assert Delivery.objects.filter(event=event, attempt=2, status="pending").exists()


def test_redirects_are_not_followed(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    receiver.status = 302
    receiver.extra_headers = {"Location": "http://127.0.0.1:1/elsewhere"}
    make_endpoint(shop.store, receiver.url)
    event = deliver_now(shop.store, django_capture_on_commit_callbacks)
    first = Delivery.objects.get(event=event, attempt=1)
    assert first.status == Delivery.Status.FAILED and first.status_code == 302
    assert len(receiver.requests) == 1


def test_response_read_is_capped(receiver, insecure):
    receiver.reply = b"x" * (1024 * 1024)
    result = net.post_json(
        receiver.url, b"{}", {"Content-Type": "application/json"}, max_bytes=1000
    )
    assert result.ok
    assert len(result.body_excerpt) == 1000
    result = net.post_json(receiver.url, b"{}", {})
    assert result.ok and len(result.body_excerpt) == net.MAX_RESPONSE_BYTES


def test_connection_refused_is_recorded(
    shop, make_endpoint, django_capture_on_commit_callbacks
):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    make_endpoint(shop.store, f"http://127.0.0.1:{port}/hook")
    event = deliver_now(shop.store, django_capture_on_commit_callbacks)
    first = Delivery.objects.get(event=event, attempt=1)
    assert first.status == Delivery.Status.FAILED
    assert first.status_code is None
    assert first.error == "Connection refused."


def test_deactivated_endpoint_keeps_pending_deliveries_until_reactivated(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    receiver.status = 500
    endpoint = make_endpoint(shop.store, receiver.url)
    event = deliver_now(shop.store, django_capture_on_commit_callbacks)
    pending = Delivery.objects.get(event=event, attempt=2)
    # Its retry time has come.
    due = timezone.now() - timedelta(seconds=1)
    Delivery.objects.filter(pk=pending.pk).update(scheduled_at=due)
    services.webhook_endpoint_update(endpoint=endpoint, data={"active": False})
    assert services.webhooks_sweep()["deliveries"] == 0
    assert services.delivery_attempt(delivery_id=pending.pk) is None

    receiver.status = 200
    services.webhook_endpoint_update(endpoint=endpoint, data={"active": True})
    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhooks_sweep()["deliveries"] == 1
    pending.refresh_from_db()
    assert pending.status == Delivery.Status.SUCCEEDED
    assert len(receiver.requests) == 2


def test_payload_bytes_are_what_is_signed(shop):
    event = Event.objects.create(
        store=shop.store, type="order.paid", data={"a": "é"}, mode="test"
    )
    body = services.delivery_payload(event)
    assert json.loads(body)["data"] == {"a": "é"}
    assert "é".encode() in body


def test_endpoint_deleted_during_an_attempt(
    shop, receiver, make_endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(shop.store, receiver.url)
    real_post = net.post_json

    def post_then_delete(*args, **kwargs):
        result = real_post(*args, **kwargs)
        services.webhook_endpoint_delete(endpoint=endpoint)
        return result

    monkeypatch.setattr(net, "post_json", post_then_delete)
    deliver_now(shop.store, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    assert not Delivery.objects.exists()


def test_the_documented_receiver_verifies_a_real_delivery(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    snippet = docs.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(snippet, "webhooks/README.md", "exec"), namespace)
    verify = namespace["verify_shoprocket_signature"]

    endpoint = make_endpoint(shop.store, receiver.url)
    deliver_now(shop.store, django_capture_on_commit_callbacks)
    [request] = receiver.wait_for(1)
    header = request.headers["Shoprocket-Signature"]
    assert verify(endpoint.signing_secret, header, request.body)
    assert not verify(
        endpoint.signing_secret, header, request.body.replace(b"paid", b"oops")
    )
    assert not verify("whsec_other", header, request.body)
    stale = header.replace(header.split(",")[0], "t=1000000000")
    assert not verify(endpoint.signing_secret, stale, request.body)


# -- one slow or dead receiver cannot starve the others -----------------------------------------


def test_a_failing_endpoint_gets_new_events_once_a_minute_not_once_each(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks, private
):
    receiver.status = 500
    endpoint = make_endpoint(shop.store, receiver.url)
    deliver_now(shop.store, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    endpoint.refresh_from_db()
    # The circuit is open: three more events make no request now.
    for _ in range(3):
        deliver_now(shop.store, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    waiting = Delivery.objects.filter(attempt=1, status=Delivery.Status.PENDING)
    assert waiting.count() == 3
    reopens = endpoint.last_delivery_at + services.CIRCUIT_COOLDOWN
    assert {d.scheduled_at for d in waiting} == {reopens}
    # A minute later the receiver is back: the waiting events go out.
    receiver.status = 200
    for delivery in list(waiting):
        services.delivery_attempt(delivery_id=delivery.pk, now=reopens)
    assert len(receiver.requests) == 4
    assert not Delivery.objects.filter(
        attempt=1, status=Delivery.Status.PENDING
    ).exists()


def test_a_merchants_manual_retry_is_not_held_by_the_circuit(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks, private
):
    receiver.status = 500
    endpoint = make_endpoint(shop.store, receiver.url)
    event = deliver_now(shop.store, django_capture_on_commit_callbacks)
    first = Delivery.objects.get(event=event, attempt=1)
    receiver.status = 200
    response = private.post(f"/webhooks/{endpoint.pk}/deliveries/{first.pk}/retry")
    assert response.status_code == 202
    assert Delivery.objects.get(pk=response.json()["data"]["id"]).status == "succeeded"
    assert len(receiver.requests) == 2


def test_attempts_beyond_the_per_endpoint_cap_wait_instead_of_taking_a_worker(
    shop, other_shop, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(shop.store, receiver.url)
    other = make_endpoint(other_shop.store, receiver.url_for("127.0.0.1"))
    now = timezone.now()
    event = Event.objects.create(store=shop.store, type="order.paid", data={})
    for attempt in (1, 2):  # two attempts to the endpoint are hanging right now
        Delivery.objects.create(
            store=shop.store,
            endpoint=endpoint,
            event=event,
            attempt=attempt,
            status=Delivery.Status.SENDING,
            scheduled_at=now,
            started_at=now,
        )
    third = Delivery.objects.create(
        store=shop.store, endpoint=endpoint, event=event, attempt=3, scheduled_at=now
    )
    assert services.delivery_attempt(delivery_id=third.pk, now=now) is None
    third.refresh_from_db()
    assert third.status == Delivery.Status.PENDING
    assert third.scheduled_at == now + services.BUSY_RETRY
    assert receiver.requests == []
    # Another store's endpoint is not held up.
    theirs_event = Event.objects.create(
        store=other_shop.store, type="order.paid", data={}
    )
    theirs = Delivery.objects.create(
        store=other_shop.store,
        endpoint=other,
        event=theirs_event,
        attempt=1,
        scheduled_at=now,
    )
    assert services.delivery_attempt(delivery_id=theirs.pk).status == "succeeded"
    # Hung attempts older than the stale limit no longer count.
    later = now + services.STALE_AFTER + timedelta(seconds=1)
    assert services.delivery_attempt(delivery_id=third.pk, now=later) is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_per_endpoint_cap_holds_with_concurrent_workers(
    shop, receiver, make_endpoint
):
    """Six workers take six deliveries to one slow receiver at the same moment: two send,
    four wait (PostgreSQL, real concurrent connections)."""
    from tests.concurrency import run_threads

    receiver.delay = 1.0
    endpoint = make_endpoint(shop.store, receiver.url)
    event = Event.objects.create(store=shop.store, type="order.paid", data={})
    now = timezone.now()
    ids = [
        Delivery.objects.create(
            store=shop.store,
            endpoint=endpoint,
            event=event,
            attempt=n,
            scheduled_at=now,
        ).pk
        for n in range(1, 7)
    ]
    run_threads(6, lambda i: services.delivery_attempt(delivery_id=ids[i]))
    assert len(receiver.requests) == services.MAX_IN_FLIGHT_PER_ENDPOINT == 2
    statuses = sorted(Delivery.objects.values_list("status", flat=True))
    assert statuses == ["pending"] * 4 + ["succeeded"] * 2

"""The transactional outbox: events commit with the change, and a broker outage loses nothing."""

from __future__ import annotations

from datetime import UTC, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from orders.models import Order
from webhooks import services, tasks
from webhooks.models import Delivery, Event, WebhookEndpoint

pytestmark = pytest.mark.django_db


def _broker_down(*args, **kwargs):
    raise OperationalError(
        "Error 111 connecting to 127.0.0.1:6379. Connection refused."
    )


def pay_order(store):
    """What a payment does: change the order and record the event, in one transaction."""
    with transaction.atomic():
        order = Order.objects.create(
            store=store,
            type="order",
            cart_token="tok",
            currency="GBP",
            total_amount=2400,
        )
        Order.objects.filter(pk=order.pk).update(payment_status="paid")
        services.event_record(
            store=store,
            type="order.paid",
            data={"id": order.pk, "payment_status": "paid"},
        )
    return order


def test_event_rolls_back_with_the_change(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    make_endpoint(shop.store, receiver.url)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.event_record(
                    store=shop.store, type="order.paid", data={"id": "o"}
                )
                raise RuntimeError("payment failed")
    assert callbacks == []
    assert not Event.objects.exists()
    assert receiver.requests == []


def test_unknown_event_type_is_a_programming_error(shop):
    with pytest.raises(ValueError):
        services.event_record(store=shop.store, type="order.exploded", data={})


def test_outbox_survives_a_broker_that_is_down_when_the_order_is_paid(
    shop, receiver, make_endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(shop.store, receiver.url)
    monkeypatch.setattr(tasks.event_dispatch, "apply_async", _broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        order = pay_order(shop.store)  # the commit succeeds although queueing fails

    event = Event.objects.get()
    assert event.data == {"id": order.pk, "paymentStatus": "paid"}
    assert event.dispatched_at is None
    assert receiver.requests == []

    # Fresh events are left to their own task for a minute.
    assert services.webhooks_sweep()["events"] == 0

    monkeypatch.undo()  # the broker is back
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.webhooks_sweep(now=timezone.now() + timedelta(minutes=2))
    assert counts["events"] == 1
    [request] = receiver.wait_for(1)
    assert request.json()["id"] == event.pk
    assert request.json()["data"]["id"] == order.pk
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert Delivery.objects.get(endpoint=endpoint).status == Delivery.Status.SUCCEEDED


def test_delivery_queued_while_the_broker_is_down_is_swept_later(
    shop, receiver, make_endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    make_endpoint(shop.store, receiver.url)
    monkeypatch.setattr(tasks.delivery_attempt, "apply_async", _broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        pay_order(shop.store)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.queued_at is None
    assert receiver.requests == []

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhooks_sweep()["deliveries"] == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert len(receiver.requests) == 1
    # Nothing left to do: a second sweep queues nothing.
    assert services.webhooks_sweep(now=timezone.now() + timedelta(hours=1)) == {
        "events": 0,
        "deliveries": 0,
        "reset": 0,
    }


def test_sweeper_requeues_stale_queued_and_interrupted_attempts(
    shop, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(shop.store, receiver.url)
    event = Event.objects.create(
        store=shop.store, type="order.paid", data={}, dispatched_at=timezone.now()
    )
    now = timezone.now()
    queued = Delivery.objects.create(
        store=shop.store,
        endpoint=endpoint,
        event=event,
        attempt=1,
        scheduled_at=now,
        queued_at=now,
    )
    # Just queued: the broker has it, so the sweeper leaves it alone.
    assert services.webhooks_sweep(now=now)["deliveries"] == 0
    # A worker died mid-attempt ten minutes ago.
    stuck = Delivery.objects.create(
        store=shop.store,
        endpoint=endpoint,
        event=event,
        attempt=2,
        status="sending",
        scheduled_at=now - timedelta(minutes=10),
        started_at=now - timedelta(minutes=10),
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.webhooks_sweep(now=now + timedelta(minutes=6))
    assert counts == {"events": 0, "deliveries": 2, "reset": 1}
    queued.refresh_from_db()
    stuck.refresh_from_db()
    assert queued.status == stuck.status == Delivery.Status.SUCCEEDED
    assert len(receiver.requests) == 2


def test_management_command_and_beat_schedule(
    shop, receiver, make_endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    from shoprocket_site.celery import collect_beat_schedule

    entry = collect_beat_schedule()["webhooks-sweep"]
    assert entry["task"] == tasks.webhooks_sweep.name
    assert entry["schedule"] == 60.0

    make_endpoint(shop.store, receiver.url)
    monkeypatch.setattr(tasks.event_dispatch, "apply_async", _broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        pay_order(shop.store)
    monkeypatch.undo()
    # Five minutes later (the endpoint predates the event).
    WebhookEndpoint.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    Event.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("webhooks_sweep", stdout=out)
    assert "Queued 1 event(s)" in out.getvalue()
    assert len(receiver.wait_for(1)) == 1


def test_event_data_is_stored_as_the_api_renders_it(shop):
    import uuid
    from datetime import datetime
    from decimal import Decimal

    event = services.event_record(
        store=shop.store,
        type="product.updated",
        data={
            "id": "prod_1",
            "tax_rate": Decimal("20.5"),
            "published_at": datetime(2026, 4, 20, 13, 24, 11, tzinfo=UTC),
            "ref": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "metadata": {"keep_me": 1},
        },
    )
    event.refresh_from_db()
    assert event.data == {
        "id": "prod_1",
        "taxRate": 20.5,
        "publishedAt": "2026-04-20T13:24:11Z",
        "ref": "12345678-1234-5678-1234-567812345678",
        "metadata": {"keep_me": 1},
    }

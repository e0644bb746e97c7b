"""The order timeline and the webhook events of every transition."""

import pytest

from orders import services
from orders.models import OrderEvent
from orders.serializers import PrivateOrderDetailSerializer
from orders.timeline import Actor
from webhooks.models import Event

from .conftest import events_of

pytestmark = pytest.mark.django_db


def test_order_placed_record_adds_the_placed_entry_and_order_created_once(
    shop, make_order
):
    order = make_order(shop.store, email="sam@example.com")
    services.order_number_assign(order=order)
    services.order_placed_record(order=order)
    services.order_placed_record(order=order)
    [entry] = OrderEvent.objects.filter(order=order)
    assert entry.type == "placed"
    assert entry.message == "Order #1001 placed by sam@example.com: £48.00"
    assert (entry.actor_type, entry.actor_label) == ("system", "Checkout")
    [event] = events_of(order, "order.created")
    assert event["orderNumber"] == "1001" and event["paymentStatus"] == "pending"
    assert event["timeline"][0]["type"] == "placed"
    order.refresh_from_db()
    assert order.placed_at is not None


def test_every_transition_records_its_event_with_the_private_order(
    private, shop, make_order, pay, django_capture_on_commit_callbacks
):
    order = make_order(shop.store)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_placed_record(order=order)
        pay(order)
    private.patch(f"/orders/{order.pk}", {"metadata": {"k": "v"}})
    private.post(f"/orders/{order.pk}/refund", {"amount": 100})
    private.post(f"/orders/{order.pk}/fulfill", {})
    types = list(
        Event.objects.filter(store=shop.store)
        .order_by("created_at", "id")
        .values_list("type", flat=True)
    )
    assert types == [
        "order.created",
        "order.paid",
        "order.updated",
        "order.refunded",
        "order.fulfilled",
    ]
    # order.paid is recorded once by order_mark_paid, not again by the operations.
    assert len(events_of(order, "order.paid")) == 1
    last = Event.objects.filter(type="order.fulfilled").get()
    current = private.get(f"/orders/{order.pk}").json()["data"]
    assert last.data["id"] == order.pk and last.mode == "test"
    assert set(last.data) == set(current)
    assert (
        last.data["fulfillmentStatus"] == "fulfilled"
        and last.data["payment"]["gateway"]
    )
    timeline = [(e["type"], e["actor"]["type"]) for e in current["timeline"]]
    assert timeline == [
        ("placed", "system"),
        ("paid", "system"),
        ("updated", "api_key"),
        ("refunded", "api_key"),
        ("fulfilled", "api_key"),
    ]
    key = shop.store.api_keys.get(kind="secret", mode="test")
    assert current["timeline"][2]["actor"] == {
        "type": "api_key",
        "id": key.pk,
        "label": f"{key.display_prefix}…",
    }


def test_a_failed_payment_is_on_the_timeline(shop, make_order, pay):
    order = pay(make_order(shop.store), "pm_card_chargeDeclined")
    [entry] = OrderEvent.objects.filter(order=order)
    assert (
        entry.type == "payment_failed"
        and entry.message == "Payment failed: Your card was declined."
    )


def test_mark_paid_names_the_dashboard_user(shop, transfer_order, django_user_model):
    user = django_user_model.objects.create_user(
        username="m", email="merchant@acme.example"
    )
    services.order_mark_paid(order=transfer_order, actor=Actor.for_user(user))
    entry = OrderEvent.objects.get(order=transfer_order, type="paid")
    assert (entry.actor_type, entry.actor_label, entry.actor_user_id) == (
        "user",
        "merchant@acme.example",
        user.pk,
    )
    assert entry.message == "Payment of £48.00 received"
    data = PrivateOrderDetailSerializer(transfer_order).data
    assert data["timeline"][0]["actor"] == {
        "type": "user",
        "id": None,
        "label": "merchant@acme.example",
    }

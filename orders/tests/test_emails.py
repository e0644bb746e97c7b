"""Order confirmation and new-order emails: content, locale, recipients, retries."""

import pytest
from django.core import mail

from core.models import OutboxMessage, StoreMembership
from core.outbox import OutboxTask
from orders import services, tasks
from orders.emails import order_email_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop, make_order, make_variant):
    shop.store.notification_email = "orders@acme.example"
    shop.store.save()
    candle = make_variant(
        shop.store, name="Hand-poured candle", price=2400, sku="CANDLE-001"
    )
    matches = make_variant(shop.store, name="Matches", price=250, sku="MATCH-1")
    order = make_order(
        shop.store,
        lines=[(candle, 2), (matches, 1)],
        shipping=395,
        tax=1010,
        discount_amount=500,
        discount_code="SAVE5",
        payment_method="pm_card_visa",
        notes="Leave with the neighbour",
        shipping_option={"id": "shm_1", "name": "Royal Mail 2nd class", "price": 395},
        billing_address={
            "first_name": "Alex",
            "last_name": "Payer",
            "line1": "1 Bill St",
            "city": "Leeds",
            "postcode": "LS1 1AA",
            "country_code": "GB",
        },
    )
    return order


def paid(order, capture):
    with capture(execute=True):
        services.order_mark_paid(order=order)
    return order


def test_the_confirmation_lists_lines_totals_and_addresses(
    order, django_capture_on_commit_callbacks
):
    paid(order, django_capture_on_commit_callbacks)
    [message] = [m for m in mail.outbox if m.to == ["sam@example.com"]]
    assert message.subject == "Your Acme Candles order #1001 is confirmed"
    assert message.from_email.startswith("Acme Candles <")
    assert message.reply_to == ["orders@acme.example"]
    text = message.body
    assert "2 x Hand-poured candle  £48.00" in text
    assert "1 x Matches  £2.50" in text
    assert "Subtotal: £50.50" in text and "Discount (SAVE5): -£5.00" in text
    assert "Shipping: £3.95" in text and "Tax: £10.10" in text
    assert "Total: £59.55" in text
    assert "Sam Buyer\n221B Baker Street\nLondon NW1 6XE\nUnited Kingdom" in text
    assert "Delivery: Royal Mail 2nd class" in text
    assert "Alex Payer\n1 Bill St\nLeeds LS1 1AA" in text
    assert "Your notes: Leave with the neighbour" in text
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Hand-poured candle" in html and "£59.55" in html and "#FF5C00" in html


def test_the_new_order_email_goes_to_the_store_with_a_dashboard_link(
    order, django_capture_on_commit_callbacks
):
    paid(order, django_capture_on_commit_callbacks)
    [message] = [m for m in mail.outbox if m.to == ["orders@acme.example"]]
    assert message.subject == "New order #1001 (£59.55)"
    assert "Customer: sam@example.com" in message.body
    assert "[CANDLE-001]" in message.body
    assert (
        f"http://127.0.0.1:8000/admin/orders/order/{order.id}/change/" in message.body
    )
    assert message.reply_to == ["sam@example.com"]


def test_money_is_formatted_in_the_stores_default_locale(order):
    order.store.default_locale = "fr"
    order.store.save()
    context = order_email_context(order)
    assert context["total"] == "59,55\u00a0£"
    assert context["shipping_address"][-1] == "Royaume-Uni"


def test_without_a_notification_email_the_owners_are_told(order, django_user_model):
    order.store.notification_email = ""
    order.store.save()
    owner = django_user_model.objects.create_user(
        username="owner", email="owner@acme.example"
    )
    staff = django_user_model.objects.create_user(
        username="staff", email="staff@acme.example"
    )
    StoreMembership.objects.create(store=order.store, user=owner, role="owner")
    StoreMembership.objects.create(store=order.store, user=staff, role="staff")
    services.order_number_assign(order=order)
    assert tasks.order_new_order_email(order.id) == 1
    assert mail.outbox[0].to == ["owner@acme.example"]


def test_no_customer_email_no_confirmation(shop, make_order):
    order = make_order(shop.store, email="")
    assert tasks.order_confirmation_email(order.id) == 0
    assert mail.outbox == []


def test_emails_are_queued_in_the_outbox_and_sent_on_commit(
    order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.order_mark_paid(order=order)
    assert mail.outbox == []
    # Committed with the payment: the emails cannot be lost between commit and broker.
    assert sorted(OutboxMessage.objects.values_list("task", "queue")) == [
        ("orders.tasks.order_confirmation_email", "emails"),
        ("orders.tasks.order_new_order_email", "emails"),
    ]
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 2
    assert not OutboxMessage.objects.exists()  # sent: done
    for task in (tasks.order_confirmation_email, tasks.order_new_order_email):
        assert isinstance(task, OutboxTask) and task.max_attempts == 8

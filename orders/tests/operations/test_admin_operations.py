"""The orders dashboard: status filter, totals, order page, operation forms, CSV export."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.contrib.admin.utils import quote
from django.core import mail

from catalog.models import InventoryAdjustment
from core.money import format_minor
from orders.models import Order, OrderEvent, Refund

from .conftest import lines_of

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_list_filters_by_status_and_shows_the_totals_of_the_filtered_orders(
    merchant, shop, make_paid_order, transfer_order
):
    a = make_paid_order(shop.store, email="paid@example.com")
    b = make_paid_order(shop.store, email="paid2@example.com")
    response = merchant.get("/admin/orders/order/", {"status": "paid"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "paid@example.com" in body and "paid2@example.com" in body
    assert {o.pk for o in response.context["cl"].result_list} == {a.pk, b.pk}
    [row] = response.context["order_totals"]
    assert row == {
        "mode": "test",
        "currency": "GBP",
        "count": 2,
        "paid_count": 2,
        "paid": "£96.00",
        "refunded": "£0.00",
        "net": "£96.00",
        "pending_count": 0,
        "pending": "£0.00",
        "lost_count": 0,
        "lost": "£0.00",
    }
    assert "Totals of the orders matching these filters" in body
    # Every order: the pending bank transfer is counted apart from the paid revenue.
    everything = merchant.get("/admin/orders/order/")
    [row] = everything.context["order_totals"]
    assert (row["count"], row["paid"], row["pending_count"]) == (3, "£96.00", 1)
    assert row["pending"] == format_minor(transfer_order.total_amount, "GBP")
    assert "Export CSV" in everything.content.decode()
    found = merchant.get(
        "/admin/orders/order/", {"q": f"#{transfer_order.order_number}"}
    )
    assert [o.pk for o in found.context["cl"].result_list] == [transfer_order.pk]


def test_the_order_page_shows_lines_payment_fulfilments_refunds_and_timeline(
    merchant, private, paid_order
):
    private.post(
        f"/orders/{paid_order.pk}/fulfill",
        {
            "carrier": "Royal Mail",
            "trackingNumber": "JD1",
            "trackingUrl": "https://rm.example/JD1",
        },
    )
    private.post(
        f"/orders/{paid_order.pk}/refund", {"amount": 1000, "reason": "duplicate"}
    )
    page = merchant.get(f"/admin/orders/order/{paid_order.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    for text in (
        "Hand-poured candle",
        paid_order.payment_intent_id,
        "Royal Mail",
        'href="https://rm.example/JD1"',
        "£10.00",
        "Refunded £10.00 (duplicate)",
        "Payment of £50.50 received",
        "Fulfilled: 3 units shipped",
    ):
        assert text in body, text
    # Totals read in major units, never as raw minor units.
    assert '<div class="readonly">£50.50</div>' in body
    assert '<div class="readonly">5050</div>' not in body
    pk = quote(paid_order.pk)  # as the admin quotes ids in its URLs
    assert f"/admin/orders/order/{pk}/refund/" in body
    assert f"/admin/orders/order/{pk}/fulfil/" not in body  # fully shipped
    assert f"/admin/orders/order/{pk}/cancel/" not in body


def test_fulfil_from_the_dashboard_with_tracking(
    merchant, paid_order, django_capture_on_commit_callbacks
):
    candles, matches = lines_of(paid_order)
    url = f"/admin/orders/order/{paid_order.pk}/fulfil/"
    form = merchant.get(url)
    assert form.status_code == 200 and "2 left to ship of 2" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant.post(
            url,
            {
                f"line_{candles.pk}": 1,
                f"line_{matches.pk}": 0,
                "carrier": "DPD",
                "tracking_number": "DPD9",
                "tracking_url": "https://dpd.example/DPD9",
                "notify_customer": "on",
            },
            follow=True,
        )
    assert "Order #1001: fulfilment recorded." in messages_of(response)
    paid_order.refresh_from_db()
    assert paid_order.fulfillment_status == "partial"
    entry = OrderEvent.objects.filter(order=paid_order, type="fulfilled").get()
    assert (entry.actor_type, entry.actor_label) == ("user", "merchant@acme.example")
    assert "https://dpd.example/DPD9" in mail.outbox[0].body
    # Everything left, no email.
    with django_capture_on_commit_callbacks(execute=True):
        merchant.post(
            url, {f"line_{candles.pk}": 1, f"line_{matches.pk}": 1}, follow=True
        )
    paid_order.refresh_from_db()
    assert paid_order.fulfillment_status == "fulfilled" and len(mail.outbox) == 1
    invalid = merchant.post(url, {f"line_{candles.pk}": 5})
    assert invalid.status_code == 200 and "errorlist" in invalid.content.decode()


def test_refund_from_the_dashboard_and_refusal_messages(merchant, paid_order):
    candles, _ = lines_of(paid_order)
    url = f"/admin/orders/order/{paid_order.pk}/refund/"
    assert "Remaining refundable: £50.50" in merchant.get(url).content.decode()
    response = merchant.post(
        url,
        {
            "amount": "24.00",
            "reason": "customer_request",
            "restock": "on",
            f"line_{candles.pk}": 1,
        },
        follow=True,
    )
    assert "Order #1001: refund recorded." in messages_of(response)
    paid_order.refresh_from_db()
    assert (paid_order.payment_status, paid_order.refunded_amount) == (
        "partially_refunded",
        2400,
    )
    assert (
        InventoryAdjustment.objects.filter(
            source="refund", reference=paid_order.pk
        ).count()
        == 1
    )
    # Over the limit: the form again, with the message and what was typed.
    too_much = merchant.post(url, {"amount": "30.00", "reason": "customer_request"})
    assert too_much.status_code == 200
    page = too_much.content.decode()
    assert "more than what remains refundable (£26.50)" in page
    assert 'value="30.00"' in page
    assert too_much.context["form"].data["reason"] == "customer_request"
    paid_order.refresh_from_db()
    assert paid_order.refunded_amount == 2400
    bad = merchant.post(url, {"amount": "1.234"})
    assert (
        bad.status_code == 200
        and "GBP amounts have 2 decimal places" in bad.content.decode()
    )
    merchant.post(url, {}, follow=True)  # the rest
    paid_order.refresh_from_db()
    assert paid_order.payment_status == "refunded"
    assert Refund.objects.filter(order=paid_order).count() == 2


def test_cancel_and_mark_paid_from_the_dashboard(
    merchant, shop, transfer_order, make_order
):
    page = merchant.get(
        f"/admin/orders/order/{transfer_order.pk}/change/"
    ).content.decode()
    assert f"/admin/orders/order/{quote(transfer_order.pk)}/mark-paid/" in page
    response = merchant.post(
        f"/admin/orders/order/{transfer_order.pk}/mark-paid/", {}, follow=True
    )
    assert "Order #1001 marked paid." in messages_of(response)
    transfer_order.refresh_from_db()
    assert transfer_order.payment_status == "paid"
    again = merchant.post(
        f"/admin/orders/order/{transfer_order.pk}/mark-paid/", {}, follow=True
    )
    assert "Order #1001 is paid, not awaiting payment." in messages_of(again)
    card = make_order(shop.store, payment_method="pm_card_visa")
    refused = merchant.post(
        f"/admin/orders/order/{card.pk}/mark-paid/", {}, follow=True
    )
    assert any("was not placed by bank transfer" in m for m in messages_of(refused))
    cancelled = merchant.post(
        f"/admin/orders/order/{transfer_order.pk}/cancel/",
        {"reason": "Fraud check"},
        follow=True,
    )
    assert "Order #1001 cancelled." in messages_of(cancelled)
    transfer_order.refresh_from_db()
    assert transfer_order.payment_status == "cancelled"
    assert transfer_order.refunded_amount == transfer_order.total_amount
    twice = merchant.post(
        f"/admin/orders/order/{transfer_order.pk}/cancel/", {}, follow=True
    )
    assert messages_of(twice) == ["Order #1001: This order is already cancelled."]


def test_saving_notes_in_the_dashboard_goes_on_the_timeline(merchant, paid_order):
    response = merchant.post(
        f"/admin/orders/order/{paid_order.pk}/change/",
        {
            "internal_notes": "Gift wrap",
            "metadata": '{"gift": true}',
            **{
                f"{prefix}-TOTAL_FORMS": "0"
                for prefix in (
                    "items",
                    "payment_attempts",
                    "fulfillments",
                    "refunds",
                    "timeline",
                )
            },
            **{
                f"{prefix}-INITIAL_FORMS": "0"
                for prefix in (
                    "items",
                    "payment_attempts",
                    "fulfillments",
                    "refunds",
                    "timeline",
                )
            },
        },
        follow=True,
    )
    assert response.status_code == 200
    paid_order.refresh_from_db()
    assert paid_order.internal_notes == "Gift wrap" and paid_order.metadata == {
        "gift": True
    }
    types = list(
        OrderEvent.objects.filter(order=paid_order).values_list("type", "actor_label")
    )
    assert ("note", "merchant@acme.example") in types and (
        "updated",
        "merchant@acme.example",
    ) in types


def test_another_stores_order_is_a_404_for_every_operation(
    merchant, other_shop, make_paid_order
):
    theirs = make_paid_order(other_shop.store)
    for suffix in ("change/", "fulfil/", "refund/", "cancel/", "mark-paid/"):
        assert (
            merchant.get(f"/admin/orders/order/{theirs.pk}/{suffix}").status_code == 404
        )
        assert (
            merchant.post(f"/admin/orders/order/{theirs.pk}/{suffix}", {}).status_code
            == 404
        )
    theirs.refresh_from_db()
    assert theirs.payment_status == "paid" and theirs.refunded_amount == 0


def test_csv_export_of_a_date_range(
    merchant, shop, other_shop, make_paid_order, transfer_order
):
    inside = make_paid_order(shop.store, email="inside@example.com")
    outside = make_paid_order(shop.store, email="outside@example.com")
    theirs = make_paid_order(other_shop.store, email="theirs@example.com")
    # The store is in London (BST in July): 23:30 UTC on 14 July is 15 July there.
    Order.objects.filter(pk=inside.pk).update(
        created_at=datetime(2026, 7, 14, 23, 30, tzinfo=UTC)
    )
    Order.objects.filter(pk=outside.pk).update(
        created_at=datetime(2026, 7, 16, 23, 30, tzinfo=UTC)
    )
    Order.objects.filter(pk__in=[theirs.pk, transfer_order.pk]).update(
        created_at=datetime(2026, 7, 15, 12, tzinfo=UTC)
    )
    form = merchant.get("/admin/orders/order/export/")
    assert form.status_code == 200 and "Europe/London" in form.content.decode()
    response = merchant.get(
        "/admin/orders/order/export/",
        {"date_from": "2026-07-15", "date_to": "2026-07-16", "mode": ""},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="orders-20260715-20260716.csv"' in response["Content-Disposition"]
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert [r["email"] for r in rows] == ["inside@example.com", "sam@example.com"]
    first = rows[0]
    assert first["order_id"] == inside.pk and first["status"] == "paid"
    assert (first["total"], first["refunded"], first["currency"], first["units"]) == (
        "48.00",
        "0.00",
        "GBP",
        "2",
    )
    assert (
        first["created_at"] == "2026-07-14T23:30:00Z"
        and first["shipping_country"] == "GB"
    )
    paid_only = merchant.get(
        "/admin/orders/order/export/",
        {
            "date_from": "2026-07-15",
            "date_to": "2026-07-16",
            "status": "pending",
            "mode": "",
        },
    )
    rows = list(
        csv.DictReader(io.StringIO(b"".join(paid_only.streaming_content).decode()))
    )
    assert [r["order_id"] for r in rows] == [transfer_order.pk]
    backwards = merchant.get(
        "/admin/orders/order/export/",
        {"date_from": "2026-07-16", "date_to": "2026-07-15"},
    )
    assert backwards.status_code == 200
    assert (
        "The start date must be on or before the end date."
        in backwards.content.decode()
    )


def test_csv_cells_cannot_run_as_spreadsheet_formulas(merchant, shop, make_paid_order):
    order = make_paid_order(shop.store, email="x@example.com")
    Order.objects.filter(pk=order.pk).update(payment_method='=HYPERLINK("http://evil")')
    today = order.created_at.date().isoformat()
    response = merchant.get(
        "/admin/orders/order/export/",
        {"date_from": today, "date_to": today, "mode": ""},
    )
    [row] = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert row["payment_method"].startswith("'=")


def test_the_order_page_lists_payment_attempts(merchant, paid_order):
    from orders.models import PaymentAttempt

    PaymentAttempt.objects.create(
        order=paid_order,
        number=1,
        gateway="offline",
        payment_method="pm_card_chargeDeclined",
        idempotency_key=f"order-{paid_order.pk}-attempt-1",
        amount=5050,
        currency="GBP",
        status="declined",
        decline_code="generic_decline",
    )
    body = merchant.get(f"/admin/orders/order/{paid_order.pk}/change/").content.decode()
    assert "pm_card_chargeDeclined" in body and "generic_decline" in body


def test_a_dashboard_action_succeeds_with_the_broker_down_and_its_email_follows(
    merchant, transfer_order, django_capture_on_commit_callbacks
):
    """Mark paid while Redis is down: the change is saved and says so, the confirmation
    emails wait in the outbox, and leave once the broker is back (the sweeper)."""
    from core import breakers
    from core.models import OutboxMessage
    from core.outbox import outbox_sweep
    from shoprocket_site.celery import app

    transfer_order.email = "sam@example.com"
    transfer_order.save(update_fields=["email"])
    url = f"/admin/orders/order/{transfer_order.pk}/mark-paid/"
    app.conf.task_always_eager = False  # a real broker, which has just failed
    breakers.broker.failure(ConnectionError("Error 111 connecting to Redis"))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = merchant.post(url, {}, follow=True)
    finally:
        app.conf.task_always_eager = True
    assert response.status_code == 200
    assert any("paid" in m.lower() for m in messages_of(response))
    transfer_order.refresh_from_db()
    assert transfer_order.payment_status == "paid"
    assert mail.outbox == []
    waiting = OutboxMessage.objects.filter(queued_at__isnull=True, status="pending")
    assert waiting.count() == 2
    breakers.broker.reset()  # Redis is back
    assert outbox_sweep()["published"] == 2
    assert ["sam@example.com"] in [m.to for m in mail.outbox]
    assert not OutboxMessage.objects.exists()

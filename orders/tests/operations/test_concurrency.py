"""Concurrent operations on one order (PostgreSQL: real connections, real row locks)."""

import threading

import pytest
from django.db import connection

from orders.models import OfflineRefund, Order, Refund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(calls) -> list:
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            answers[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_refunds_never_exceed_the_total(shop, paid_order, api_client_for):
    def refund():
        response = api_client_for("private", shop.sk).post(
            f"/orders/{paid_order.pk}/refund", {"amount": 3000}
        )
        return response.status_code

    statuses = run_together([refund] * 4)
    assert sorted(statuses) == [200, 422, 422, 422]
    paid_order.refresh_from_db()
    assert (paid_order.payment_status, paid_order.refunded_amount) == (
        "partially_refunded",
        3000,
    )
    assert Refund.objects.filter(order=paid_order).count() == 1
    assert OfflineRefund.objects.get().amount == 3000


def test_cancel_racing_fulfil_ends_in_one_consistent_state(
    shop, paid_order, api_client_for
):
    def call(path):
        return lambda: (
            api_client_for("private", shop.sk)
            .post(f"/orders/{paid_order.pk}/{path}", {"notifyCustomer": False})
            .json()
        )

    cancelled, fulfilled = run_together([call("cancel"), call("fulfill")])
    paid_order.refresh_from_db()
    if paid_order.payment_status == Order.PaymentStatus.CANCELLED:
        assert fulfilled["error"]["code"] == "order_cancelled"
        assert paid_order.fulfillment_status == "unfulfilled"
        assert paid_order.refunded_amount == paid_order.total_amount
    else:
        assert cancelled["error"]["code"] == "order_fulfilled"
        assert paid_order.fulfillment_status == "fulfilled"
        assert paid_order.refunded_amount == 0

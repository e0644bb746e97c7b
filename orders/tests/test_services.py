"""Order payment-state services: numbering, paid, failed, refunds, reservation timeout."""

import io
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from carts.models import Discount, DiscountRedemption
from catalog.models import InventoryAdjustment, Variant
from core.exceptions import Conflict
from orders import services
from orders.gateways import OfflineGateway, StripeGateway, payment_idempotency_key
from orders.models import OfflinePaymentIntent, Order, OrderNumberCounter
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def stock(variant) -> int:
    """What the order's mode (test, unless a test says live) can buy."""
    return Variant.objects.get(pk=variant.pk).available_stock("test")


# -- order numbers ------------------------------------------------------------------------


def test_order_numbers_start_at_1001_per_store_and_mode(shop, other_shop, make_order):
    numbers = [
        services.order_number_assign(order=make_order(shop.store)) for _ in range(3)
    ]
    assert numbers == [1001, 1002, 1003]
    assert (
        services.order_number_assign(order=make_order(shop.store, mode="live")) == 1001
    )
    assert services.order_number_assign(order=make_order(other_shop.store)) == 1001
    assert (
        OrderNumberCounter.objects.get(store=shop.store, mode="test").next_number
        == 1004
    )


def test_order_number_assign_keeps_an_existing_number(shop, make_order):
    order = make_order(shop.store)
    assert services.order_number_assign(order=order) == 1001
    assert services.order_number_assign(order=order) == 1001
    assert Order.objects.get(pk=order.pk).order_number == 1001
    assert services.order_number_assign(order=make_order(shop.store)) == 1002


def test_numbering_continues_after_existing_numbers(shop, make_order):
    make_order(shop.store, order_number=2500)
    assert services.order_number_assign(order=make_order(shop.store)) == 2501


def test_a_rolled_back_assignment_leaves_no_gap(shop, make_order):
    from django.db import transaction

    order = make_order(shop.store)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.order_number_assign(order=order)
        raise RuntimeError("checkout failed later")
    assert services.order_number_assign(order=make_order(shop.store)) == 1001


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_get_distinct_consecutive_numbers(shop, make_order):
    orders = [make_order(shop.store, reserve=False) for _ in range(20)]
    barrier = threading.Barrier(20)
    results, errors = [], []

    def assign(order):
        try:
            barrier.wait()
            from django.db import transaction

            with transaction.atomic():
                results.append(services.order_number_assign(order=order))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(o,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == list(range(1001, 1021))
    stored = sorted(
        Order.objects.filter(pk__in=[o.pk for o in orders]).values_list(
            "order_number", flat=True
        )
    )
    assert stored == list(range(1001, 1021))


# -- paid ---------------------------------------------------------------------------------


def test_mark_paid_is_idempotent(shop, make_order, django_capture_on_commit_callbacks):
    shop.store.notification_email = "orders@acme.example"
    shop.store.save()
    order = make_order(shop.store)
    paid_at = timezone.now() - timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_mark_paid(order=order, payment_intent_id="pi_123", at=paid_at)
    assert order.payment_status == "paid" and order.payment_intent_status == "succeeded"
    assert order.paid_at == paid_at and order.order_number == 1001
    assert order.payment_intent_id == "pi_123"
    assert sorted(m.to[0] for m in mail.outbox) == [
        "orders@acme.example",
        "sam@example.com",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        again = services.order_mark_paid(order=order, payment_intent_id="pi_123")
    assert again.paid_at == paid_at and again.order_number == 1001
    assert len(mail.outbox) == 2
    assert Event.objects.filter(type="order.paid").count() == 1
    event = Event.objects.get(type="order.paid")
    assert event.data["id"] == order.id and event.data["orderNumber"] == "1001"
    assert event.data["payment"] == {
        "gateway": None,
        "paymentIntentId": "pi_123",
        "status": "succeeded",
    }
    assert event.mode == "test"


def test_mark_paid_refuses_a_cancelled_order(shop, make_order):
    order = make_order(shop.store, payment_status="cancelled")
    with pytest.raises(Conflict):
        services.order_mark_paid(order=order)


def test_a_late_payment_after_the_reservation_was_released_takes_the_stock_again(
    shop, make_order, make_variant
):
    variant = make_variant(shop.store, stock=5)
    order = make_order(shop.store, lines=[(variant, 2)])
    services.order_payment_failed(order=order, reason="timeout")
    assert stock(variant) == 5
    services.order_mark_paid(order=order)
    assert order.payment_status == "paid" and order.stock_reserved
    assert stock(variant) == 3


def test_a_late_payment_without_stock_left_is_paid_and_noted(
    shop, make_order, make_variant
):
    variant = make_variant(shop.store, stock=2)
    order = make_order(shop.store, lines=[(variant, 2)])
    services.order_payment_failed(order=order, reason="timeout")
    Variant.objects.filter(pk=variant.pk).update(stock=0)
    services.order_mark_paid(order=order)
    assert order.payment_status == "paid" and not order.stock_reserved
    assert "could not be re-reserved" in order.internal_notes
    assert stock(variant) == 0


# -- failed -------------------------------------------------------------------------------


def test_payment_failure_releases_stock_with_audit_rows(shop, make_order, make_variant):
    a, b = make_variant(shop.store, stock=10), make_variant(shop.store, stock=3)
    order = make_order(shop.store, lines=[(a, 2), (b, 3)])
    assert (stock(a), stock(b)) == (8, 0)
    services.order_payment_failed(order=order, reason="Your card was declined.")
    assert order.payment_status == "failed" and not order.stock_reserved
    assert (stock(a), stock(b)) == (10, 3)
    releases = InventoryAdjustment.objects.filter(source="release", reference=order.id)
    assert sorted((r.variant_id, r.delta) for r in releases) == sorted(
        [(a.pk, 2), (b.pk, 3)]
    )
    assert all("Your card was declined." in r.reason for r in releases)
    # A second failure (replayed webhook, timeout) releases nothing more.
    services.order_payment_failed(order=order, reason="again")
    assert (stock(a), stock(b)) == (10, 3)
    assert InventoryAdjustment.objects.filter(source="release").count() == 2


def test_payment_failure_gives_back_the_discount_use(shop, make_order):
    discount = Discount.objects.create(
        store=shop.store, code="SAVE", type="percentage", value=10, usage_limit=5
    )
    Discount.objects.filter(pk=discount.pk).update(test_usage_count=3)
    order = make_order(shop.store, discount=discount)
    DiscountRedemption.objects.create(
        store=shop.store, discount=discount, order=order, email=order.email
    )
    services.order_payment_failed(order=order, reason="declined")
    assert Discount.objects.get(pk=discount.pk).test_usage_count == 2
    assert not DiscountRedemption.objects.filter(order=order).exists()
    services.order_payment_failed(order=order, reason="declined")
    assert Discount.objects.get(pk=discount.pk).test_usage_count == 2


def test_payment_failure_does_not_touch_a_paid_order(shop, make_order, make_variant):
    variant = make_variant(shop.store, stock=5)
    order = make_order(shop.store, lines=[(variant, 1)])
    services.order_mark_paid(order=order)
    services.order_payment_failed(order=order, reason="late failure")
    assert order.payment_status == "paid" and stock(variant) == 4


# -- gateway outcomes ---------------------------------------------------------------------


def test_payment_record_applies_each_outcome(shop, make_order):
    gateway = OfflineGateway()

    def attempt(method):
        order = make_order(shop.store)
        result = gateway.payment_create(
            order=order,
            amount=order.total_amount,
            currency="GBP",
            payment_method=method,
            idempotency_key=payment_idempotency_key(order=order),
        )
        return services.order_payment_record(order=order, result=result)

    paid = attempt("pm_card_visa")
    assert paid.payment_status == "paid" and paid.payment_gateway == "offline"
    assert paid.payment_intent_id.startswith("pi_test_") and paid.order_number
    pending = attempt("pm_card_authenticationRequired")
    assert (
        pending.payment_status == "pending"
        and pending.payment_intent_status == "requires_action"
    )
    assert pending.next_action_url.endswith(
        f"/payments/test-3ds/{pending.payment_intent_id}"
    )
    assert pending.reservation_expires_at > timezone.now() + timedelta(minutes=29)
    declined = attempt("pm_card_chargeDeclined")
    assert (
        declined.payment_status == "failed"
        and declined.payment_intent_status == "requires_payment_method"
    )
    assert not declined.stock_reserved and declined.order_number is None


def test_payment_record_ignores_a_stale_intent(shop, make_order):
    from orders.gateways import PaymentResult

    order = make_order(
        shop.store,
        payment_intent_id="pi_current",
        payment_gateway="stripe",
        payment_intent_status="requires_action",
    )
    stale = PaymentResult(
        gateway="stripe",
        intent_id="pi_old",
        status="requires_payment_method",
        amount=4800,
        currency="GBP",
        decline_message="declined",
    )
    services.order_payment_record(order=order, result=stale)
    assert order.payment_status == "pending" and order.stock_reserved


def test_refunds_sync_only_ever_raises_the_refunded_total(shop, make_order):
    order = make_order(shop.store)
    services.order_mark_paid(order=order)
    services.order_refunds_sync(order=order, amount_refunded=1000)
    assert (order.refunded_amount, order.payment_status) == (1000, "partially_refunded")
    services.order_refunds_sync(order=order, amount_refunded=1000)
    services.order_refunds_sync(order=order, amount_refunded=500)
    assert order.refunded_amount == 1000
    assert Event.objects.filter(type="order.refunded").count() == 1
    services.order_refunds_sync(order=order, amount_refunded=4800)
    assert (order.refunded_amount, order.payment_status) == (4800, "refunded")


# -- reservation timeout ------------------------------------------------------------------


def _awaiting_3ds(order, gateway):
    result = gateway.payment_create(
        order=order,
        amount=order.total_amount,
        currency=order.currency,
        payment_method="pm_card_authenticationRequired",
        idempotency_key=payment_idempotency_key(order=order),
    )
    return services.order_payment_record(order=order, result=result)


def test_expired_reservations_fail_the_order_and_cancel_the_offline_intent(
    shop, make_order, make_variant
):
    variant = make_variant(shop.store, stock=10)
    expired = _awaiting_3ds(
        make_order(shop.store, lines=[(variant, 3)]), OfflineGateway()
    )
    fresh = _awaiting_3ds(
        make_order(shop.store, lines=[(variant, 1)]), OfflineGateway()
    )
    assert stock(variant) == 6
    Order.objects.filter(pk=expired.pk).update(
        reservation_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.order_reservations_expire() == 1
    expired.refresh_from_db()
    fresh.refresh_from_db()
    assert (
        expired.payment_status == "failed"
        and expired.payment_intent_status == "canceled"
    )
    assert fresh.payment_status == "pending"
    assert stock(variant) == 9
    assert (
        OfflinePaymentIntent.objects.get(pk=expired.payment_intent_id).status
        == "canceled"
    )
    assert (
        InventoryAdjustment.objects.filter(
            source="release", reference=expired.id
        ).count()
        == 1
    )
    # Approving the 3-D Secure step afterwards changes nothing: the intent is canceled.
    result = OfflineGateway().authenticate(
        intent_id=expired.payment_intent_id, approve=True
    )
    services.order_payment_record(order=expired, result=result)
    assert expired.payment_status == "failed" and stock(variant) == 9


def test_the_timeout_honours_the_configured_minutes(settings, shop, make_order):
    settings.PAYMENT_RESERVATION_MINUTES = 5
    order = _awaiting_3ds(make_order(shop.store), OfflineGateway())
    assert order.reservation_expires_at < timezone.now() + timedelta(minutes=6)
    assert (
        services.order_reservations_expire(now=timezone.now() + timedelta(minutes=4))
        == 0
    )
    assert (
        services.order_reservations_expire(now=timezone.now() + timedelta(minutes=6))
        == 1
    )


def test_the_management_command_expires_reservations(shop, make_order):
    order = make_order(
        shop.store,
        payment_method="bank_transfer",
        reservation_expires_at=timezone.now() - timedelta(minutes=1),
    )
    out = io.StringIO()
    call_command("expire_reservations", stdout=out)
    assert out.getvalue().strip() == "Expired 1 order reservation(s)."
    order.refresh_from_db()
    assert order.payment_status == "failed" and not order.stock_reserved


def test_the_stripe_timeout_cancels_the_payment_intent(stripe_double, shop, make_order):
    order = _awaiting_3ds(make_order(shop.store), StripeGateway())
    assert order.payment_gateway == "stripe"
    Order.objects.filter(pk=order.pk).update(
        reservation_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.order_reservations_expire() == 1
    order.refresh_from_db()
    assert order.payment_status == "failed"
    assert stripe_double.intents[order.payment_intent_id]["status"] == "canceled"
    assert (
        len(
            stripe_double.posts(f"/v1/payment_intents/{order.payment_intent_id}/cancel")
        )
        == 1
    )


def test_a_payment_completed_just_before_the_timeout_is_marked_paid(
    stripe_double, shop, make_order
):
    order = _awaiting_3ds(make_order(shop.store), StripeGateway())
    stripe_double.complete_3ds(
        order.payment_intent_id, approve=True
    )  # webhook not arrived yet
    Order.objects.filter(pk=order.pk).update(
        reservation_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.order_reservations_expire() == 0
    order.refresh_from_db()
    assert order.payment_status == "paid" and order.order_number == 1001
    assert order.stock_reserved

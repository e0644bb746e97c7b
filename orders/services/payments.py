"""Order payment state: paid, failed, attempts, automatic refunds of payments that pay
for nothing, and the reservation timeout.

These are the writes the 3-D Secure test page, the Stripe webhook, the reservation timeout and
checkout share. Each locks the order row (``orders.locks.order_lock``) and is idempotent:
calling it again on an order already in the target state changes nothing, so a replayed
webhook, a double click on the 3-D Secure page and a timeout racing a late payment all end in
one consistent state.

``order.stock_reserved`` means "the order holds its lines' stock": checkout reserves it, a
failed payment releases it, and a paid order keeps it (it is sold).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import InventoryAdjustment
from core.exceptions import Conflict, DomainError
from core.outbox import enqueue, enqueue_many

from .. import events, signals
from ..gateways import (
    PaymentGatewayError,
    PaymentResult,
    PaymentStatus,
    gateway_for_order,
    get_gateway_by_name,
)
from ..locks import copy_state, order_lock
from ..models import Order, OrderEvent, PaymentAttempt
from ..timeline import Actor, order_event_add
from .cancellation import order_cancel
from .helpers import gateway_label, money_text, stock_lines
from .numbering import order_number_assign

logger = logging.getLogger(__name__)


def reservation_expires_at(*, now: datetime | None = None) -> datetime:
    """When stock reserved now for an unpaid order is released
    (``settings.PAYMENT_RESERVATION_MINUTES``, default 30)."""
    minutes = settings.PAYMENT_RESERVATION_MINUTES
    return (now or timezone.now()) + timedelta(minutes=minutes)


def _timeline_paid(order: Order, actor: Actor | None) -> None:
    """The timeline's "paid" entry (order operations)."""
    how = f" ({order.payment_intent_id})" if order.payment_intent_id else ""
    order_event_add(
        order=order,
        type=OrderEvent.Type.PAID,
        message=f"Payment of {money_text(order, order.total_amount)} received{how}",
        actor=actor or Actor.system(gateway_label(order)),
        data={"payment_intent_id": order.payment_intent_id or None},
    )


def _paid_record(locked: Order, *, at: datetime | None, actor: Actor | None) -> None:
    """Mark the locked row paid (no longer reserved, number assigned, timeline entry)."""
    locked.payment_status = Order.PaymentStatus.PAID
    if locked.payment_intent_id:
        locked.payment_intent_status = PaymentStatus.SUCCEEDED
    locked.paid_at = at or timezone.now()
    locked.placed_at = locked.placed_at or locked.paid_at
    locked.reservation_expires_at = None
    locked.next_action_url = ""
    locked.save()
    order_number_assign(order=locked)
    _timeline_paid(locked, actor)


def _emails_queue(order_id: str) -> None:
    enqueue_many(
        [
            ("orders.tasks.order_confirmation_email", order_id),
            ("orders.tasks.order_new_order_email", order_id),
        ]
    )


def _stock_retake(order: Order, *, note: bool = True) -> bool:
    """A payment that succeeds after its reservation was released takes the stock again.
    Returns whether it could; when it is gone and ``note``, the order stays paid and the
    shortfall is noted for the merchant (a merchant marking a bank transfer paid)."""
    try:
        catalog_services.stock_reserve(
            lines=stock_lines(order),
            reference=order.id,
            reason="Paid after the reservation was released",
            mode=order.mode,
        )
    except Conflict as exc:
        logger.warning(
            "Order %s paid late and could not re-reserve stock: %s", order.id, exc
        )
        if note:
            note_text = (
                "Paid after its stock reservation was released; stock could not be "
                f"re-reserved: {exc.message}"
            )
            order.internal_notes = f"{order.internal_notes}\n{note_text}".strip()
        return False
    order.stock_reserved = True
    return True


@transaction.atomic
def order_mark_paid(
    *,
    order: Order,
    payment_intent_id: str = "",
    at: datetime | None = None,
    actor: Actor | None = None,
) -> Order:
    """Record that the order's payment succeeded (idempotent).

    Sets ``payment_status`` paid, ``payment_intent_status`` succeeded and ``paid_at``, assigns the
    order number if missing, records ``order.paid`` for webhooks and queues the confirmation
    email to the customer and the new-order email to the store once the transaction commits.
    An order that is already paid (or refunded) is returned unchanged; a cancelled one is a 409.
    ``actor`` (default: the system) is who the timeline's "paid" entry names.
    """
    locked = order_lock(order)
    return copy_state(
        order,
        _mark_paid(locked, payment_intent_id=payment_intent_id, at=at, actor=actor),
    )


def _mark_paid(
    locked: Order,
    *,
    payment_intent_id: str = "",
    at: datetime | None = None,
    actor: Actor | None = None,
) -> Order:
    """:func:`order_mark_paid` on the row the caller has locked in its transaction."""
    if locked.type != Order.Type.ORDER:
        raise Conflict("Only a placed order can be marked paid.", code="not_an_order")
    if locked.payment_status in Order.PAID_STATES:
        return locked
    if locked.payment_status == Order.PaymentStatus.CANCELLED:
        raise Conflict(
            "A cancelled order cannot be marked paid.", code="order_cancelled"
        )
    if (
        locked.payment_status == Order.PaymentStatus.FAILED
        and not locked.stock_reserved
    ):
        _stock_retake(locked)
    if payment_intent_id:
        locked.payment_intent_id = payment_intent_id
    _paid_record(locked, at=at, actor=actor)
    events.order_event(locked, "order.paid")
    _emails_queue(locked.id)
    return locked


@transaction.atomic
def order_payment_failed(
    *,
    order: Order,
    reason: str = "",
    intent_status: str = PaymentStatus.REQUIRES_PAYMENT_METHOD,
) -> Order:
    """Fail a pending order's payment (idempotent): release its reserved stock (audit rows
    with source ``release``) and its discount use; ``payment_status`` failed.

    ``intent_status`` is the payment's own word to keep (``requires_payment_method`` after a
    decline or failed authentication, ``canceled`` after the reservation timeout). An order
    that is not pending is returned unchanged.
    """
    locked = order_lock(order)
    if (
        locked.type != Order.Type.ORDER
        or locked.payment_status != Order.PaymentStatus.PENDING
    ):
        return copy_state(order, locked)
    logger.info("Payment of order %s failed: %s", locked.id, reason or "(no reason)")
    if locked.stock_reserved:
        catalog_services.stock_release(
            lines=stock_lines(locked),
            mode=locked.mode,
            source=InventoryAdjustment.Source.RELEASE,
            reference=locked.id,
            reason=f"Payment failed: {reason}"[:255] if reason else "Payment failed",
        )
        locked.stock_reserved = False
    signals.order_released.send(sender=Order, order=locked)
    locked.payment_status = Order.PaymentStatus.FAILED
    if locked.payment_intent_id or locked.payment_intent_status:
        locked.payment_intent_status = intent_status
    locked.reservation_expires_at = None
    locked.next_action_url = ""
    locked.save()
    order_event_add(
        order=locked,
        type=OrderEvent.Type.PAYMENT_FAILED,
        message=f"Payment failed: {reason}" if reason else "Payment failed",
        data={"intent_status": locked.payment_intent_status or None},
    )
    return copy_state(order, locked)


def payment_attempt_update(*, attempt: PaymentAttempt, result: PaymentResult) -> None:
    """Record a gateway answer on the attempt it belongs to (a succeeded one stays so)."""
    if attempt.status == PaymentAttempt.Status.SUCCEEDED and not result.succeeded:
        return
    if result.succeeded:
        status = PaymentAttempt.Status.SUCCEEDED
    elif result.requires_action:
        status = PaymentAttempt.Status.REQUIRES_ACTION
    elif result.declined or result.canceled:
        status = PaymentAttempt.Status.DECLINED
    elif result.status == PaymentStatus.REQUIRES_CONFIRMATION:
        status = PaymentAttempt.Status.PENDING
    else:
        status = PaymentAttempt.Status.PROCESSING
    attempt.status = status
    attempt.intent_id = result.intent_id or attempt.intent_id
    attempt.error_code = (result.error_code or "")[:64]
    attempt.decline_code = (result.decline_code or "")[:64]
    attempt.message = (result.decline_message or "")[:500]
    attempt.save()


def order_payment_record(
    *,
    order: Order,
    result: PaymentResult,
    at: datetime | None = None,
    locked: bool = False,
    attempt: PaymentAttempt | None = None,
) -> Order:
    """Apply a gateway outcome to the order: the single path from "the payment is now X" to
    the order's state, used by checkout, the reservation timeout, the 3-D Secure page and
    the Stripe webhook.

    - succeeded: money was taken, so the order ends **paid or refunded**, never failed
      (:func:`_payment_succeeded`): a pending order is marked paid; a failed one (its
      reservation expired) takes its stock again and is marked paid, or, when the stock has
      sold meanwhile, is cancelled with the payment refunded automatically; a payment that
      pays for nothing (the order was paid otherwise or cancelled, or the row is a cart
      again) is refunded. The merchant and the shopper are told of every automatic refund.
    - requires_action / processing: the order stays pending with the intent, its status and
      the next-action URL; the reservation expires after ``PAYMENT_RESERVATION_MINUTES``;
    - declined (requires_payment_method) or canceled: :func:`order_payment_failed`.

    Any other outcome for another intent than the order's current one (a stale attempt) is
    ignored. The payment's attempt records the outcome too: ``attempt`` when the caller
    knows it (checkout), else the order's attempt for the result's intent.

    ``locked``: the caller holds the order's row lock in its transaction and ``order`` was
    read under it (checkout's record step), so it is neither locked nor read again.
    """
    if locked:
        return _payment_record(order, result, at=at, attempt=attempt)
    with transaction.atomic():
        return copy_state(
            order, _payment_record(order_lock(order), result, at=at, attempt=attempt)
        )


def _payment_record(
    locked: Order,
    result: PaymentResult,
    *,
    at: datetime | None,
    attempt: PaymentAttempt | None,
) -> Order:
    """:func:`order_payment_record` on the row the caller has locked."""
    if attempt is None and result.intent_id:
        attempt = (
            PaymentAttempt.objects.filter(order=locked, intent_id=result.intent_id)
            .order_by("-number")
            .first()
        )
    if attempt is not None:
        payment_attempt_update(attempt=attempt, result=result)
    if result.succeeded:
        return _payment_succeeded(locked, result, at=at)
    superseded = (
        attempt is not None
        and PaymentAttempt.objects.filter(
            order=locked, number__gt=attempt.number
        ).exists()
    )
    if superseded or (
        locked.payment_intent_id
        and result.intent_id
        and locked.payment_intent_id != result.intent_id
    ):
        logger.info(
            "Ignoring %s for order %s: not its current payment",
            result.intent_id,
            locked.id,
        )
        return locked
    if (
        locked.type != Order.Type.ORDER
        or locked.payment_status != Order.PaymentStatus.PENDING
    ):
        return locked
    locked.payment_gateway = result.gateway or locked.payment_gateway
    locked.payment_intent_id = result.intent_id or locked.payment_intent_id
    if result.declined or result.canceled:
        locked.payment_intent_status = result.status
        locked.save(
            update_fields=[
                "payment_gateway",
                "payment_intent_id",
                "payment_intent_status",
                "updated_at",
            ]
        )
        reason = result.decline_message or result.decline_code or result.status
        return order_payment_failed(
            order=locked, reason=reason, intent_status=result.status
        )
    locked.payment_intent_status = result.status
    locked.next_action_url = result.next_action_url or ""
    if locked.reservation_expires_at is None:
        locked.reservation_expires_at = reservation_expires_at()
    locked.save()
    return locked


def _payment_succeeded(
    locked: Order, result: PaymentResult, *, at: datetime | None
) -> Order:
    """A succeeded payment for the locked row: paid, or refunded (see order_payment_record)."""
    current = locked.payment_intent_id
    if locked.type != Order.Type.ORDER:
        stray = "the checkout had already been given back to the shopper as a cart"
    elif locked.payment_status in Order.PAID_STATES:
        if not result.intent_id or result.intent_id == current:
            return locked  # this payment, recorded already
        stray = "the order had already been paid with another payment"
    elif locked.payment_status == Order.PaymentStatus.CANCELLED:
        stray = "the order had been cancelled"
    elif current and result.intent_id and result.intent_id != current:
        stray = "it was an earlier attempt, and the order is being paid with another"
    else:
        stray = ""
    if stray:
        _stray_payment_refund(locked, result, reason=stray)
        return locked
    late = locked.payment_status == Order.PaymentStatus.FAILED
    locked.payment_gateway = result.gateway or locked.payment_gateway
    locked.payment_intent_id = result.intent_id or current
    if late and not locked.stock_reserved and not _stock_retake(locked, note=False):
        return _paid_without_stock(locked, result, at=at)
    # The row is locked here already: marked paid in place, with one save.
    return _mark_paid(locked, at=at)


#: What the shopper reads when a payment is refunded automatically.
AUTO_REFUND_CUSTOMER_REASONS = {
    "out_of_stock": (
        "Your payment completed after the time we could hold the items for you, and "
        "they sold out meanwhile, so we could not fulfil the order and cancelled it."
    ),
    "stray": (
        "This payment did not complete an order (it was a repeated or abandoned "
        "attempt), so we gave it back."
    ),
}


def _auto_refund_record(
    order: Order,
    result: PaymentResult,
    *,
    kind: str,
    reason: str,
    refund_id: str = "",
) -> OrderEvent:
    """The timeline entry of an automatic refund; the shopper and the store are emailed
    once the transaction commits."""
    event = order_event_add(
        order=order,
        type=OrderEvent.Type.PAYMENT_REFUNDED,
        message=(
            f"Payment {result.intent_id} of {money_text(order, result.amount)} "
            f"refunded automatically: {reason}"
        )[:500],
        actor=Actor.system(gateway_label(order)),
        data={
            "intent_id": result.intent_id,
            "amount": result.amount,
            "currency": result.currency or order.currency,
            "refund_id": refund_id or None,
            "kind": kind,
            "reason": reason[:1].upper() + reason[1:] + ".",
            "customer_reason": AUTO_REFUND_CUSTOMER_REASONS[kind],
        },
    )
    enqueue("orders.tasks.order_auto_refund_customer_email", event.pk)
    enqueue("orders.tasks.order_auto_refund_store_email", event.pk)
    return event


def _stray_payment_refund(order: Order, result: PaymentResult, *, reason: str) -> None:
    """Refund a succeeded payment that pays for nothing (the order's totals do not count
    it). A gateway failure raises PaymentGatewayError: the caller's transaction rolls back
    and the event is retried (Stripe redelivers its webhook)."""
    gateway = (
        get_gateway_by_name(result.gateway)
        if result.gateway
        else gateway_for_order(order)
    )
    logger.warning(
        "Refunding payment %s of order %s: %s", result.intent_id, order.id, reason
    )
    refund = gateway.refund_create(
        intent_id=result.intent_id,
        amount=result.amount,
        idempotency_key=f"stray-payment-{result.intent_id}",
        reason="duplicate",
    )
    _auto_refund_record(
        order, result, kind="stray", reason=reason, refund_id=refund.refund_id
    )


def _paid_without_stock(
    locked: Order, result: PaymentResult, *, at: datetime | None
) -> Order:
    """A payment that completed after the order's reservation expired, whose stock has sold
    meanwhile: the order is paid, then cancelled with its payment refunded in full through
    the gateway (``orders.services.order_cancel``), and both sides are told."""
    _paid_record(locked, at=at, actor=None)
    reason = (
        "paid after its stock reservation expired, and the stock had sold meanwhile"
    )
    order_cancel(
        order=locked,
        reason=f"Refunded automatically: {reason}",
        notify_customer=False,
        actor=Actor.system(gateway_label(locked)),
    )
    refund = locked.refunds.order_by("-created_at").first()
    _auto_refund_record(
        locked,
        result,
        kind="out_of_stock",
        reason=reason,
        refund_id=refund.pk if refund else "",
    )
    return locked


EXPIRED_REASON = "The payment was not completed in time; the reservation expired."


def _latest_attempt(order: Order) -> PaymentAttempt | None:
    return PaymentAttempt.objects.filter(order=order).order_by("-number").first()


def order_payment_settle(*, order: Order) -> PaymentResult | None:
    """Ask the gateway what became of the order's payment, cancelling it if it has not
    succeeded (outside any transaction: these are network calls), and return its final
    word; None when the gateway never charged anything for it.

    The payment is the order's intent, else its latest attempt's, else whatever the
    gateway holds under that attempt's idempotency key (``payment_find``).
    """
    attempt = _latest_attempt(order)
    intent_id = order.payment_intent_id or (attempt.intent_id if attempt else "")
    if not intent_id and attempt is None:
        return None
    gateway = (
        get_gateway_by_name(attempt.gateway)
        if attempt is not None and not order.payment_gateway
        else gateway_for_order(order)
    )
    if not intent_id:
        found = gateway.payment_find(idempotency_key=attempt.idempotency_key)
        if found is None:
            return None
        intent_id = found.intent_id
    return gateway.payment_cancel(intent_id=intent_id)


def order_reservation_expire(*, order: Order, now: datetime | None = None) -> bool:
    """Fail one pending order whose reservation has expired; returns whether it did.

    An order with a payment (an intent, or an attempt sent to the gateway) is never failed
    blind: :func:`order_payment_settle` asks the gateway first. A payment that succeeded
    meanwhile makes the order paid instead (it still holds its stock); one still processing
    (it cannot be cancelled) keeps the order and its stock until its outcome comes through
    the webhook. A gateway that cannot be reached raises :class:`PaymentGatewayError` and
    the order is left for the next run.
    """
    now = now or timezone.now()
    result = None
    if order.payment_gateway or _latest_attempt(order) is not None:
        result = order_payment_settle(order=order)
    if result is not None:
        if result.succeeded:
            order_payment_record(order=order, result=result)
            return False
        if not (result.canceled or result.declined):
            logger.info(
                "Order %s: payment %s is %s, not expiring",
                order.id,
                result.intent_id,
                result.status,
            )
            return False
    with transaction.atomic():
        locked = order_lock(order)
        if (
            locked.payment_status != Order.PaymentStatus.PENDING
            or locked.reservation_expires_at is None
            or locked.reservation_expires_at > now
        ):
            copy_state(order, locked)
            return False
        if result is not None:
            attempt = PaymentAttempt.objects.filter(
                order=locked, intent_id=result.intent_id
            ).first()
            if attempt is not None:
                payment_attempt_update(attempt=attempt, result=result)
        order_payment_failed(
            order=order, reason=EXPIRED_REASON, intent_status=PaymentStatus.CANCELED
        )
    return True


def order_reservations_expire(*, now: datetime | None = None, limit: int = 500) -> int:
    """Fail every pending order whose ``reservation_expires_at`` has passed (the periodic
    task); returns how many were failed."""
    now = now or timezone.now()
    orders = list(
        Order.objects.filter(
            type=Order.Type.ORDER,
            payment_status=Order.PaymentStatus.PENDING,
            reservation_expires_at__lte=now,
        ).order_by("reservation_expires_at")[:limit]
    )
    failed = 0
    for order in orders:
        try:
            failed += order_reservation_expire(order=order, now=now)
        except (PaymentGatewayError, DomainError) as exc:
            logger.warning(
                "Could not expire the reservation of order %s: %s", order.id, exc
            )
    return failed

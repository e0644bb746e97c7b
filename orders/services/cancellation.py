"""Cancellation: an order that shipped nothing is cancelled, its payment voided or
refunded, its stock put back and its discount use given back."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from catalog.models import InventoryAdjustment
from core.exceptions import Conflict
from core.outbox import enqueue

from .. import events, signals
from ..gateways import PaymentGatewayError, PaymentStatus, gateway_for_order
from ..locks import copy_state, order_lock
from ..models import Order, OrderEvent, OrderItem, Refund
from ..timeline import Actor, order_event_add
from .helpers import money_text
from .refunds import refund_attempt, refund_failed, refund_send, restock_lines


@dataclass
class _Voided:
    refund: Refund | None = None
    intent_status: str = ""


def _cancel_payment(*, order: Order, actor) -> _Voided:
    """Void a payment in flight, or refund what was paid and not yet refunded."""
    status = order.payment_status
    if (
        status == Order.PaymentStatus.PENDING
        and order.payment_intent_id
        and order.payment_gateway
    ):
        result = gateway_for_order(order).payment_cancel(
            intent_id=order.payment_intent_id
        )
        if result.canceled or result.declined:
            order.payment_intent_status = PaymentStatus.CANCELED
            return _Voided(intent_status=PaymentStatus.CANCELED)
        if not result.succeeded:
            raise Conflict(
                f"The payment is {result.status.replace('_', ' ')} and cannot be voided now; "
                "try again once it completes.",
                code="payment_processing",
            )
        # It succeeded just now: it is refunded below like any paid order.
        order.payment_intent_status = PaymentStatus.SUCCEEDED
        order.paid_at = order.paid_at or timezone.now()
        status = Order.PaymentStatus.PAID
    if status in Order.REFUNDABLE_STATES and order.total_amount > order.refunded_amount:
        refund = refund_attempt(
            order=order,
            amount=order.total_amount - order.refunded_amount,
            reason=Refund.Reason.OTHER,
            restock=False,
            actor=actor,
        )
        try:
            refund_send(order=order, refund=refund)
        except PaymentGatewayError as exc:
            refund_failed(refund=refund, exc=exc)
            raise
        return _Voided(refund=refund)
    return _Voided()


def order_cancel(
    *,
    order: Order,
    reason: str = "",
    notify_customer: bool = True,
    actor: Actor | None = None,
) -> Order:
    """Cancel an order that has shipped nothing (409 otherwise, and for one already
    cancelled): a pending payment is voided at its gateway, a paid one is refunded in full
    (what is not refunded yet), the stock it holds is put back (audit rows with source
    ``cancel``) and its discount use released. ``payment_status`` cancelled, ``cancelled_at``
    set, ``order.cancelled`` recorded, the customer emailed unless ``notify_customer`` is false.

    Pending bank transfer orders (no gateway payment) are simply cancelled. A payment still
    processing at the gateway cannot be voided: 409 ``payment_processing``.
    """
    failure: PaymentGatewayError | None = None
    with transaction.atomic():
        locked = order_lock(order)
        if locked.type != Order.Type.ORDER:
            raise Conflict("Only a placed order can be cancelled.", code="not_an_order")
        if locked.payment_status == Order.PaymentStatus.CANCELLED:
            raise Conflict("This order is already cancelled.", code="order_cancelled")
        if locked.fulfillment_status != Order.FulfillmentStatus.UNFULFILLED:
            raise Conflict(
                "Only unfulfilled orders can be cancelled; this one has shipped.",
                code="order_fulfilled",
            )
        try:
            voided = _cancel_payment(order=locked, actor=actor)
        except PaymentGatewayError as exc:
            failure = exc
        else:
            _cancel_apply(order=locked, voided=voided, reason=reason, actor=actor)
            signals.order_released.send(sender=Order, order=locked)
            if notify_customer and locked.email:
                enqueue("orders.tasks.order_cancellation_email", locked.pk)
    if failure is not None:
        raise failure
    return copy_state(order, locked)


def _cancel_apply(*, order: Order, voided: _Voided, reason: str, actor) -> None:
    lines = list(OrderItem.objects.filter(order=order).order_by("created_at", "id"))
    restocked = restock_lines(
        order=order,
        units={line.pk: line.quantity for line in lines},
        lines=lines,
        source=InventoryAdjustment.Source.CANCEL,
        reason=f"Order cancelled: {reason}" if reason else "Order cancelled",
    )
    order.stock_reserved = False
    if voided.refund is not None:
        order.refunded_amount += voided.refund.amount
    order.payment_status = Order.PaymentStatus.CANCELLED
    order.cancelled_at = timezone.now()
    order.reservation_expires_at = None
    order.next_action_url = ""
    order.save()
    parts = [f"Cancelled{': ' + reason if reason else ''}"]
    if voided.refund is not None:
        parts.append(f"refunded {money_text(order, voided.refund.amount)}")
    elif voided.intent_status == PaymentStatus.CANCELED:
        parts.append("payment voided")
    units = sum(restocked.values())
    if units:
        parts.append(f"{units} unit{'s' if units != 1 else ''} restocked")
    order_event_add(
        order=order,
        type=OrderEvent.Type.CANCELLED,
        message="; ".join(parts),
        actor=actor,
        data={
            "reason": reason or None,
            "refund_id": voided.refund.pk if voided.refund else None,
            "payment_voided": voided.intent_status == PaymentStatus.CANCELED,
            "restocked": [{"id": pk, "quantity": n} for pk, n in restocked.items()],
        },
    )
    events.order_event(order, "order.cancelled")

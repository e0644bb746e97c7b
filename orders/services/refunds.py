"""Refunds: money given back through the order's gateway, units restocked; and refunds
made at the gateway itself (Stripe's dashboard) brought into the order."""

from __future__ import annotations

import logging
from datetime import timedelta

import stripe
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import InventoryAdjustment
from core.exceptions import Conflict, ValidationFailed
from core.outbox import enqueue

from .. import events
from ..gateways import PaymentGatewayError, gateway_for_order, refund_idempotency_key
from ..locks import copy_state, order_lock
from ..models import Order, OrderEvent, OrderItem, Refund, RefundLine
from ..timeline import Actor, order_event_add
from .helpers import (
    fulfillment_status_of,
    gateway_label,
    item_stock_line,
    money_text,
    refuse_unless_paid,
    requested_units,
)

logger = logging.getLogger(__name__)


#: How long a failed refund attempt's idempotency key is reused by a retry of the same
#: refund (Stripe keeps idempotency keys for 24 hours).
REFUND_RETRY_WINDOW = timedelta(hours=23)


def refund_attempt(
    *, order: Order, amount: int, reason: str, restock: bool, actor
) -> Refund:
    """A new pending refund, or the last attempt of the same amount and reason that got no
    answer from the gateway (so a retry reuses its idempotency key: if the gateway did refund,
    it answers with that refund instead of refunding twice)."""
    retry = (
        Refund.objects.filter(
            order=order,
            status=Refund.Status.FAILED,
            outcome_unknown=True,
            amount=amount,
            reason=reason,
            gateway_refund_id="",
            created_at__gte=timezone.now() - REFUND_RETRY_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )
    if retry is not None:
        retry.status = Refund.Status.PENDING
        retry.restock = restock
        retry.failure_message = ""
        retry.outcome_unknown = False
        retry.created_by = actor.label if actor else ""
        return retry
    return Refund(
        order=order,
        amount=amount,
        currency=order.currency,
        reason=reason,
        restock=restock,
        status=Refund.Status.PENDING,
        created_by=actor.label if actor else "",
    )


def refund_send(*, order: Order, refund: Refund) -> None:
    """Refund through the order's gateway (or record a manual refund for an order paid
    without one, e.g. a bank transfer); raises PaymentGatewayError when it fails."""
    refund.save()
    if not order.payment_intent_id:
        refund.gateway = Refund.MANUAL
        refund.status = Refund.Status.SUCCEEDED
        refund.save(update_fields=["gateway", "status", "updated_at"])
        return
    gateway = gateway_for_order(order)
    refund.gateway = gateway.name
    result = gateway.refund_create(
        intent_id=order.payment_intent_id,
        amount=refund.amount,
        idempotency_key=refund_idempotency_key(order=order, refund_id=refund.pk),
        reason=refund.reason or None,
    )
    if result.status not in (Refund.Status.SUCCEEDED, Refund.Status.PENDING):
        raise PaymentGatewayError(
            f"The payment provider did not accept the refund (status {result.status}).",
            code="refund_failed",
        )
    refund.gateway_refund_id = result.refund_id
    refund.status = result.status
    refund.save(update_fields=["gateway", "gateway_refund_id", "status", "updated_at"])


def _outcome_unknown(exc: PaymentGatewayError) -> bool:
    """Whether the gateway never answered (a network failure after the library's retries):
    it may have refunded. A refusal it answered is final for that idempotency key."""
    return isinstance(
        exc.__cause__, (stripe.APIConnectionError, ConnectionError, TimeoutError)
    )


def refund_failed(*, refund: Refund, exc: PaymentGatewayError) -> None:
    logger.warning(
        "Refund %s of order %s failed: %s", refund.pk, refund.order_id, exc.message
    )
    refund.status = Refund.Status.FAILED
    refund.failure_message = exc.message[:500]
    refund.outcome_unknown = _outcome_unknown(exc)
    refund.save()


def restock_lines(
    *,
    order: Order,
    units: dict[str, int],
    lines: list[OrderItem],
    source: str,
    reason: str,
) -> dict[str, int]:
    """Put ``units`` of the order's lines back in stock (audit rows with ``source``), when
    the order holds its stock and never beyond what it took; returns what was restocked per
    line. Lines whose variant no longer exists have nothing to go back to."""
    if not order.stock_reserved:
        return {}
    by_id = {line.pk: line for line in lines}
    restocked = {}
    for pk, quantity in units.items():
        line = by_id[pk]
        quantity = min(quantity, line.quantity - line.quantity_restocked)
        if quantity > 0 and line.variant_id:
            restocked[pk] = quantity
    stock_lines = [item_stock_line(by_id[pk], n) for pk, n in restocked.items()]
    if stock_lines:
        catalog_services.stock_release(
            lines=stock_lines,
            source=source,
            mode=order.mode,
            reference=order.pk,
            reason=reason[:255],
        )
    for pk, quantity in restocked.items():
        OrderItem.objects.filter(pk=pk).update(
            quantity_restocked=F("quantity_restocked") + quantity
        )
        by_id[pk].quantity_restocked += quantity
    if all(
        line.quantity_restocked >= line.quantity or not line.variant_id
        for line in lines
    ):
        order.stock_reserved = False
    return restocked


def order_refund(
    *,
    order: Order,
    amount: int | None = None,
    reason: str = "",
    restock: bool = True,
    items: list[dict] | None = None,
    notify_customer: bool = True,
    actor: Actor | None = None,
) -> Refund:
    """Refund ``amount`` minor units (default: everything not yet refunded) through the
    order's gateway, with an idempotency key derived from the refund id.

    Units covered (``quantity_refunded``; restocked with audit rows of source ``refund`` when
    ``restock`` and the order holds its stock):

    - ``items`` ([{id, quantity}]) when given, whatever the amount;
    - without ``items``, every unit not yet refunded when this refund completes the order's
      refund (``paymentStatus`` refunded);
    - without ``items``, none for a partial amount (it cannot say which units it pays for).

    An amount above what remains refundable is a 422 that changes nothing. When the gateway
    fails (HTTP 502) the attempt is kept as a failed refund; when it failed without an answer,
    retrying the same amount and reason reuses its idempotency key.
    """
    failure: PaymentGatewayError | None = None
    with transaction.atomic():
        locked = order_lock(order)
        refuse_unless_paid(locked, action="refunded")
        remaining = locked.total_amount - locked.refunded_amount
        if remaining <= 0:
            raise Conflict(
                "Nothing is left to refund on this order.", code="nothing_to_refund"
            )
        amount = remaining if amount is None else amount
        if amount > remaining:
            message = (
                f"The refund ({money_text(locked, amount)}) is more than what remains refundable "
                f"({money_text(locked, remaining)})."
            )
            raise ValidationFailed(
                message, code="refund_exceeds_remaining", fields={"amount": [message]}
            )
        if amount < 1:
            raise ValidationFailed(
                "The refund amount must be at least 1.",
                fields={"amount": ["Must be at least 1."]},
            )
        lines = list(
            OrderItem.objects.filter(order=locked).order_by("created_at", "id")
        )
        refundable = {line.pk: line.quantity - line.quantity_refunded for line in lines}
        if items:
            units = requested_units(
                items=items, lines=lines, available=refundable, verb="refund"
            )
        elif amount == remaining:
            units = {pk: n for pk, n in refundable.items() if n > 0}
        else:
            units = {}
        refund = refund_attempt(
            order=locked,
            amount=amount,
            reason=reason or "",
            restock=restock,
            actor=actor,
        )
        try:
            refund_send(order=locked, refund=refund)
        except PaymentGatewayError as exc:
            refund_failed(refund=refund, exc=exc)
            failure = exc
        else:
            _refund_apply(
                order=locked,
                refund=refund,
                units=units,
                lines=lines,
                restock=restock,
                actor=actor,
            )
            if notify_customer and locked.email:
                enqueue("orders.tasks.order_refund_email", refund.pk)
    if failure is not None:
        raise failure
    copy_state(order, locked)
    return refund


def _refund_apply(
    *,
    order: Order,
    refund: Refund,
    units: dict[str, int],
    lines: list[OrderItem],
    restock: bool,
    actor,
) -> None:
    """Book a sent refund on the order: covered units, restock, totals, timeline, event."""
    restocked = (
        restock_lines(
            order=order,
            units=units,
            lines=lines,
            source=InventoryAdjustment.Source.REFUND,
            reason=f"Refund {refund.pk}",
        )
        if restock
        else {}
    )
    by_id = {line.pk: line for line in lines}
    for pk, quantity in units.items():
        RefundLine.objects.create(
            refund=refund, item_id=pk, quantity=quantity, restocked=pk in restocked
        )
        OrderItem.objects.filter(pk=pk).update(
            quantity_refunded=F("quantity_refunded") + quantity
        )
        by_id[pk].quantity_refunded += quantity
    order.refunded_amount += refund.amount
    order.payment_status = (
        Order.PaymentStatus.REFUNDED
        if order.refunded_amount >= order.total_amount
        else Order.PaymentStatus.PARTIALLY_REFUNDED
    )
    completed = False
    if order.fulfillment_status == Order.FulfillmentStatus.PARTIAL and units:
        # Refunded units no longer need shipping: the order may now be complete.
        order.fulfillment_status = fulfillment_status_of(lines)
        if order.fulfillment_status == Order.FulfillmentStatus.FULFILLED:
            order.fulfilled_at = timezone.now()
            completed = True
    order.save()
    restocked_units = sum(restocked.values())
    message = (
        f"Refunded {money_text(order, refund.amount)}"
        + (f" ({refund.get_reason_display().lower()})" if refund.reason else "")
        + (
            f"; {restocked_units} unit{'s' if restocked_units != 1 else ''} restocked"
            if restocked_units
            else ""
        )
        + ("; nothing is left to ship: the order is fulfilled" if completed else "")
    )
    order_event_add(
        order=order,
        type=OrderEvent.Type.REFUNDED,
        message=message,
        actor=actor,
        data={
            "refund_id": refund.pk,
            "amount": refund.amount,
            "reason": refund.reason or None,
            "items": [
                {"id": pk, "quantity": n, "restocked": pk in restocked}
                for pk, n in units.items()
            ],
            "refunded": order.refunded_amount,
        },
    )
    events.order_event(order, "order.refunded")


@transaction.atomic
def order_refunds_sync(*, order: Order, amount_refunded: int) -> Order:
    """Bring the order up to the total the gateway reports refunded (Stripe's
    ``charge.amount_refunded``), e.g. after a refund made in Stripe's dashboard.

    Only ever raises ``refunded_amount`` (a refund already recorded by our own refund flow, or
    a replayed event, changes nothing); records ``order.refunded`` when it changes.
    """
    locked = order_lock(order)
    if (
        locked.payment_status not in Order.PAID_STATES
        or amount_refunded <= locked.refunded_amount
    ):
        return copy_state(order, locked)
    locked.refunded_amount = min(amount_refunded, locked.total_amount)
    locked.payment_status = (
        Order.PaymentStatus.REFUNDED
        if locked.refunded_amount >= locked.total_amount
        else Order.PaymentStatus.PARTIALLY_REFUNDED
    )
    locked.save()
    order_event_add(
        order=locked,
        type=OrderEvent.Type.REFUNDED,
        message=(
            "Refund made at the payment provider: "
            f"{money_text(locked, locked.refunded_amount)} refunded in total"
        ),
        actor=Actor.system(gateway_label(locked)),
        data={"refunded": locked.refunded_amount, "source": "gateway"},
    )
    events.order_event(locked, "order.refunded")
    return copy_state(order, locked)

"""Order operations: what a merchant (or an integration) does with a placed order.

- :func:`order_placed_record`: timeline "placed" and the ``order.created`` event (checkout);
- :func:`order_update`: internal notes, metadata, the shipping address (until fulfilment);
- :func:`order_fulfill`: ship all or some units, with tracking;
- :func:`order_refund`: give money back through the order's gateway, restock units;
- :func:`order_cancel`: cancel an unfulfilled order, void or refund its payment, restock.

Each locks the order row (``select_for_update``) for its whole transaction, so concurrent
operations on one order run one after the other and see each other's result; gateway calls
(refund, cancel intent) happen under that lock, and the Stripe ``charge.refunded`` webhook for
our own refund waits for it and then finds nothing to change. Each records a timeline entry
(:mod:`orders.timeline`) and the matching webhook event with the private order representation,
and queues its customer email on commit.

Statuses, in ``payment_status`` / ``fulfillment_status`` terms:

- fulfil: the order must be paid or partially refunded (pending, failed: 409 ``order_not_paid``;
  cancelled: 409 ``order_cancelled``; refunded: 409 ``order_refunded``) with units left to ship;
- refund: paid or partially refunded, 1 to (total - refunded) minor units, else 422;
- cancel: anything not cancelled whose ``fulfillment_status`` is unfulfilled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import stripe
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import InventoryAdjustment
from catalog.services import StockLine
from core.api.casing import to_camel
from core.exceptions import Conflict, ValidationFailed
from core.money import format_minor
from core.outbox import enqueue

from . import events, signals
from .gateways import (
    PaymentGatewayError,
    PaymentStatus,
    gateway_for_order,
    refund_idempotency_key,
)
from .models import (
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderEvent,
    OrderItem,
    Refund,
    RefundLine,
)
from .timeline import Actor, order_event_add

logger = logging.getLogger(__name__)

#: How long a failed refund attempt's idempotency key is reused by a retry of the same
#: refund (Stripe keeps idempotency keys for 24 hours).
REFUND_RETRY_WINDOW = timedelta(hours=23)

PLACED_BY = Actor.system("Checkout")


# -- helpers ------------------------------------------------------------------------------


def _locked(order: Order) -> Order:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if order.store_id == locked.store_id and "store" in order._state.fields_cache:
        locked.store = order.store
    return locked


def _copy_state(target: Order, source: Order) -> Order:
    for field in Order._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def order_label(order: Order) -> str:
    return f"#{order.order_number}" if order.order_number else order.id


def _money(order: Order, amount: int) -> str:
    return format_minor(int(amount), order.currency, order.store.locale)


def _unshipped(line: OrderItem) -> int:
    """Units of a line still to ship: neither shipped nor refunded."""
    return max(0, line.quantity - line.quantity_fulfilled - line.quantity_refunded)


def _fulfillment_status(lines: list[OrderItem]) -> str:
    if not any(line.quantity_fulfilled for line in lines):
        return Order.FulfillmentStatus.UNFULFILLED
    if all(_unshipped(line) == 0 for line in lines):
        return Order.FulfillmentStatus.FULFILLED
    return Order.FulfillmentStatus.PARTIAL


def _requested_units(
    *, items: list[dict], lines: list[OrderItem], available: dict[str, int], verb: str
) -> dict[str, int]:
    """``items`` ([{id, quantity}]) checked against the order's lines and what each has
    ``available``; a 422 naming ``items[i].id`` / ``items[i].quantity`` otherwise."""
    by_id = {line.pk: line for line in lines}
    wanted: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for index, entry in enumerate(items):
        line = by_id.get(entry["id"])
        if line is None:
            errors[("items", index, "id")] = [f"The order has no line {entry['id']}."]
        elif line.pk in wanted:
            errors[("items", index, "id")] = ["Each line may be listed once."]
        elif entry["quantity"] > available[line.pk]:
            left = available[line.pk]
            errors[("items", index, "quantity")] = [
                f"Only {left} unit{'s' if left != 1 else ''} of {line.product_name or line.pk} "
                f"left to {verb}."
            ]
        else:
            wanted[line.pk] = entry["quantity"]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, fields=errors)
    return wanted


def _refuse_unless_paid(order: Order, *, action: str) -> None:
    status = order.payment_status
    if status == Order.PaymentStatus.CANCELLED:
        raise Conflict(f"A cancelled order cannot be {action}.", code="order_cancelled")
    if status == Order.PaymentStatus.REFUNDED:
        raise Conflict(
            f"This order is fully refunded and cannot be {action}.",
            code="order_refunded",
        )
    if status not in Order.REFUNDABLE_STATES:
        raise Conflict(
            f"This order is not paid ({order.get_payment_status_display().lower()}) and "
            f"cannot be {action}.",
            code="order_not_paid",
        )


# -- placed ---------------------------------------------------------------------------------


@transaction.atomic
def order_placed_record(*, order: Order, actor: Actor | None = None) -> Order:
    """Record that a cart has become an order: the timeline's "placed" entry and the
    ``order.created`` webhook event, once per order (a second call changes nothing).

    Checkout calls it inside its transaction, once the order has its lines, totals and
    number (``placed_at`` is set to now when missing).
    """
    locked = _locked(order)
    if locked.type != Order.Type.ORDER:
        raise Conflict(
            "Only a placed order can be recorded as placed.", code="not_an_order"
        )
    if OrderEvent.objects.filter(order=locked, type=OrderEvent.Type.PLACED).exists():
        return _copy_state(order, locked)
    if locked.placed_at is None:
        locked.placed_at = timezone.now()
        locked.save(update_fields=["placed_at", "updated_at"])
    who = f" by {locked.email}" if locked.email else ""
    order_event_add(
        order=locked,
        type=OrderEvent.Type.PLACED,
        message=f"Order {order_label(locked)} placed{who}: {_money(locked, locked.total_amount)}",
        actor=actor or PLACED_BY,
        data={"total": locked.total_amount, "payment_method": locked.payment_method},
    )
    events.order_event(locked, "order.created")
    return _copy_state(order, locked)


# -- update -----------------------------------------------------------------------------------


@transaction.atomic
def order_update(*, order: Order, data: dict, actor: Actor | None = None) -> Order:
    """Change ``internal_notes``, ``metadata`` (replaced whole), ``billing_address`` and
    ``shipping_address`` (validated addresses; the shipping one is refused with a 409 once any
    unit has shipped).

    Fields that do not change are left alone; when something changed, the timeline gets a
    "note" entry (notes) and/or an "updated" entry (the others) and ``order.updated`` is
    recorded.
    """
    locked = _locked(order)
    changed: list[str] = []
    if (
        "shipping_address" in data
        and data["shipping_address"] != locked.shipping_address
    ):
        if locked.fulfillment_status != Order.FulfillmentStatus.UNFULFILLED:
            raise Conflict(
                "The shipping address cannot change once the order has (partly) shipped.",
                code="order_fulfilled",
                fields={"shipping_address": ["The order has already shipped."]},
            )
        locked.shipping_address = data["shipping_address"]
        changed.append("shipping_address")
    if "billing_address" in data and data["billing_address"] != locked.billing_address:
        locked.billing_address = data["billing_address"]
        changed.append("billing_address")
    if "metadata" in data and data["metadata"] != locked.metadata:
        locked.metadata = data["metadata"]
        changed.append("metadata")
    notes_changed = (
        "internal_notes" in data and data["internal_notes"] != locked.internal_notes
    )
    if notes_changed:
        locked.internal_notes = data["internal_notes"]
    if not changed and not notes_changed:
        return _copy_state(order, locked)
    locked.save(
        update_fields=[
            *changed,
            *(["internal_notes"] if notes_changed else []),
            "updated_at",
        ]
    )
    if notes_changed:
        note = locked.internal_notes
        order_event_add(
            order=locked,
            type=OrderEvent.Type.NOTE,
            message=f"Internal notes: {note}" if note else "Internal notes cleared",
            actor=actor,
            data={"internal_notes": note},
        )
    if changed:
        names = {
            "shipping_address": "shipping address",
            "billing_address": "billing address",
            "metadata": "metadata",
        }
        order_event_add(
            order=locked,
            type=OrderEvent.Type.UPDATED,
            message="Updated " + " and ".join(names[name] for name in changed),
            actor=actor,
            data={"fields": [to_camel(name) for name in changed]},
        )
    events.order_event(locked, "order.updated")
    return _copy_state(order, locked)


# -- fulfil -----------------------------------------------------------------------------------


@transaction.atomic
def order_fulfill(
    *,
    order: Order,
    items: list[dict] | None = None,
    tracking_number: str = "",
    tracking_url: str = "",
    carrier: str = "",
    notify_customer: bool = True,
    actor: Actor | None = None,
) -> Fulfillment:
    """Ship ``items`` ([{id, quantity}]) or, without them, every unit left to ship.

    ``fulfillment_status`` becomes fulfilled (``fulfilled_at`` set) once no line has units
    left to ship (units refunded before shipping do not count), else partial. Records
    ``order.fulfilled`` for every fulfilment and emails the customer unless
    ``notify_customer`` is false.
    """
    locked = _locked(order)
    _refuse_unless_paid(locked, action="fulfilled")
    if locked.fulfillment_status == Order.FulfillmentStatus.FULFILLED:
        raise Conflict(
            "This order is already fulfilled.", code="order_already_fulfilled"
        )
    lines = list(OrderItem.objects.filter(order=locked).order_by("created_at", "id"))
    available = {line.pk: _unshipped(line) for line in lines}
    if items:
        wanted = _requested_units(
            items=items, lines=lines, available=available, verb="fulfil"
        )
    else:
        wanted = {pk: n for pk, n in available.items() if n > 0}
    if not wanted:
        raise Conflict(
            "Nothing is left to ship on this order.", code="nothing_to_fulfill"
        )
    fulfillment = Fulfillment.objects.create(
        order=locked,
        tracking_number=tracking_number or "",
        tracking_url=tracking_url or "",
        carrier=carrier or "",
        notify_customer=notify_customer,
        created_by=(actor.label if actor else ""),
    )
    for line in lines:
        quantity = wanted.get(line.pk)
        if not quantity:
            continue
        FulfillmentLine.objects.create(
            fulfillment=fulfillment, item=line, quantity=quantity
        )
        OrderItem.objects.filter(pk=line.pk).update(
            quantity_fulfilled=F("quantity_fulfilled") + quantity
        )
        line.quantity_fulfilled += quantity
    locked.fulfillment_status = _fulfillment_status(lines)
    if locked.fulfillment_status == Order.FulfillmentStatus.FULFILLED:
        locked.fulfilled_at = timezone.now()
    locked.save(update_fields=["fulfillment_status", "fulfilled_at", "updated_at"])
    units = sum(wanted.values())
    tracking = ", ".join(filter(None, [carrier, tracking_number]))
    message = (
        f"{'Fulfilled' if locked.fulfilled_at else 'Partially fulfilled'}: "
        f"{units} unit{'s' if units != 1 else ''} shipped"
        + (f" ({tracking})" if tracking else "")
    )
    order_event_add(
        order=locked,
        type=OrderEvent.Type.FULFILLED,
        message=message,
        actor=actor,
        data={
            "fulfillment_id": fulfillment.pk,
            "items": [{"id": pk, "quantity": n} for pk, n in wanted.items()],
            "tracking_number": tracking_number or None,
            "tracking_url": tracking_url or None,
            "carrier": carrier or None,
            "fulfillment_status": locked.fulfillment_status,
        },
    )
    events.order_event(locked, "order.fulfilled")
    if notify_customer and locked.email:
        enqueue("orders.tasks.order_fulfillment_email", fulfillment.pk)
    _copy_state(order, locked)
    return fulfillment


# -- refunds ----------------------------------------------------------------------------------


def _refund_attempt(
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


def _refund_send(*, order: Order, refund: Refund) -> None:
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


def _refund_failed(*, refund: Refund, exc: PaymentGatewayError) -> None:
    logger.warning(
        "Refund %s of order %s failed: %s", refund.pk, refund.order_id, exc.message
    )
    refund.status = Refund.Status.FAILED
    refund.failure_message = exc.message[:500]
    refund.outcome_unknown = _outcome_unknown(exc)
    refund.save()


def _restock(
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
    stock_lines = [
        StockLine(
            variant_id=by_id[pk].variant_id, quantity=n, label=by_id[pk].product_name
        )
        for pk, n in restocked.items()
    ]
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
        locked = _locked(order)
        _refuse_unless_paid(locked, action="refunded")
        remaining = locked.total_amount - locked.refunded_amount
        if remaining <= 0:
            raise Conflict(
                "Nothing is left to refund on this order.", code="nothing_to_refund"
            )
        amount = remaining if amount is None else amount
        if amount > remaining:
            message = (
                f"The refund ({_money(locked, amount)}) is more than what remains refundable "
                f"({_money(locked, remaining)})."
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
            units = _requested_units(
                items=items, lines=lines, available=refundable, verb="refund"
            )
        elif amount == remaining:
            units = {pk: n for pk, n in refundable.items() if n > 0}
        else:
            units = {}
        refund = _refund_attempt(
            order=locked,
            amount=amount,
            reason=reason or "",
            restock=restock,
            actor=actor,
        )
        try:
            _refund_send(order=locked, refund=refund)
        except PaymentGatewayError as exc:
            _refund_failed(refund=refund, exc=exc)
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
    _copy_state(order, locked)
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
        _restock(
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
        order.fulfillment_status = _fulfillment_status(lines)
        if order.fulfillment_status == Order.FulfillmentStatus.FULFILLED:
            order.fulfilled_at = timezone.now()
            completed = True
    order.save()
    restocked_units = sum(restocked.values())
    message = (
        f"Refunded {_money(order, refund.amount)}"
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


# -- cancel -----------------------------------------------------------------------------------


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
        refund = _refund_attempt(
            order=order,
            amount=order.total_amount - order.refunded_amount,
            reason=Refund.Reason.OTHER,
            restock=False,
            actor=actor,
        )
        try:
            _refund_send(order=order, refund=refund)
        except PaymentGatewayError as exc:
            _refund_failed(refund=refund, exc=exc)
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
        locked = _locked(order)
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
    return _copy_state(order, locked)


def _cancel_apply(*, order: Order, voided: _Voided, reason: str, actor) -> None:
    lines = list(OrderItem.objects.filter(order=order).order_by("created_at", "id"))
    restocked = _restock(
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
        parts.append(f"refunded {_money(order, voided.refund.amount)}")
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

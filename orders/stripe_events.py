"""Stripe webhook events, processed once each.

``stripe_event_process`` records the event id (:class:`~orders.models.StripeEvent`) in the
same transaction as the change it causes, so a replayed or concurrently redelivered event
changes nothing. A succeeded payment always ends as a paid order or a refund (a late
``payment_intent.succeeded`` for an expired order pays it, re-reserving its stock, or is
refunded when the stock is gone); when that refund cannot be made, the event is not recorded
and Stripe retries it. Handled: ``payment_intent.succeeded``, ``payment_intent.payment_failed``
(through :func:`orders.services.order_payment_record`, like the 3-D Secure test page) and
``charge.refunded`` (:func:`orders.services.order_refunds_sync`); Stripe Billing's
``invoice.created``, ``invoice.paid``, ``invoice.payment_failed`` and
``customer.subscription.deleted`` go to the subscriptions app
(:data:`orders.signals.stripe_billing_event`). Other types are recorded and ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from core.exceptions import DomainError

from . import selectors, services
from .gateways import PaymentGatewayError
from .gateways.stripe_gateway import _get, stripe_intent_result
from .models import Order, OrderEvent, StripeEvent
from .signals import stripe_billing_event

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventOutcome:
    duplicate: bool
    outcome: str
    order_id: str | None = None


def _created_at(event) -> datetime | None:
    created = _get(event, "created")
    return datetime.fromtimestamp(int(created), tz=UTC) if created else None


def _payment_intent_event(event) -> tuple[Order | None, str]:
    intent = event["data"]["object"]
    metadata = _get(intent, "metadata", {}) or {}
    order = selectors.order_get_by_payment_intent(
        intent_id=_get(intent, "id", ""), order_id=_get(metadata, "order_id")
    )
    if order is None:
        return None, "ignored: no order for this payment"
    result = stripe_intent_result(intent)
    before = (order.payment_status, order.payment_intent_status)
    refunds = _auto_refunds(order)
    order = services.order_payment_record(
        order=order, result=result, at=_created_at(event)
    )
    if _auto_refunds(order) != refunds:
        return order, "refunded automatically"
    after = (order.payment_status, order.payment_intent_status)
    return order, f"order {order.payment_status}" if after != before else "unchanged"


def _auto_refunds(order: Order) -> int:
    return order.timeline.filter(type=OrderEvent.Type.PAYMENT_REFUNDED).count()


def _charge_refunded(event) -> tuple[Order | None, str]:
    charge = event["data"]["object"]
    order = selectors.order_get_by_payment_intent(
        intent_id=_get(charge, "payment_intent", "")
    )
    if order is None:
        return None, "ignored: no order for this charge"
    before = order.refunded_amount
    order = services.order_refunds_sync(
        order=order, amount_refunded=int(_get(charge, "amount_refunded", 0))
    )
    return order, (
        f"refunded {order.refunded_amount}"
        if order.refunded_amount != before
        else "unchanged"
    )


def _billing_event(event) -> tuple[Order | None, str]:
    """Stripe Billing's events belong to the subscriptions app, above orders: asked through
    :data:`orders.signals.stripe_billing_event`."""
    for _receiver, answer in stripe_billing_event.send(
        sender=event["type"], event=event
    ):
        if answer is not None:
            return answer
    return None, "ignored: no subscription for this event"


HANDLERS = {
    "payment_intent.succeeded": _payment_intent_event,
    "payment_intent.payment_failed": _payment_intent_event,
    "charge.refunded": _charge_refunded,
    "invoice.created": _billing_event,
    "invoice.paid": _billing_event,
    "invoice.payment_failed": _billing_event,
    "customer.subscription.deleted": _billing_event,
}


def stripe_event_process(*, event) -> EventOutcome:
    """Apply one verified Stripe event (``stripe.Event.to_dict()``) exactly once."""
    with transaction.atomic():
        record, created = StripeEvent.objects.get_or_create(
            id=event["id"],
            defaults={
                "type": event["type"],
                "livemode": bool(_get(event, "livemode", False)),
            },
        )
        if not created:
            return EventOutcome(
                duplicate=True, outcome="duplicate", order_id=record.order_id
            )
        handler = HANDLERS.get(event["type"])
        order, outcome = None, "ignored: event type not handled"
        if handler is not None:
            try:
                with transaction.atomic():
                    order, outcome = handler(event)
            except PaymentGatewayError:
                # A refund the event calls for could not be made: roll the event back so
                # that Stripe delivers it again (the endpoint answers 500).
                raise
            except DomainError as exc:
                # A refusal (e.g. a payment for a cancelled order) will not change on retry.
                logger.warning("Stripe event %s refused: %s", event["id"], exc.message)
                outcome = f"refused: {exc.message}"
        record.order = order
        record.outcome = outcome[:255]
        record.save(update_fields=["order", "outcome"])
    return EventOutcome(
        duplicate=False, outcome=outcome, order_id=order.pk if order else None
    )

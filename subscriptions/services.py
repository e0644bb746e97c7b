"""Every write of subscriptions: starting them from a paid checkout, renewing them, and the
shopper's and the merchant's pause, resume and cancel.

**Start.** When an order is paid (``order.paid``, heard through ``core.events``), each of its
subscription lines starts a :class:`Subscription` for the order's customer, with the payment
method checkout was given. Without a trial the checkout charge paid the first period; with
one, checkout charged nothing for the line (``carts.services.fetch.line_unit_price``) and the first
charge is at the trial's end.

**Renew.** :func:`subscriptions_renew_due` (the beat task, every few minutes) charges each
subscription whose ``next_charge_at`` has come, in three steps, so that no lock is held
while the gateway is called:

1. claim (one transaction): lock the subscription row and create the
   :class:`SubscriptionRenewal` of (period start, attempt); a renewal that exists and is
   being worked on is left alone, so a second run, or a second worker, charges nothing;
2. charge: a cart of the subscription's line, addresses and shipping choice, marked
   ``metadata.subscription_id``, checked out by ``carts.checkout.cart_checkout`` with the
   saved payment method: an order placed, priced, taxed, emailed and published like any
   other (its cart token is the renewal's, so a resumed renewal finds its order again);
3. record (one transaction): a paid order advances the period (``subscription.renewed``);
   a decline makes the subscription past due and retries after :data:`RETRY_DAYS`, then
   cancels it (``subscription.payment_failed``, ``subscription.cancelled``, emails).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from carts import checkout as cart_checkout_module
from carts import services as cart_services
from carts.models import ShippingMethod
from catalog.models import Product
from core.exceptions import Conflict, DomainError, PaymentDeclined, ValidationFailed
from core.money import Money
from core.outbox import enqueue
from orders.gateways import (
    PaymentGateway,
    PaymentGatewayError,
    PaymentResult,
    PaymentStatus,
    StripeBilling,
    StripeGateway,
)
from orders.models import Order, OrderEvent, OrderItem
from orders.timeline import order_event_add

from . import events
from .models import Subscription, SubscriptionInvoice, SubscriptionRenewal
from .periods import period_add

logger = logging.getLogger(__name__)

#: Days to wait before charging again after the 1st, 2nd and 3rd declined renewal; the next
#: decline cancels the subscription.
RETRY_DAYS = (1, 3, 5)
#: A renewal claimed this long ago and still not recorded was left by a worker that died:
#: the next run resumes it (its cart token finds the order it may have placed).
RENEWAL_STALE_AFTER = timedelta(minutes=10)
#: How many due subscriptions one run of the task renews (the next run takes the rest).
RENEW_BATCH = 200

CANCEL_REASONS = ("customer", "merchant", "payment_failed", "gateway")


# -- start ---------------------------------------------------------------------------------


def order_paid_heard(*, store, mode: str, type: str, data: dict, **kwargs) -> None:
    """``core.events.event_published`` receiver: a paid order starts its subscriptions.

    One query for any paid order (its subscription lines' ids, usually none), so
    checkout's query budget grows by one, whatever the cart's size; the lines themselves,
    with their order, store, customer, product and variant, only when there are some
    (selecting every column of five tables for every checkout cost more CPU than the rest
    of this receiver)."""
    if type != "order.paid" or not data.get("id"):
        return
    ids = list(
        OrderItem.objects.filter(
            order_id=data["id"],
            order__store=store,
            order__mode=mode,
            order__type=Order.Type.ORDER,
            product__product_type=Product.ProductType.SUBSCRIPTION,
            variant__isnull=False,
        ).values_list("pk", flat=True)
    )
    if not ids:
        return
    items = list(
        OrderItem.objects.filter(pk__in=ids).select_related(
            "order__store", "order__customer", "product", "variant"
        )
    )
    order = items[0].order
    if (order.metadata or {}).get(cart_services.RENEWAL_METADATA_KEY):
        return  # a renewal's own order pays an existing subscription
    subscriptions_start(order=order, items=items)


def subscriptions_start(
    *, order: Order, items: list[OrderItem] | None = None
) -> list[Subscription]:
    """Start a subscription for each subscription line of the paid ``order`` (once)."""
    if items is None:
        items = list(
            OrderItem.objects.filter(
                order=order,
                product__product_type=Product.ProductType.SUBSCRIPTION,
                variant__isnull=False,
            ).select_related("product", "variant")
        )
    started = []
    now = order.paid_at or timezone.now()
    for item in items:
        if Subscription.objects.filter(
            origin_order=order, variant=item.variant
        ).exists():
            continue
        started.append(_start(order=order, item=item, now=now))
    return started


def _start(*, order: Order, item: OrderItem, now: datetime) -> Subscription:
    product, variant = item.product, item.variant
    terms = product.subscription_terms()
    trial_days = terms["trial_days"] if item.unit_price_amount == 0 else 0
    if trial_days:
        status = Subscription.Status.TRIALING
        trial_ends_at = period_end = now + timedelta(days=trial_days)
    else:
        status = Subscription.Status.ACTIVE
        trial_ends_at = None
        period_end = period_add(
            now, interval=terms["interval"], count=terms["interval_count"]
        )
    shipping_method = (
        ShippingMethod.objects.filter(pk=order.shipping_method_id).first()
        if order.shipping_method_id
        else None
    )
    subscription = Subscription(
        store=order.store,
        mode=order.mode,
        status=status,
        customer=order.customer,
        email=order.email,
        product=product,
        variant=variant,
        product_name=item.product_name or product.name,
        variant_name=item.variant_name,
        quantity=item.quantity,
        currency=order.currency,
        price_amount=variant.current_price_amount(now),
        interval=terms["interval"],
        interval_count=terms["interval_count"],
        trial_ends_at=trial_ends_at,
        current_period_start=now,
        current_period_end=period_end,
        next_charge_at=period_end,
        payment_gateway=order.payment_gateway,
        payment_method=order.payment_method,
        shipping_address=order.shipping_address,
        billing_address=None if order.same_as_shipping else order.billing_address,
        shipping_method=shipping_method,
        origin_order=order,
    )
    try:
        with transaction.atomic():
            subscription.save()
    except IntegrityError:
        # The same order.paid heard twice at once: the first one started it.
        return Subscription.objects.get(origin_order=order, variant=variant)
    logger.info("Subscription %s started by order %s", subscription.pk, order.pk)
    if subscription.billed_by_stripe:
        enqueue("subscriptions.tasks.subscription_billing_sync", subscription.pk)
    return subscription


# -- renew ---------------------------------------------------------------------------------


def subscriptions_due(*, now: datetime | None = None, limit: int = RENEW_BATCH):
    now = now or timezone.now()
    return list(
        Subscription.objects.filter(
            status__in=Subscription.BILLABLE_STATES, next_charge_at__lte=now
        )
        # Stripe Billing charges those itself; its invoices' webhooks record them.
        .exclude(payment_gateway=StripeGateway.name)
        .order_by("next_charge_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def subscriptions_renew_due(*, limit: int = RENEW_BATCH) -> int:
    """Charge every subscription due now (the beat task). Returns how many were recorded."""
    done = 0
    for subscription_id in subscriptions_due(limit=limit):
        try:
            if subscription_renew(subscription_id=subscription_id) is not None:
                done += 1
        except Exception:
            # One subscription's trouble never stops the others; the next run retries it.
            logger.exception("Renewal of subscription %s failed", subscription_id)
    return done


def _lock(subscription_id: str) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("store")
        .get(pk=subscription_id)
    )


def _claim(subscription_id: str, *, due: bool = True) -> SubscriptionRenewal | None:
    """Step 1: the renewal of the due period, or None when there is nothing to do here
    (not due, or another run is on it). ``due=False``: Stripe said it charged (or failed
    to charge) the period, whatever our clock says."""
    now = timezone.now()
    with transaction.atomic():
        subscription = _lock(subscription_id)
        if subscription.status not in Subscription.BILLABLE_STATES or (
            due
            and (
                subscription.next_charge_at is None or subscription.next_charge_at > now
            )
        ):
            return None
        renewal, created = SubscriptionRenewal.objects.get_or_create(
            subscription=subscription,
            period_start=subscription.current_period_end,
            attempt=subscription.failed_attempts + 1,
        )
        if not created:
            if renewal.status != SubscriptionRenewal.Status.PROCESSING:
                return None
            if renewal.updated_at > now - RENEWAL_STALE_AFTER:
                return None  # another worker is charging it right now
            renewal.save(update_fields=["updated_at"])  # resumed by this run
        renewal.subscription = subscription
        return renewal


def subscription_renew(*, subscription_id: str) -> SubscriptionRenewal | None:
    """Charge the due period of one subscription (see the module docstring). Returns the
    recorded renewal, or None when nothing was recorded (not due, taken by another run, or
    the gateway could not be reached: the renewal is resumed later)."""
    renewal = _claim(subscription_id)
    if renewal is None:
        return None
    subscription = renewal.subscription
    placed = _placed_order(subscription, renewal)
    if placed is not None and (
        placed.payment_status in Order.PAID_STATES
        or placed.payment_gateway == cart_checkout_module.MANUAL_GATEWAY
    ):
        # A resumed renewal whose order was placed before its worker died.
        return _record(renewal, order=placed)
    try:
        if placed is None:
            _renewal_cart(subscription, renewal)
        # A placed order still waiting for its payment's outcome is resumed by checkout
        # itself (the same request key): it is never charged twice.
        result = cart_checkout_module.cart_checkout(
            store=subscription.store,
            mode=subscription.mode,
            cart_token=renewal.cart_token,
            payment_method=subscription.payment_method,
            request_key=renewal.id,
        )
    except PaymentGatewayError:
        logger.warning(
            "Renewal %s: the payment gateway could not be reached; retried later",
            renewal.pk,
        )
        return None
    except PaymentDeclined as exc:
        return _record(renewal, failure=exc.message)
    except DomainError as exc:
        # The product is gone or out of stock, the shipping option no longer exists...
        return _record(renewal, failure=exc.message)
    if result.requires_action:
        # Nobody is there to authenticate a renewal: cancel that payment, as a decline.
        cart_checkout_module.cart_reopen(
            store=subscription.store,
            mode=subscription.mode,
            cart_token=renewal.cart_token,
            order_id=result.order.pk,
        )
        return _record(
            renewal,
            failure="Your bank asked to authenticate the payment; update your card.",
        )
    return _record(renewal, order=result.order)


def _placed_order(subscription: Subscription, renewal: SubscriptionRenewal):
    return (
        Order.objects.filter(
            store_id=subscription.store_id,
            mode=subscription.mode,
            cart_token=renewal.cart_token,
            type=Order.Type.ORDER,
        )
        .order_by("-created_at")
        .first()
    )


def _renewal_cart(subscription: Subscription, renewal: SubscriptionRenewal) -> Order:
    """The renewal's cart: the subscription's line, its addresses and shipping choice."""
    return _subscription_cart(
        subscription,
        cart_token=renewal.cart_token,
        metadata={"subscription_renewal_id": renewal.pk},
    )


def _subscription_cart(
    subscription: Subscription, *, cart_token: str, metadata: dict
) -> Order:
    """A cart of the subscription's line, addresses and shipping choice, marked as a
    renewal's (``metadata.subscription_id``: the line costs its price, trial or not)."""
    store = subscription.store
    with transaction.atomic():
        cart = cart_services.cart_get_or_create(
            store=store,
            mode=subscription.mode,
            cart_token=cart_token,
            # Renewed in the currency the shopper subscribed in (issue 18).
            currency=(
                subscription.currency
                if subscription.currency != store.currency
                else None
            ),
        )
        if subscription.variant_id is None or subscription.product_id is None:
            raise ValidationFailed(
                "The subscribed product no longer exists.", code="item_unavailable"
            )
        OrderItem.objects.filter(order=cart).exclude(
            variant_id=subscription.variant_id
        ).delete()
        OrderItem.objects.update_or_create(
            order=cart,
            variant_id=subscription.variant_id,
            defaults={
                "product_id": subscription.product_id,
                "quantity": subscription.quantity,
            },
        )
        billing = subscription.billing_address
        Order.objects.filter(pk=cart.pk).update(
            email=subscription.email,
            shipping_address=subscription.shipping_address,
            billing_address=billing,
            same_as_shipping=billing is None,
            shipping_method_id=subscription.shipping_method_id,
            metadata={cart_services.RENEWAL_METADATA_KEY: subscription.pk, **metadata},
            updated_at=timezone.now(),
        )
    return cart


def subscription_renewal_price(
    subscription: Subscription, *, key: str
) -> cart_services.PricedCart:
    """What the renewal order of ``subscription`` would total now: a cart built as the
    renewal's (:func:`_subscription_cart`) priced by the same code checkout uses
    (``carts.services.cart_price``), then thrown away. ``key`` names the cart while it
    lives (inside this transaction only)."""
    with transaction.atomic():
        cart = _subscription_cart(
            subscription, cart_token=f"subscription-price-{key}", metadata={}
        )
        cart = Order.objects.select_related("store").get(pk=cart.pk)
        priced = cart_services.cart_price(cart=cart, persist=False)
        cart.delete()
    return priced


def _record(
    renewal: SubscriptionRenewal,
    *,
    order: Order | None = None,
    failure: str = "",
    paid_without_order: str = "",
    message: str = "",
) -> SubscriptionRenewal:
    """Step 3: the period paid, or the decline and what follows it."""
    now = timezone.now()
    with transaction.atomic():
        subscription = _lock(renewal.subscription_id)
        renewal = SubscriptionRenewal.objects.select_for_update().get(pk=renewal.pk)
        if renewal.status != SubscriptionRenewal.Status.PROCESSING:
            return renewal  # recorded by a resumed run meanwhile
        if order is not None or paid_without_order:
            renewal.status = SubscriptionRenewal.Status.SUCCEEDED
            renewal.order = order
            renewal.message = (paid_without_order or message)[:500]
            renewal.save(update_fields=["status", "order", "message", "updated_at"])
            _advance(subscription, period_start=renewal.period_start)
            events.subscription_event(
                subscription,
                "subscription.renewed",
                order_id=order.pk if order is not None else None,
            )
            return renewal
        renewal.status = SubscriptionRenewal.Status.FAILED
        renewal.message = failure[:500]
        renewal.save(update_fields=["status", "message", "updated_at"])
        _payment_failed(subscription, message=failure, now=now)
    return renewal


def _advance(subscription: Subscription, *, period_start: datetime) -> None:
    subscription.current_period_start = period_start
    subscription.current_period_end = period_add(
        period_start,
        interval=subscription.interval,
        count=subscription.interval_count,
    )
    subscription.failed_attempts = 0
    if subscription.status in Subscription.BILLABLE_STATES:
        subscription.status = Subscription.Status.ACTIVE
        subscription.next_charge_at = subscription.current_period_end
    subscription.save()


def _payment_failed(subscription: Subscription, *, message: str, now: datetime):
    subscription.failed_attempts += 1
    attempts = subscription.failed_attempts
    if subscription.status not in Subscription.BILLABLE_STATES:
        subscription.save(update_fields=["failed_attempts", "updated_at"])
        return
    if attempts > len(RETRY_DAYS):
        events.subscription_event(
            subscription, "subscription.payment_failed", failure_message=message
        )
        _cancel(subscription, reason="payment_failed", now=now)
        return
    subscription.status = Subscription.Status.PAST_DUE
    subscription.next_charge_at = now + timedelta(days=RETRY_DAYS[attempts - 1])
    subscription.save()
    events.subscription_event(
        subscription, "subscription.payment_failed", failure_message=message
    )
    enqueue(
        "subscriptions.tasks.subscription_payment_failed_email",
        subscription.pk,
        message,
    )


# -- pause, resume, cancel -------------------------------------------------------------------


def _refuse(message: str, code: str) -> Conflict:
    return Conflict(message, code=code, fields={"status": [message]})


def _cancel(subscription: Subscription, *, reason: str, now: datetime) -> None:
    subscription.status = Subscription.Status.CANCELLED
    subscription.cancelled_at = now
    subscription.cancel_reason = reason
    subscription.next_charge_at = None
    subscription.save()
    events.subscription_event(subscription, "subscription.cancelled")
    enqueue("subscriptions.tasks.subscription_cancelled_email", subscription.pk)
    if reason != "gateway":
        _billing_sync_later(subscription)


def _billing_sync_later(subscription: Subscription) -> None:
    """Tell Stripe Billing (after commit) what became of a subscription it bills."""
    if subscription.billed_by_stripe and subscription.gateway_subscription_id:
        enqueue("subscriptions.tasks.subscription_billing_sync", subscription.pk)


def subscription_cancel(*, subscription: Subscription, reason: str) -> Subscription:
    """Stop every future charge now (the period paid for is not refunded). Cancelling a
    cancelled subscription answers it as it is."""
    if reason not in CANCEL_REASONS:
        raise ValueError(f"Unknown cancel reason {reason!r}")
    with transaction.atomic():
        subscription = _lock(subscription.pk)
        if subscription.status == Subscription.Status.CANCELLED:
            return subscription
        _cancel(subscription, reason=reason, now=timezone.now())
    return subscription


def subscription_pause(*, subscription: Subscription) -> Subscription:
    """No charges while paused; pausing a paused subscription answers it as it is."""
    with transaction.atomic():
        subscription = _lock(subscription.pk)
        if subscription.status == Subscription.Status.PAUSED:
            return subscription
        if subscription.status == Subscription.Status.CANCELLED:
            raise _refuse(
                "A cancelled subscription cannot be paused.", "subscription_cancelled"
            )
        subscription.status = Subscription.Status.PAUSED
        subscription.paused_at = timezone.now()
        subscription.next_charge_at = None
        subscription.save()
        _billing_sync_later(subscription)
    return subscription


def subscription_resume(*, subscription: Subscription) -> Subscription:
    """Charge again from the end of the period paid for; a period that ended while paused
    is not billed: the next one starts (and is charged) now."""
    with transaction.atomic():
        subscription = _lock(subscription.pk)
        if subscription.status != Subscription.Status.PAUSED:
            raise _refuse(
                "Only a paused subscription can be resumed.", "subscription_not_paused"
            )
        now = timezone.now()
        if subscription.current_period_end <= now:
            subscription.current_period_end = now
        subscription.status = (
            Subscription.Status.TRIALING
            if subscription.trial_ends_at and subscription.trial_ends_at > now
            else Subscription.Status.ACTIVE
        )
        subscription.failed_attempts = 0
        subscription.paused_at = None
        subscription.next_charge_at = subscription.current_period_end
        subscription.save()
        _billing_sync_later(subscription)
    return subscription


# -- Stripe Billing ----------------------------------------------------------------------------


def subscription_billing_sync(*, subscription_id: str) -> None:
    """Make Stripe Billing match a subscription it bills (a task, after commit): create its
    Customer, Price and Subscription (first invoice at our next charge: checkout paid the
    period, or the trial runs, until then), then pause, resume or cancel it as ours is.
    Idempotent: creates carry keys derived from our id."""
    subscription = Subscription.objects.select_related("store").get(pk=subscription_id)
    if not subscription.billed_by_stripe:
        return
    billing = StripeBilling()
    if not subscription.gateway_subscription_id:
        if subscription.status == Subscription.Status.CANCELLED:
            return
        charge_at = subscription.next_charge_at or subscription.current_period_end
        customer_id, stripe_id = billing.subscription_create(
            key=f"subscription-{subscription.pk}",
            email=subscription.email,
            payment_method=subscription.payment_method,
            name=subscription.product_name,
            amount=subscription.price_amount,
            currency=subscription.currency,
            interval=subscription.interval,
            interval_count=subscription.interval_count,
            quantity=subscription.quantity,
            trial_end=int(charge_at.timestamp()),
            metadata={
                "subscription_id": subscription.pk,
                "store_id": subscription.store_id,
                "mode": subscription.mode,
            },
        )
        Subscription.objects.filter(
            pk=subscription.pk, gateway_subscription_id=""
        ).update(gateway_customer_id=customer_id, gateway_subscription_id=stripe_id)
        subscription.refresh_from_db()
    stripe_id = subscription.gateway_subscription_id
    if subscription.status == Subscription.Status.CANCELLED:
        billing.subscription_cancel(subscription_id=stripe_id)
    elif subscription.status == Subscription.Status.PAUSED:
        billing.subscription_pause(subscription_id=stripe_id, paused=True)
    elif subscription.paused_at is None and subscription.failed_attempts == 0:
        billing.subscription_pause(subscription_id=stripe_id, paused=False)


class PaidInvoice(PaymentGateway):
    """A Stripe Billing invoice that is paid already, as the gateway of its renewal order:
    checkout places and records the order as usual, and this "charges" nothing."""

    name = StripeGateway.name

    def __init__(self, *, intent_id: str, amount: int, currency: str):
        self.result = PaymentResult(
            gateway=self.name,
            intent_id=intent_id,
            status=PaymentStatus.SUCCEEDED,
            amount=amount,
            currency=currency,
        )

    def payment_prepare(self, **kwargs) -> PaymentResult:
        return self.result

    def payment_confirm(self, **kwargs) -> PaymentResult:
        return self.result

    def payment_retrieve(self, **kwargs) -> PaymentResult:
        return self.result

    def payment_cancel(self, **kwargs) -> PaymentResult:
        return self.result

    def refund_create(self, **kwargs):
        raise PaymentGatewayError("Refund the order through Stripe, not its invoice.")


def _field(obj, name, default=None):
    try:
        value = obj[name]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def _invoice_subscription_id(invoice) -> str:
    """The Subscription an invoice bills (``subscription``, or, in newer API versions,
    ``parent.subscription_details.subscription``)."""
    direct = _field(invoice, "subscription")
    if isinstance(direct, str) and direct:
        return direct
    details = _field(_field(invoice, "parent"), "subscription_details")
    return _field(details, "subscription", "") or ""


def stripe_billing_event_heard(*, event, **kwargs):
    """``orders.signals.stripe_billing_event`` receiver: Stripe's invoices and deletions of
    the subscriptions it bills, into the same renewal and failure paths as the task.
    Returns ``(order or None, outcome)``, or None when the event is not ours."""
    obj = event["data"]["object"]
    kind = event["type"]
    stripe_id = (
        _field(obj, "id", "")
        if kind == "customer.subscription.deleted"
        else _invoice_subscription_id(obj)
    )
    subscription = (
        Subscription.objects.filter(gateway_subscription_id=stripe_id).first()
        if stripe_id
        else None
    )
    if subscription is None:
        return None
    if kind == "customer.subscription.deleted":
        with transaction.atomic():
            locked = _lock(subscription.pk)
            if locked.status == Subscription.Status.CANCELLED:
                return None, "unchanged"
            _cancel(locked, reason="gateway", now=timezone.now())
        return None, "subscription cancelled"
    if _field(obj, "billing_reason") == "subscription_create":
        return None, "ignored: the first invoice (checkout paid the first period)"
    if kind == "invoice.created":
        return None, subscription_invoice_complete(
            subscription=subscription, invoice=obj
        )
    renewal = _claim(subscription.pk, due=False)
    if renewal is None:
        return None, "unchanged"
    if kind == "invoice.payment_failed":
        error = _field(_field(obj, "last_finalization_error"), "message")
        _record(renewal, failure=error or "Stripe could not charge the subscription.")
        return None, "subscription payment failed"
    intent_id = _field(obj, "payment_intent", "")
    paid = PaidInvoice(
        intent_id=intent_id if isinstance(intent_id, str) else "",
        amount=int(_field(obj, "amount_paid", 0)),
        currency=str(_field(obj, "currency", subscription.currency)).upper(),
    )
    try:
        _renewal_cart(renewal.subscription, renewal)
        result = cart_checkout_module.cart_checkout(
            store=renewal.subscription.store,
            mode=renewal.subscription.mode,
            cart_token=renewal.cart_token,
            payment_method=subscription.payment_method,
            request_key=renewal.id,
            gateway=paid,
        )
    except DomainError as exc:
        # Stripe took the money but the order cannot be placed (the product is gone or
        # out of stock): the period is paid; the merchant sees why there is no order.
        logger.warning("Renewal %s paid by Stripe, no order: %s", renewal.pk, exc)
        _record(renewal, paid_without_order=exc.message)
        return None, f"subscription renewed without an order: {exc.message}"[:255]
    note = _invoice_difference(result.order, invoice=obj, paid=paid.result)
    _record(renewal, order=result.order, message=note)
    if note:
        return result.order, "subscription renewed; the invoice and the order differ"
    return result.order, "subscription renewed"


#: The invoice items :func:`subscription_invoice_complete` adds, by kind (its idempotency
#: keys are the invoice id and the kind).
INVOICE_ITEM_DESCRIPTIONS = {
    "shipping": "Shipping",
    "tax": "Tax",
    "adjustment": "Price adjustment",
}


def subscription_invoice_complete(*, subscription: Subscription, invoice) -> str:
    """``invoice.created`` of a renewal (a draft, ``billing_reason: subscription_cycle``):
    add to it, as invoice items, what our renewal order adds to Stripe's price x quantity
    (shipping, tax, and any other difference such as a price changed since), so that
    Stripe charges what the order will total. Once per invoice: a
    :class:`SubscriptionInvoice` row claims it (a redelivered event finds it) and each item
    carries an idempotency key derived from the invoice id. Stripe not answering raises
    :class:`PaymentGatewayError`: the event is rolled back (row included) and redelivered.
    Returns the outcome recorded on the event."""
    invoice_id = _field(invoice, "id", "")
    if (
        not invoice_id
        or _field(invoice, "status") != "draft"
        or _field(invoice, "billing_reason") != "subscription_cycle"
    ):
        return "ignored: not the draft of a renewal invoice"
    # Deliveries of the same invoice at once take turns (the webhook's transaction).
    subscription = _lock(subscription.pk)
    if subscription.status not in Subscription.BILLABLE_STATES:
        return f"ignored: the subscription is {subscription.status}"
    if SubscriptionInvoice.objects.filter(invoice_id=invoice_id).exists():
        return "unchanged: the invoice was completed already"
    currency = str(_field(invoice, "currency", subscription.currency)).upper()
    invoice_amount = int(_field(invoice, "total", _field(invoice, "amount_due", 0)))
    try:
        priced = subscription_renewal_price(subscription, key=invoice_id)
    except DomainError as exc:
        return f"invoice left as it is: {exc.message}"[:255]
    if not priced.lines:
        # Gone or out of stock: invoice.paid records the period without an order.
        return "invoice left as it is: the subscribed product is unavailable"
    result = priced.result
    if result.currency != currency:
        return f"invoice left as it is: it is in {currency}, the order in {result.currency}"
    tax = 0 if result.tax_inclusive else result.tax.amount
    amounts = {
        "shipping": result.shipping.amount,
        "tax": tax,
        "adjustment": result.total.amount
        - invoice_amount
        - result.shipping.amount
        - tax,
    }
    _, created = SubscriptionInvoice.objects.get_or_create(
        invoice_id=invoice_id,
        defaults={
            "subscription": subscription,
            "currency": currency,
            "invoice_amount": invoice_amount,
            "shipping_amount": amounts["shipping"],
            "tax_amount": amounts["tax"],
            "adjustment_amount": amounts["adjustment"],
            "total_amount": result.total.amount,
        },
    )
    if not created:
        return "unchanged: the invoice was completed already"
    billing = StripeBilling()
    added = []
    for kind, amount in amounts.items():
        if not amount:
            continue
        billing.invoice_item_add(
            key=f"invoice-{invoice_id}-{kind}",
            customer=_field(invoice, "customer", "")
            or subscription.gateway_customer_id,
            invoice=invoice_id,
            amount=amount,
            currency=currency,
            description=INVOICE_ITEM_DESCRIPTIONS[kind],
            metadata={"subscription_id": subscription.pk, "kind": kind},
        )
        added.append(f"{kind} {amount}")
    if not added:
        return "unchanged: the invoice charges the order's total"
    return f"invoice completed to {result.total.amount}: {', '.join(added)}"[:255]


def _invoice_difference(order: Order, *, invoice, paid: PaymentResult) -> str:
    """A renewal order whose total is not what Stripe's invoice charged (prices changed
    between the draft and the payment, the invoice was not completed): never silent. The
    difference goes on the order's timeline and metadata; the message is the renewal's."""
    invoice_id = _field(invoice, "id", "")
    metadata = {**(order.metadata or {}), "stripe_invoice_id": invoice_id}
    note = ""
    if order.total_amount != paid.amount or order.currency != paid.currency:
        charged = Money(paid.amount, paid.currency or order.currency)
        total = Money(order.total_amount, order.currency)
        note = (
            f"Stripe invoice {invoice_id} charged {charged.formatted()}; "
            f"this renewal order totals {total.formatted()}."
        )
        metadata["stripe_invoice_difference"] = {
            "invoiceAmountPaid": paid.amount,
            "orderTotal": order.total_amount,
            "difference": paid.amount - order.total_amount,
            "currency": paid.currency or order.currency,
        }
        order_event_add(
            order=order,
            type=OrderEvent.Type.NOTE,
            message=note,
            data=metadata["stripe_invoice_difference"],
        )
        logger.warning("Renewal order %s: %s", order.pk, note)
    Order.objects.filter(pk=order.pk).update(metadata=metadata)
    order.metadata = metadata
    return note


# -- test mode -------------------------------------------------------------------------------


def store_test_mode_reset(*, store, **kwargs) -> list[str]:
    """``core.signals.store_test_mode_reset``: test-mode subscriptions stop (cancelled)."""
    count = Subscription.objects.filter(
        store=store, mode="test", status__in=Subscription.OPEN_STATES
    ).update(
        status=Subscription.Status.CANCELLED,
        cancelled_at=timezone.now(),
        cancel_reason="merchant",
        next_charge_at=None,
    )
    return [f"{count} test subscription{'s' if count != 1 else ''}"]

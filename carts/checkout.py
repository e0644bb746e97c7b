"""Checkout: ``POST /cart/checkout`` turns the visitor's cart into an order and pays for it.

Three steps, so that no row lock is held while the payment provider is called:

1. **Place** (one transaction): lock the cart, correct and re-price it from the catalog
   (``carts.services.cart_price``: a cart that changed under the shopper is refused with the
   change, which is kept, as ``GET /cart`` would), check the preconditions, reserve the stock
   (``catalog.services.stock_reserve``: every line or none), create or link the customer,
   redeem the discount (``carts.services.discount_redeem``), snapshot prices, tax lines and the
   shipping choice onto the row (``carts.services.cart_snapshot``) and turn the row into a
   pending order (``type="order"``, ``placed_at``, payment method and gateway). The try is a
   :class:`~orders.models.PaymentAttempt`. Commit.
2. **Pay** (no transaction): ``gateway.payment_prepare`` creates the payment for the order's
   total and currency with ``payment_idempotency_key(order=, attempt=)``, without charging
   it; its id is committed on the attempt and the order in its own write
   (:func:`_intent_record`); only then ``gateway.payment_confirm`` charges it.
3. **Record** (one transaction): ``orders.order_services.order_payment_record`` with the result, then
   - succeeded / requires_action / processing: the order is placed for good: its shipping
     address is saved to the customer, ``order.created`` is recorded, and a paid order gets its
     number (``order_mark_paid`` records ``order.paid`` and queues the emails);
   - declined: ``order_payment_record`` has released the stock and the discount use; the row
     goes back to being the visitor's cart (same id, lines, checkout data and discount code)
     and the answer is a 402. The gateway refusing the request (422), or failing before the
     payment could be charged (502), ends the same way.

A charge always ends as a paid order or a refund. If the answer is lost after the payment
was confirmed (the gateway times out, the process or the database connection dies), nothing
is given back blind: the gateway is asked (``payment_find``); when it cannot answer, the
order stays pending with its stock and the request is a 502. The retry of that request
(:func:`_unresolved_attempt`) answers with the order; without a retry, the reservation
timeout asks the gateway before failing anything (``services.order_reservation_expire``).

Bank transfers, and orders with nothing to pay, need no gateway call: they are placed, and
numbered, in step 1.

Locks are always taken in this order: the cart/order row, variant rows (in id order), the
customer row, the discount row, the order-number counter. No flow here takes them in another
order, so concurrent checkouts cannot deadlock.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog import bundles as catalog_bundles
from catalog import services as catalog_services
from catalog.services import StockLine
from core.exceptions import (
    Conflict,
    DomainError,
    NotFound,
    PaymentDeclined,
    ValidationFailed,
)
from core.models import PAYMENT_METHODS
from customers import services as customer_services
from customers.models import Customer
from orders import services as order_services
from orders.gateways import (
    TEST_PAYMENT_METHODS,
    OfflineGateway,
    PaymentGateway,
    PaymentGatewayError,
    PaymentResult,
    PaymentStatus,
    confirm_idempotency_key,
    get_gateway,
    get_gateway_by_name,
    payment_idempotency_key,
    url_with_params,
)
from orders.locks import order_lock
from orders.models import Order, OrderItem, PaymentAttempt
from orders.totals import orders_version_bump

from . import services as cart_services
from .services import PricedCart

logger = logging.getLogger(__name__)

BANK_TRANSFER = "bank_transfer"
WALLETS = ("apple_pay", "google_pay")
#: ``payment_gateway`` of orders paid outside any gateway (bank transfers).
MANUAL_GATEWAY = "manual"
#: What a wallet payment is charged as with the offline gateway (Stripe's test mode).
WALLET_TEST_PAYMENT_METHOD = "pm_card_visa"
_PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,97}$")

EMPTY_CART = "Your cart is empty: add an item first."

#: Cart corrections (``PricedCart.messages`` codes) that refuse a checkout.
_STOCK_CORRECTIONS = ("out_of_stock", "stock_limited")


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentChoice:
    """The ``paymentMethod`` of a checkout, resolved against the store and the gateway."""

    method: str  # as sent, kept on the order: pm_..., bank_transfer, apple_pay
    charge_with: str | None = None  # the PaymentMethod id the gateway charges
    gateway: PaymentGateway | None = None  # None: no gateway call (bank transfer)

    @property
    def is_bank_transfer(self) -> bool:
        return self.method == BANK_TRANSFER


@dataclass(frozen=True)
class CheckoutResult:
    """What ``POST /cart/checkout`` answers (the reference's two examples)."""

    order: Order
    payment_status: str  # succeeded | requires_action | processing | pending
    next_action_url: str | None = None
    return_url: str = ""
    #: The PaymentIntent's client secret while the payment requires action, for Stripe.js
    #: (``stripe.handleNextAction``) to finish it in the page.
    client_secret: str | None = None

    @property
    def order_id(self) -> str:
        return self.order.id

    @property
    def order_number(self) -> str | None:
        return str(self.order.order_number) if self.order.order_number else None

    @property
    def status(self) -> str:
        """``paid`` once the payment succeeded, else ``pending``."""
        return (
            "paid"
            if self.order.payment_status == Order.PaymentStatus.PAID
            else "pending"
        )

    @property
    def requires_action(self) -> bool:
        return self.payment_status == "requires_action"

    @property
    def redirect_url(self) -> str | None:
        if not self.return_url:
            return None
        return url_with_params(self.return_url, order=self.order.id)

    @property
    def next_action(self) -> dict | None:
        """For Stripe.js to finish the payment in the page (``nextAction`` in the answer)."""
        if not (self.requires_action and self.client_secret):
            return None
        return {"type": "use_stripe_sdk", "client_secret": self.client_secret}


# -- the payment method -------------------------------------------------------------------


def _refuse(
    message: str, *, code: str = "payment_method_not_accepted"
) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"payment_method": [message]})


def payment_method_resolve(*, store, mode: str, payment_method: str) -> PaymentChoice:
    """Check ``paymentMethod`` against the store's ``payment_methods`` and the gateway.

    - ``pm_...``: a Stripe PaymentMethod id (cards and wallets), when the store accepts
      ``card``, ``apple_pay`` or ``google_pay``. With the offline gateway only Stripe's test
      ids exist.
    - ``bank_transfer``: when the store accepts it; no gateway call.
    - ``apple_pay`` / ``google_pay``: with Stripe, the wallet gives a ``pm_...`` id to send
      instead (a 422 says so); with the offline gateway, a wallet the store accepts pays like
      a successful test card.

    Anything else is a 422 naming ``paymentMethod``.
    """
    value = payment_method.strip()
    enabled = list(store.payment_methods or [])
    if value == BANK_TRANSFER:
        if value not in enabled:
            raise _refuse("This store does not accept bank transfers.")
        return PaymentChoice(method=value)
    if value in WALLETS:
        label = PAYMENT_METHODS[value]
        if value not in enabled:
            raise _refuse(f"This store does not accept {label}.")
        gateway = get_gateway(mode=mode)
        if not isinstance(gateway, OfflineGateway):
            raise _refuse(
                f"Send the PaymentMethod id (pm_...) that {label} returns through Stripe, "
                f'not "{value}".',
                code="invalid_payment_method",
            )
        return PaymentChoice(
            method=value, charge_with=WALLET_TEST_PAYMENT_METHOD, gateway=gateway
        )
    if value.startswith("pm_"):
        if not any(method in enabled for method in ("card", *WALLETS)):
            raise _refuse("This store does not accept card payments.")
        if not _PAYMENT_METHOD_ID.match(value):
            raise _refuse(
                f"'{value[:100]}' is not a PaymentMethod id.",
                code="invalid_payment_method",
            )
        gateway = get_gateway(mode=mode)
        if isinstance(gateway, OfflineGateway) and value not in TEST_PAYMENT_METHODS:
            raise _refuse(
                f"Unknown payment method '{value}'. Without STRIPE_SECRET_KEY, use one of "
                f"Stripe's test payment methods: {', '.join(TEST_PAYMENT_METHODS)}.",
                code="invalid_payment_method",
            )
        return PaymentChoice(method=value, charge_with=value, gateway=gateway)
    alternatives = [m for m in enabled if m != "card"]
    accepted = ", ".join(["a Stripe PaymentMethod id (pm_...)", *alternatives])
    raise _refuse(
        f"Unknown payment method '{value[:100]}'. This store accepts {accepted}.",
        code="invalid_payment_method",
    )


# -- step 1: place ------------------------------------------------------------------------


def _line_label(line) -> str:
    variant = line.variant_name
    return f"{line.product.name} ({variant})" if variant else line.product.name


def _item_field(item_ids: list[str], item_id: str | None, suffix: str = "") -> str:
    if item_id in item_ids:
        return f"items[{item_ids.index(item_id)}]{suffix}"
    return "items"


def _fields_add(fields: dict[str, list[str]], name: str, message: str) -> None:
    fields.setdefault(name, []).append(message)


def _corrections_problem(priced: PricedCart, item_ids: list[str]) -> DomainError | None:
    """The corrections ``cart_price`` just made (a line gone, out of stock or capped, a
    discount or shipping option dropped) as a refusal: the shopper must see the cart before
    paying for it. Stock problems are a 409, the others a 422."""
    if not priced.messages:
        return None
    fields: dict[str, list[str]] = {}
    for message in priced.messages:
        if message.code in (*_STOCK_CORRECTIONS, "quantity_limited"):
            name = _item_field(item_ids, message.item_id, ".quantity")
        elif message.code == "item_unavailable":
            name = _item_field(item_ids, message.item_id)
        elif message.code == "discount_removed":
            name = "discountCode"
        elif message.code == "shipping_option_removed":
            name = "shippingOption"
        else:
            name = "cart"
        _fields_add(fields, name, message.message)
    stock = [m for m in priced.messages if m.code in _STOCK_CORRECTIONS]
    if stock:
        return Conflict(stock[0].message, code="out_of_stock", fields=fields)
    first = priced.messages[0]
    return ValidationFailed(first.message, code=first.code, fields=fields)


def _preconditions_problem(priced: PricedCart) -> ValidationFailed | None:
    """Everything a checkout needs, each missing one named: items, email, and for carts that
    need shipping a shipping address and a shipping option."""
    cart = priced.cart
    missing: list[tuple[str, str, str]] = []
    if not priced.lines:
        missing.append(("items", "cart_empty", EMPTY_CART))
    if not cart.email and priced.customer is None:
        missing.append(("email", "email_required", "Save an email address first."))
    if priced.result.requires_shipping:
        if not cart.shipping_address:
            missing.append(
                (
                    "shippingAddress",
                    "shipping_address_required",
                    "Save a shipping address first.",
                )
            )
        if priced.shipping_method is None:
            missing.append(
                (
                    "shippingOption",
                    "shipping_option_required",
                    "Choose a shipping option first.",
                )
            )
    if not missing:
        return None
    _, code, message = missing[0]
    return ValidationFailed(
        message,
        code=code if len(missing) == 1 else "checkout_incomplete",
        fields={name: [text] for name, _, text in missing},
    )


def _stock_reserve(priced: PricedCart, item_ids: list[str]) -> None:
    """Take the stock of every line, or none: a line short of stock is a 409 naming it
    (``items[i].quantity``)."""
    lines = [
        StockLine(
            variant_id=line.variant.pk,
            quantity=line.quantity,
            label=_line_label(line),
            components=catalog_bundles.stock_components(line.variant),
        )
        for line in priced.lines
    ]
    try:
        catalog_services.stock_reserve(
            lines=lines,
            mode=priced.cart.mode,
            reference=priced.cart.id,
            reason="Reserved at checkout",
        )
    except catalog_services.OutOfStock as exc:
        item_id = next(
            (
                line.item.pk
                for line in priced.lines
                if line.variant.pk == exc.variant_id
            ),
            None,
        )
        raise Conflict(
            exc.message,
            code=exc.code,
            fields={_item_field(item_ids, item_id, ".quantity"): [exc.reason]},
        ) from None


def _names(cart: Order) -> tuple[str, str]:
    address = (
        cart.billing_address if not cart.same_as_shipping else None
    ) or cart.shipping_address
    address = address or {}
    return (address.get("first_name") or "").strip(), (
        address.get("last_name") or ""
    ).strip()


def _customer_link(
    priced: PricedCart, *, mode: str, marketing_opt_in: bool | None
) -> Customer:
    """The customer the order belongs to: the one logged in on the cart token, else the
    store's customer for the checkout email (created as a guest when new)."""
    cart = priced.cart
    if priced.customer is not None:
        customer = priced.customer
        if marketing_opt_in and not customer.marketing_opt_in:
            customer = customer_services.customer_get_or_create_guest(
                store=cart.store, email=customer.email, marketing_opt_in=True, mode=mode
            )
        return customer
    first_name, last_name = _names(cart)
    return customer_services.customer_get_or_create_guest(
        store=cart.store,
        email=cart.email,
        first_name=first_name,
        last_name=last_name,
        marketing_opt_in=marketing_opt_in,
        mode=mode,
    )


def _attempt_start(
    *, order: Order, choice: PaymentChoice, request_key: str = ""
) -> PaymentAttempt:
    """The next attempt, or the last one again when it ended with an unknown outcome (a
    gateway error) and would charge the same: its idempotency key finds that payment.
    Committed with the order, before the gateway is called."""
    gateway = choice.gateway.name
    last = PaymentAttempt.objects.filter(order=order).order_by("-number").first()
    same = last is not None and (
        last.gateway,
        last.payment_method,
        last.amount,
        last.currency,
    ) == (gateway, choice.charge_with, order.total_amount, order.currency)
    if same and last.status in (
        PaymentAttempt.Status.PENDING,
        PaymentAttempt.Status.ERROR,
    ):
        last.status = PaymentAttempt.Status.PENDING
        last.message = ""
        last.request_key = request_key
        last.save(update_fields=["status", "message", "request_key", "updated_at"])
        return last
    number = last.number + 1 if last else 1
    return PaymentAttempt.objects.create(
        order=order,
        number=number,
        gateway=gateway,
        payment_method=choice.charge_with,
        idempotency_key=payment_idempotency_key(order=order, attempt=number),
        amount=order.total_amount,
        currency=order.currency,
        request_key=request_key,
    )


def _placed(order: Order, *, numbered: bool) -> None:
    """What placing an order records, whatever its payment: the shipping address saved to the
    customer, the order number (``numbered``: bank transfers and paid orders; a card payment
    still in progress gets it when paid), and ``order.created``.

    Callers hold the order's row lock (``order`` was read or written under it) and run it
    inside ``order_numbers_last``: the number is taken at the end of their transaction, so
    that the store's order-number counter is locked only for the statements that write it,
    and concurrent checkouts of the store overlap until then."""
    if order.customer_id and order.shipping_address:
        customer_services.customer_address_save_from_order(
            customer=order.customer, address=order.shipping_address
        )
    if numbered:
        order_services.order_number_assign(order=order)
    order_services.order_placed_record(order=order, locked=True)


def _place(
    *,
    store,
    mode: str,
    cart_token: str,
    choice: PaymentChoice,
    return_url: str,
    marketing_opt_in: bool | None,
    terms_accepted: bool | None,
    locale: str | None,
    request_key: str = "",
    email_locale: str = "",
) -> tuple[Order, PaymentAttempt | None]:
    """Step 1. Returns the pending order and its payment attempt (None when no gateway call
    is needed: the order is then placed already)."""
    problem: DomainError | None = None
    with transaction.atomic():
        try:
            cart = cart_services.cart_lock(
                store=store, mode=mode, cart_token=cart_token
            )
        except NotFound:
            # No open cart: nothing was added, or this token's cart was just checked out.
            raise _preconditions_problem_empty() from None
        item_ids = list(
            OrderItem.objects.filter(order=cart).values_list("id", flat=True)
        )
        priced = cart_services.cart_price(cart=cart, locale=locale)
        problem = _corrections_problem(priced, item_ids) or _preconditions_problem(
            priced
        )
        if problem is None:
            with order_services.order_numbers_last():
                return _convert(
                    priced,
                    item_ids=item_ids,
                    mode=mode,
                    choice=choice,
                    return_url=return_url,
                    marketing_opt_in=marketing_opt_in,
                    terms_accepted=terms_accepted,
                    request_key=request_key,
                    email_locale=email_locale,
                )
    # Outside the block: the corrections are committed, like GET /cart commits them.
    raise problem


def _preconditions_problem_empty() -> ValidationFailed:
    return ValidationFailed(
        EMPTY_CART, code="cart_empty", fields={"items": [EMPTY_CART]}
    )


def _convert(
    priced: PricedCart,
    *,
    item_ids: list[str],
    mode: str,
    choice: PaymentChoice,
    return_url: str,
    marketing_opt_in: bool | None,
    terms_accepted: bool | None,
    request_key: str = "",
    email_locale: str = "",
) -> tuple[Order, PaymentAttempt | None]:
    """Turn the locked, priced cart into a pending order (inside step 1's transaction)."""
    order = priced.cart
    _stock_reserve(priced, item_ids)
    customer = _customer_link(priced, mode=mode, marketing_opt_in=marketing_opt_in)
    email = order.email or customer.email
    if priced.discount is not None:
        cart_services.discount_redeem(
            discount=priced.discount, order=order, customer=customer, email=email
        )
    cart_services.cart_snapshot(priced=priced)
    now = timezone.now()
    free = order.total_amount <= 0
    order.type = Order.Type.ORDER
    order.customer = customer
    order.email = email
    if order.same_as_shipping:
        order.billing_address = order.shipping_address
    order.payment_status = Order.PaymentStatus.PENDING
    order.payment_method = choice.method
    if choice.is_bank_transfer:
        order.payment_gateway = MANUAL_GATEWAY
    elif free:
        order.payment_gateway = ""
    else:
        order.payment_gateway = choice.gateway.name
    order.payment_intent_id = ""
    order.payment_intent_status = ""
    order.next_action_url = ""
    order.return_url = return_url
    order.stock_reserved = True
    # A card payment in flight holds the stock for PAYMENT_RESERVATION_MINUTES at most, even
    # if this process dies before recording the outcome. Bank transfers hold it until the
    # merchant marks the order paid or cancels it.
    order.reservation_expires_at = (
        None
        if choice.is_bank_transfer or free
        else order_services.reservation_expires_at(now=now)
    )
    order.placed_at = now
    if marketing_opt_in is not None:
        order.marketing_opt_in = marketing_opt_in
    if terms_accepted is not None:
        order.terms_accepted = terms_accepted
    if email_locale:
        order.locale = email_locale
    order.updated_at = now
    order.save(
        update_fields=[
            "locale",
            "type",
            "customer",
            "email",
            "billing_address",
            "payment_status",
            "payment_method",
            "payment_gateway",
            "payment_intent_id",
            "payment_intent_status",
            "next_action_url",
            "return_url",
            "stock_reserved",
            "reservation_expires_at",
            "placed_at",
            "marketing_opt_in",
            "terms_accepted",
            "updated_at",
        ]
    )
    if choice.is_bank_transfer or free:
        _placed(order, numbered=True)
        if free:
            order_services.order_mark_paid(order=order)
        return order, None
    return order, _attempt_start(order=order, choice=choice, request_key=request_key)


# -- step 3: record -----------------------------------------------------------------------


def _lock(order: Order) -> Order:
    return order_lock(order, related=("store", "customer"))


def _cart_restore(order: Order) -> bool:
    """Turn a failed checkout's order (stock and discount already released) back into the
    visitor's cart: same id, lines, checkout data and discount code. Returns False when the
    token has meanwhile got another cart with lines (the order then stays failed)."""
    unpaid = (Order.PaymentStatus.FAILED, Order.PaymentStatus.PENDING)
    if (
        order.type != Order.Type.ORDER
        or order.payment_status not in unpaid
        or order.order_number
        or order.stock_reserved
    ):
        return False
    other = (
        Order.objects.select_for_update()
        .filter(
            store_id=order.store_id,
            mode=order.mode,
            cart_token=order.cart_token,
            type=Order.Type.CART,
        )
        .exclude(pk=order.pk)
        .first()
    )
    if other is not None:
        if OrderItem.objects.filter(order=other).exists():
            logger.info(
                "Order %s not restored as a cart: its token has a new cart", order.id
            )
            return False
        other.delete()
    try:
        with transaction.atomic():
            Order.objects.filter(pk=order.pk).update(
                type=Order.Type.CART,
                customer=None,
                billing_address=None
                if order.same_as_shipping
                else order.billing_address,
                payment_status=Order.PaymentStatus.PENDING,
                payment_method="",
                payment_gateway="",
                payment_intent_id="",
                payment_intent_status="",
                next_action_url="",
                return_url="",
                reservation_expires_at=None,
                placed_at=None,
                updated_at=timezone.now(),
            )
            # No post_save for an UPDATE: the order list's cached totals by hand.
            orders_version_bump(order.store_id, order.mode)
    except IntegrityError:
        # A new cart for the token was inserted this very moment: it wins.
        logger.info(
            "Order %s not restored as a cart: its token has a new cart", order.id
        )
        return False
    order.refresh_from_db()
    return True


def _result_for(
    order: Order, *, return_url: str, client_secret: str | None = None
) -> CheckoutResult:
    """The answer for an order whose payment is recorded (paid, or pending at the gateway);
    ``client_secret`` is the gateway's, kept in the answer while the payment requires action."""
    if order.payment_status == Order.PaymentStatus.PAID:
        return CheckoutResult(
            order=order, payment_status="succeeded", return_url=return_url
        )
    if order.payment_intent_status == "requires_action":
        return CheckoutResult(
            order=order,
            payment_status="requires_action",
            next_action_url=order.next_action_url or None,
            return_url=return_url,
            client_secret=client_secret,
        )
    if order.payment_intent_id:
        return CheckoutResult(
            order=order, payment_status="processing", return_url=return_url
        )
    return CheckoutResult(order=order, payment_status="pending", return_url=return_url)


def _record(
    order: Order, attempt: PaymentAttempt, result: PaymentResult, *, return_url: str
) -> CheckoutResult:
    """Step 3: apply the gateway's answer."""
    with transaction.atomic(), order_services.order_numbers_last():
        order = _lock(order)
        # The services work on this locked row (locked=True): no second lock or read of it;
        # order_payment_record records the outcome on the attempt too.
        record = {"result": result, "locked": True, "attempt": attempt}
        if result.declined or result.canceled:
            order = order_services.order_payment_record(order=order, **record)
            _cart_restore(order)
            declined = True
        elif result.succeeded:
            declined = False
            # order.created before order_mark_paid's order.paid; both get the number,
            # taken last (order_numbers_last), in their payloads.
            _placed(order, numbered=True)
            order = order_services.order_payment_record(order=order, **record)
        else:
            declined = False
            order = order_services.order_payment_record(order=order, **record)
            _placed(order, numbered=False)
    if declined:
        message = result.decline_message or "Your card was declined."
        raise PaymentDeclined(
            message,
            code=result.error_code or "card_declined",
            fields={"payment_method": [message]},
        )
    return _result_for(order, return_url=return_url, client_secret=result.client_secret)


def _abandon(
    order: Order, attempt: PaymentAttempt, *, status: str, message: str, return_url: str
) -> CheckoutResult | None:
    """The gateway call failed (no answer, or a refusal): release the stock and the discount
    and give the cart back. If the payment meanwhile got recorded (a webhook was faster),
    answer with the order instead (returned); else None and the caller re-raises."""
    with transaction.atomic(), order_services.order_numbers_last():
        order = _lock(order)
        attempt.status = status
        attempt.message = message[:500]
        attempt.save(update_fields=["status", "message", "updated_at"])
        if (
            order.type == Order.Type.ORDER
            and order.payment_status == Order.PaymentStatus.PAID
        ):
            _placed(order, numbered=True)
            return _result_for(order, return_url=return_url)
        if (
            order.type == Order.Type.ORDER
            and order.payment_status == Order.PaymentStatus.PENDING
        ):
            order = order_services.order_payment_failed(order=order, reason=message)
        _cart_restore(order)
    return None


# -- step 2: pay, and what to do when the answer is lost ----------------------------------


def _intent_record(order: Order, attempt: PaymentAttempt, prepared: PaymentResult):
    """Commit the prepared payment's id on the attempt and the order, in its own write,
    before it is confirmed: from here on, whatever dies, the payment can be found again
    (a retried checkout, the reservation timeout, a late webhook)."""
    with transaction.atomic():
        # One conditional UPDATE locks the order row (first in the lock order) and checks
        # that it still waits for this payment.
        pending = Order.objects.filter(
            pk=order.pk,
            type=Order.Type.ORDER,
            payment_status=Order.PaymentStatus.PENDING,
            payment_intent_id__in=("", prepared.intent_id),
        ).update(
            payment_gateway=prepared.gateway,
            payment_intent_id=prepared.intent_id,
            payment_intent_status=prepared.status,
            updated_at=timezone.now(),
        )
        attempt.intent_id = prepared.intent_id
        attempt.save(update_fields=["intent_id", "updated_at"])
        if pending:
            order.payment_intent_id = prepared.intent_id
    if not pending:
        # The order moved on meanwhile (the reservation expired): never charge this one.
        choice_gateway = get_gateway_by_name(attempt.gateway)
        choice_gateway.payment_cancel(intent_id=prepared.intent_id)
        raise Conflict(
            "This checkout took too long and was released; check out again.",
            code="checkout_expired",
        )


def _pay(
    order: Order, attempt: PaymentAttempt, gateway: PaymentGateway, *, return_url: str
) -> CheckoutResult:
    """Step 2 and 3: prepare the payment (unless the attempt has one), record its id,
    confirm it, record the outcome."""
    try:
        if not attempt.intent_id:
            prepared = gateway.payment_prepare(
                order=order,
                amount=attempt.amount,
                currency=attempt.currency,
                payment_method=attempt.payment_method,
                idempotency_key=attempt.idempotency_key,
                metadata={"attempt": attempt.number},
            )
            _intent_record(order, attempt, prepared)
        result = gateway.payment_confirm(
            order=order,
            intent_id=attempt.intent_id,
            idempotency_key=confirm_idempotency_key(attempt.idempotency_key),
            return_url=return_url,
        )
    except Exception as exc:
        return _payment_error(order, attempt, gateway, exc, return_url=return_url)
    return _record(order, attempt, result, return_url=return_url)


UNCONFIRMED = (
    "The payment provider did not confirm the payment. Retry the checkout (with the "
    "same Idempotency-Key): you will not be charged twice."
)


def _payment_error(
    order: Order,
    attempt: PaymentAttempt,
    gateway: PaymentGateway,
    exc: Exception,
    *,
    return_url: str,
) -> CheckoutResult:
    """The gateway failed (no answer, or a refusal). Nothing is given back before we know
    nothing was charged: a payment that was never prepared, or is cancelled now, gives the
    cart back (502, or the refusal's 422); one that has an outcome is recorded like any
    answer; one the gateway cannot tell us about keeps the order pending with its stock (a
    retry, or the reservation timeout, settles it) and answers 502."""
    if isinstance(exc, PaymentGatewayError):
        status = PaymentAttempt.Status.ERROR
    elif isinstance(exc, DomainError):
        status = PaymentAttempt.Status.REFUSED
    else:
        status = PaymentAttempt.Status.ERROR
        logger.exception("Payment of order %s failed unexpectedly", order.id)
    message = getattr(exc, "message", "") or str(exc) or exc.__class__.__name__
    if attempt.intent_id:
        try:
            found = gateway.payment_find(intent_id=attempt.intent_id)
            if (
                found is not None
                and found.status == PaymentStatus.REQUIRES_CONFIRMATION
            ):
                found = gateway.payment_cancel(intent_id=attempt.intent_id)
        except PaymentGatewayError:
            attempt.status = PaymentAttempt.Status.ERROR
            attempt.message = message[:500]
            attempt.save(update_fields=["status", "message", "updated_at"])
            raise PaymentGatewayError(UNCONFIRMED) from exc
        if found is not None and not found.canceled:
            return _record(order, attempt, found, return_url=return_url)
    recorded = _abandon(
        order, attempt, status=status, message=message, return_url=return_url
    )
    if recorded is not None:
        return recorded
    raise exc


def _latest_attempts_unresolved(*, store, mode: str, cart_token: str):
    """The latest attempts, outcome unknown, of this token's pending orders (newest first)."""
    attempts = (
        PaymentAttempt.objects.filter(
            order__store=store,
            order__mode=mode,
            order__cart_token=cart_token,
            order__type=Order.Type.ORDER,
            order__payment_status=Order.PaymentStatus.PENDING,
            status__in=PaymentAttempt.UNRESOLVED,
        )
        .select_related("order__store")
        .order_by("-order__placed_at", "-number")
    )
    for attempt in attempts:
        newer = PaymentAttempt.objects.filter(
            order_id=attempt.order_id, number__gt=attempt.number
        )
        if not newer.exists():
            yield attempt


def _unresolved_attempt(
    *, store, mode: str, cart_token: str, request_key: str
) -> PaymentAttempt | None:
    """The attempt a checkout request should settle before anything else: one whose outcome
    we never learnt (the process died, or the answer was lost, after it was sent).

    The retry of that request (the same ``Idempotency-Key``; the idempotency layer lets it
    through only once the first one is over) resumes it. So does any checkout of a token
    that has no open cart with items (it would otherwise answer "cart empty"), once the
    attempt is older than a request can take; before that it is a 409.
    """
    candidates = list(
        _latest_attempts_unresolved(store=store, mode=mode, cart_token=cart_token)
    )
    if not candidates:
        return None
    if request_key:
        for attempt in candidates:
            if attempt.request_key == request_key:
                return attempt
    has_cart = OrderItem.objects.filter(
        order__store=store,
        order__mode=mode,
        order__cart_token=cart_token,
        order__type=Order.Type.CART,
    ).exists()
    if has_cart:
        return None
    attempt = candidates[0]
    running = timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS)
    if attempt.updated_at > timezone.now() - running:
        raise Conflict(
            "The payment for this order is still being processed; retry in a moment.",
            code="checkout_in_progress",
        )
    return attempt


def _resume(
    attempt: PaymentAttempt, choice: PaymentChoice, *, return_url: str
) -> CheckoutResult | None:
    """Settle an attempt whose outcome is unknown: answer with its order when the gateway
    has an outcome (paid, 3-D Secure, processing, declined: as the lost answer would have
    been), confirm it when it was prepared but never confirmed and the retry pays the same
    way, else give the cart back (nothing was charged) and return None: the caller checks
    the cart out afresh. A gateway that cannot be reached is a 502; the order waits."""
    order = attempt.order
    gateway = get_gateway_by_name(attempt.gateway)
    found = gateway.payment_find(
        intent_id=attempt.intent_id, idempotency_key=attempt.idempotency_key
    )
    logger.info(
        "Resuming attempt %s of order %s: %s",
        attempt.number,
        order.id,
        found.status if found else "never charged",
    )
    if found is not None and found.status == PaymentStatus.REQUIRES_CONFIRMATION:
        if choice.gateway is not None and (
            choice.gateway.name,
            choice.charge_with,
        ) == (attempt.gateway, attempt.payment_method):
            return _pay(order, attempt, gateway, return_url=return_url)
        found = gateway.payment_cancel(intent_id=found.intent_id)
    if found is not None and not found.canceled:
        return _record(order, attempt, found, return_url=return_url)
    return _abandon(
        order,
        attempt,
        status=PaymentAttempt.Status.ERROR,
        message="Never charged; the cart was checked out again.",
        return_url=return_url,
    )


# -- the flow -----------------------------------------------------------------------------


def cart_checkout(
    *,
    store,
    mode: str,
    cart_token: str,
    payment_method: str,
    return_url: str = "",
    marketing_opt_in: bool | None = None,
    terms_accepted: bool | None = None,
    locale: str | None = None,
    request_key: str | None = None,
    email_locale: str = "",
    gateway: PaymentGateway | None = None,
) -> CheckoutResult:
    """Check out the visitor's cart and pay for it (see the module docstring).

    ``email_locale``: the store locale the shopper reads (the visitor's content locale);
    the order keeps it and the customer's emails are written in it.

    ``gateway`` pays through that gateway instead of the payment method's (the
    subscriptions app records a Stripe Billing invoice, paid already, as its renewal order).

    A token whose last checkout never learnt its payment's outcome resumes that order first
    (:func:`_unresolved_attempt`): a retried request answers with the order it placed.

    Refusals: 422 for a missing precondition (``items``, ``email``, ``shippingAddress``,
    ``shippingOption``), a line no longer available, or a payment method the store does not
    accept (``paymentMethod``); 409 ``out_of_stock`` naming the line (nothing reserved);
    402 ``card_declined`` with the gateway's message (cart intact); 502 when the gateway
    cannot be reached (the cart is kept, or, once a payment may have been taken, the order
    waits for the retry).
    """
    choice = payment_method_resolve(
        store=store, mode=mode, payment_method=payment_method
    )
    if gateway is not None:
        choice = PaymentChoice(
            method=choice.method, charge_with=choice.charge_with, gateway=gateway
        )
    request_key = (request_key or "")[:255]
    unresolved = _unresolved_attempt(
        store=store, mode=mode, cart_token=cart_token, request_key=request_key
    )
    if unresolved is not None:
        resumed = _resume(unresolved, choice, return_url=return_url)
        if resumed is not None:
            return resumed
    order, attempt = _place(
        store=store,
        mode=mode,
        cart_token=cart_token,
        choice=choice,
        return_url=return_url,
        marketing_opt_in=marketing_opt_in,
        terms_accepted=terms_accepted,
        locale=locale,
        request_key=request_key,
        email_locale=email_locale,
    )
    if attempt is None:
        return _result_for(order, return_url=return_url)
    return _pay(order, attempt, choice.gateway, return_url=return_url)


# -- paying again -------------------------------------------------------------------------


def _reopen_refusal(message: str, code: str) -> Conflict:
    return Conflict(message, code=code, fields={"order_id": [message]})


def cart_reopen(*, store, mode: str, cart_token: str, order_id: str) -> Order:
    """Give the visitor back, as their cart, an order whose card payment failed (3-D Secure
    refused, the reservation expired) or was abandoned (the shopper came back from the
    3-D Secure page without finishing it), so that they can pay again another way.

    An abandoned payment is cancelled at the gateway first and recorded like any outcome
    (``order_payment_record``): its stock and discount use are released by the same path
    as a decline; a payment that succeeded meanwhile is recorded as paid and refused here
    (409 ``order_paid``). The row then becomes the cart again (:func:`_cart_restore`): same
    id, lines, checkout data and discount code, which the next checkout redeems afresh.

    Only the token that placed the order may reopen it (others get a 404, as for
    ``GET /orders/{id}``). Reopening an order that is already the cart again answers with
    it (a double click). Refused with a 409: a paid or numbered order (bank transfers), a
    checkout still in flight, or a token that has meanwhile filled another cart.
    """
    order = Order.objects.filter(
        pk=order_id, store=store, mode=mode, cart_token=cart_token
    ).first()
    if order is None:
        raise NotFound("No order with this id for this cart.", code="order_not_found")
    if order.type == Order.Type.CART:
        return order
    if (
        order.payment_status == Order.PaymentStatus.PENDING
        and order.payment_intent_id
        and order.payment_intent_status == PaymentStatus.REQUIRES_ACTION
    ):
        # Abandoned at the 3-D Secure step: that payment must never complete now.
        gateway = get_gateway_by_name(order.payment_gateway)
        result = gateway.payment_cancel(intent_id=order.payment_intent_id)
        order = order_services.order_payment_record(order=order, result=result)
    with transaction.atomic():
        order = _lock(order)
        if order.type == Order.Type.CART:
            return order
        if order.payment_status in Order.PAID_STATES:
            raise _reopen_refusal("This order is paid already.", "order_paid")
        if order.payment_status == Order.PaymentStatus.PENDING:
            if order.payment_gateway == MANUAL_GATEWAY or order.order_number:
                raise _reopen_refusal(
                    "This order is placed and waits for your payment.",
                    "order_placed",
                )
            raise _reopen_refusal(
                "The payment for this order is still being processed; retry in a moment.",
                "checkout_in_progress",
            )
        if order.payment_status != Order.PaymentStatus.FAILED or order.order_number:
            raise _reopen_refusal("This order cannot be reopened.", "order_closed")
        if not _cart_restore(order):
            raise _reopen_refusal(
                "Your cart has other items now: check them out instead.",
                "cart_in_use",
            )
    logger.info("Order %s reopened as the visitor's cart", order.id)
    return order

"""The payment gateway interface: what checkout, order operations and the reservation timeout
call, whatever processes the card.

A gateway prepares a payment, confirms (charges) it, retrieves it, cancels it and refunds it, and answers
with plain dataclasses whose ``status`` is Stripe's own word for the payment. Card declines are
results (``PaymentResult.declined``), not exceptions; a provider that cannot be reached raises
:class:`PaymentGatewayError` (safe to retry with the same idempotency key).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.urls import reverse

from core.exceptions import ServiceUnavailable
from core.links import server_base_url


class PaymentStatus:
    """A PaymentIntent's status, in Stripe's words."""

    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    REQUIRES_PAYMENT_METHOD = (
        "requires_payment_method"  # declined / authentication failed
    )
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_CAPTURE = "requires_capture"
    CANCELED = "canceled"


#: Refund reasons of the API (``POST /orders/{order}/refund``).
REFUND_REASONS = ("customer_request", "duplicate", "fraudulent", "other")


@dataclass(frozen=True)
class PaymentResult:
    """The state of one payment (a PaymentIntent) after a gateway call."""

    gateway: str
    intent_id: str
    status: str
    amount: int
    currency: str
    next_action_url: str | None = None
    #: The PaymentIntent's client secret, which Stripe.js needs to finish a next action in
    #: the page (``stripe.handleNextAction``); only given out to the shopper paying.
    client_secret: str | None = None
    #: On a decline: Stripe's error code (``card_declined``), decline code (``generic_decline``,
    #: ``insufficient_funds``...) and the message to show the shopper.
    error_code: str | None = None
    decline_code: str | None = None
    decline_message: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == PaymentStatus.SUCCEEDED

    @property
    def requires_action(self) -> bool:
        return self.status == PaymentStatus.REQUIRES_ACTION

    @property
    def declined(self) -> bool:
        return self.status == PaymentStatus.REQUIRES_PAYMENT_METHOD

    @property
    def canceled(self) -> bool:
        return self.status == PaymentStatus.CANCELED


@dataclass(frozen=True)
class RefundResult:
    gateway: str
    refund_id: str
    status: str  # succeeded | pending | failed | canceled (Stripe's words)
    amount: int
    currency: str

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


class PaymentGatewayError(ServiceUnavailable):
    """The provider could not be reached or refused the request (not a card decline).

    Retrying with the same idempotency key is safe: it can never charge twice.
    """

    code = "payment_gateway_error"


class PaymentGateway(ABC):
    """What every gateway implements. Amounts are minor units; ``currency`` is ISO 4217.

    A payment is made in two calls, so that its id can be recorded (committed) before any
    money moves: :meth:`payment_prepare` creates it without charging, :meth:`payment_confirm`
    charges it. Whatever happens after that, :meth:`payment_find` learns what became of it.
    """

    name: str = ""

    @abstractmethod
    def payment_prepare(
        self,
        *,
        order,
        amount: int,
        currency: str,
        payment_method: str,
        idempotency_key: str,
        metadata: dict | None = None,
    ) -> PaymentResult:
        """Create a payment of ``amount`` for ``order`` with ``payment_method``, without
        charging it (status ``requires_confirmation``).

        The same ``idempotency_key`` always returns the same payment. An unknown payment
        method is a 422 naming ``paymentMethod``.
        """

    @abstractmethod
    def payment_confirm(
        self, *, order, intent_id: str, idempotency_key: str, return_url: str = ""
    ) -> PaymentResult:
        """Charge a prepared payment: succeeded, requires_action (3-D Secure), processing,
        or a decline (a result, not an exception). Confirming a payment again answers its
        state; it never charges twice. ``return_url`` is where the shopper lands after a
        3-D Secure step (``?order=<id>`` is appended)."""

    def payment_create(
        self,
        *,
        order,
        amount: int,
        currency: str,
        payment_method: str,
        idempotency_key: str,
        return_url: str = "",
        metadata: dict | None = None,
    ) -> PaymentResult:
        """Prepare and confirm in one go, for callers with nothing to record in between
        (checkout records the prepared payment first: ``carts.checkout``)."""
        prepared = self.payment_prepare(
            order=order,
            amount=amount,
            currency=currency,
            payment_method=payment_method,
            idempotency_key=idempotency_key,
            metadata=metadata,
        )
        if prepared.status != PaymentStatus.REQUIRES_CONFIRMATION:
            return prepared
        return self.payment_confirm(
            order=order,
            intent_id=prepared.intent_id,
            idempotency_key=confirm_idempotency_key(idempotency_key),
            return_url=return_url,
        )

    @abstractmethod
    def payment_retrieve(self, *, intent_id: str) -> PaymentResult:
        """The payment's current state."""

    def payment_find(
        self, *, intent_id: str = "", idempotency_key: str = ""
    ) -> PaymentResult | None:
        """What became of a payment: by its id, else by the idempotency key it was prepared
        with. None means the gateway holds no charge for it: checkout confirms a payment
        only once its id is recorded, so a payment whose id was never recorded was never
        charged (gateways that can look a key up, like the offline one, do so)."""
        if intent_id:
            return self.payment_retrieve(intent_id=intent_id)
        return None

    @abstractmethod
    def payment_cancel(self, *, intent_id: str) -> PaymentResult:
        """Cancel a payment that has not succeeded; answers the resulting state (a payment
        that already succeeded or was already canceled is returned as it is)."""

    @abstractmethod
    def refund_create(
        self,
        *,
        intent_id: str,
        amount: int,
        idempotency_key: str,
        reason: str | None = None,
    ) -> RefundResult:
        """Refund ``amount`` of a succeeded payment (``reason`` from :data:`REFUND_REASONS`)."""


def payment_idempotency_key(*, order, attempt: int = 1) -> str:
    """The gateway idempotency key of the ``attempt``-th payment of ``order``.

    A retried request for the same attempt reuses the key, so it can never charge twice; a new
    attempt (another card after a decline) takes the next number.
    """
    return f"order-{order.id}-attempt-{attempt}"


def confirm_idempotency_key(idempotency_key: str) -> str:
    """The idempotency key of confirming the payment prepared with ``idempotency_key``."""
    return f"{idempotency_key}-confirm"


def refund_idempotency_key(*, order, refund_id: str) -> str:
    """The gateway idempotency key of one refund (``refund_id`` is our own ``ref_`` id)."""
    return f"order-{order.id}-refund-{refund_id}"


def url_with_params(url: str, **params) -> str:
    """``url`` with ``params`` added to (or replacing) its query string."""
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in params
    ]
    query.extend((k, str(v)) for k, v in params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def absolute_url(path: str) -> str:
    """A path served by this server as an absolute URL (``core.links.server_base_url``)."""
    return f"{server_base_url()}{path}"


def order_return_url(*, order, return_url: str = "") -> str:
    """Where the shopper goes after paying: ``return_url`` (or the order's) with
    ``?order=<id>``, or this server's small "payment complete" page when there is none."""
    base = return_url or order.return_url
    if not base:
        base = absolute_url(reverse("orders-payment-complete"))
    return url_with_params(base, order=order.id)

"""The Stripe gateway, through the official ``stripe`` library (``StripeClient``).

A PaymentIntent is created unconfirmed with the order's amount and currency and an idempotency
key derived from the order (checkout records its id), then confirmed with a second key, so a
retried request (by the library after a timeout, or by our caller) returns the first
PaymentIntent instead of charging again. Card declines come back as :class:`PaymentResult`
with the decline code and Stripe's message.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import stripe
from django.conf import settings

from core.exceptions import Conflict, ValidationFailed

from .base import (
    PaymentGateway,
    PaymentGatewayError,
    PaymentResult,
    PaymentStatus,
    RefundResult,
    order_return_url,
)

logger = logging.getLogger(__name__)

#: Our refund reasons in Stripe's words (``other`` sends none).
STRIPE_REFUND_REASONS = {
    "customer_request": "requested_by_customer",
    "duplicate": "duplicate",
    "fraudulent": "fraudulent",
}


@lru_cache(maxsize=8)
def stripe_client(
    api_key: str,
    api_base: str = "",
    timeout: float = 20.0,
    max_network_retries: int = 2,
) -> stripe.StripeClient:
    """One client per configuration and process (it keeps its HTTP connections)."""
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=max_network_retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def _get(obj, name, default=None):
    """Attribute of a StripeObject (a dict underneath) that may be absent or null."""
    if obj is None:
        return default
    try:
        value = obj[name]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def stripe_intent_result(intent) -> PaymentResult:
    """A Stripe PaymentIntent (an API response or an event's ``data.object``) as a result."""
    next_action = _get(intent, "next_action")
    redirect = _get(next_action, "redirect_to_url")
    error = _get(intent, "last_payment_error")
    status = _get(intent, "status", "")
    declined = status == PaymentStatus.REQUIRES_PAYMENT_METHOD and error is not None
    return PaymentResult(
        gateway=StripeGateway.name,
        intent_id=_get(intent, "id", ""),
        status=status,
        amount=int(_get(intent, "amount", 0)),
        currency=str(_get(intent, "currency", "")).upper(),
        next_action_url=_get(redirect, "url"),
        client_secret=_get(intent, "client_secret"),
        error_code=_get(error, "code") if declined else None,
        decline_code=_get(error, "decline_code") if declined else None,
        decline_message=_get(error, "message") if declined else None,
    )


class StripeGateway(PaymentGateway):
    name = "stripe"
    DEFAULT_TIMEOUT = 20.0
    DEFAULT_MAX_NETWORK_RETRIES = 2

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        max_network_retries: int | None = None,
    ):
        self.client = stripe_client(
            api_key or settings.STRIPE_SECRET_KEY,
            (settings.STRIPE_API_BASE if api_base is None else api_base) or "",
            self.DEFAULT_TIMEOUT if timeout is None else timeout,
            (
                self.DEFAULT_MAX_NETWORK_RETRIES
                if max_network_retries is None
                else max_network_retries
            ),
        )

    # -- results -------------------------------------------------------------------------
    def _result(self, intent) -> PaymentResult:
        return stripe_intent_result(intent)

    def _decline_result(self, exc: stripe.CardError) -> PaymentResult:
        error = exc.error
        intent = _get(error, "payment_intent")
        return PaymentResult(
            gateway=self.name,
            intent_id=_get(intent, "id", ""),
            status=_get(intent, "status", PaymentStatus.REQUIRES_PAYMENT_METHOD),
            amount=int(_get(intent, "amount", 0)),
            currency=str(_get(intent, "currency", "")).upper(),
            error_code=exc.code or _get(error, "code") or "card_declined",
            decline_code=_get(error, "decline_code"),
            decline_message=_get(error, "message")
            or exc.user_message
            or "Your card was declined.",
        )

    @staticmethod
    def _gateway_error(exc: stripe.StripeError) -> PaymentGatewayError:
        logger.warning("Stripe request failed: %s", exc)
        if isinstance(exc, stripe.APIConnectionError):
            message = "The payment provider could not be reached. Retry the request."
        else:
            message = (
                f"The payment provider refused the request: {exc.user_message or exc}"
            )
        code = "idempotency_error" if isinstance(exc, stripe.IdempotencyError) else None
        return PaymentGatewayError(message, code=code)

    # -- the interface -------------------------------------------------------------------
    def payment_prepare(
        self,
        *,
        order,
        amount,
        currency,
        payment_method,
        idempotency_key,
        metadata=None,
    ) -> PaymentResult:
        params = {
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": payment_method,
            "confirm": False,
            "description": f"Order {order.id}",
            "metadata": {
                **{k: str(v) for k, v in (metadata or {}).items()},
                "order_id": order.id,
                "store_id": order.store_id,
                "mode": order.mode,
            },
        }
        try:
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.InvalidRequestError as exc:
            if exc.param == "payment_method" or exc.code == "resource_missing":
                message = (
                    exc.user_message or f"No such PaymentMethod: '{payment_method}'"
                )
                raise ValidationFailed(
                    message,
                    code="invalid_payment_method",
                    fields={"payment_method": [message]},
                ) from exc
            raise self._gateway_error(exc) from exc
        except stripe.StripeError as exc:
            raise self._gateway_error(exc) from exc
        return self._result(intent)

    def payment_confirm(
        self, *, order, intent_id, idempotency_key, return_url=""
    ) -> PaymentResult:
        params = {"return_url": order_return_url(order=order, return_url=return_url)}
        try:
            intent = self.client.v1.payment_intents.confirm(
                intent_id, params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.CardError as exc:
            return self._decline_result(exc)
        except stripe.InvalidRequestError as exc:
            if exc.code == "payment_intent_unexpected_state":
                # Confirmed already (succeeded, canceled): answer the state it is in.
                return self.payment_retrieve(intent_id=intent_id)
            raise self._gateway_error(exc) from exc
        except stripe.StripeError as exc:
            raise self._gateway_error(exc) from exc
        return self._result(intent)

    def payment_retrieve(self, *, intent_id) -> PaymentResult:
        try:
            return self._result(self.client.v1.payment_intents.retrieve(intent_id))
        except stripe.StripeError as exc:
            raise self._gateway_error(exc) from exc

    def payment_cancel(self, *, intent_id) -> PaymentResult:
        try:
            intent = self.client.v1.payment_intents.cancel(
                intent_id, params={"cancellation_reason": "abandoned"}
            )
        except stripe.InvalidRequestError as exc:
            if exc.code != "payment_intent_unexpected_state":
                raise self._gateway_error(exc) from exc
            # Already succeeded or already canceled: answer the state it is in.
            return self.payment_retrieve(intent_id=intent_id)
        except stripe.StripeError as exc:
            raise self._gateway_error(exc) from exc
        return self._result(intent)

    def refund_create(
        self, *, intent_id, amount, idempotency_key, reason=None
    ) -> RefundResult:
        params = {"payment_intent": intent_id, "amount": amount}
        if reason in STRIPE_REFUND_REASONS:
            params["reason"] = STRIPE_REFUND_REASONS[reason]
        try:
            refund = self.client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise self._gateway_error(exc) from exc
        return RefundResult(
            gateway=self.name,
            refund_id=refund.id,
            status=_get(refund, "status", "pending"),
            amount=int(_get(refund, "amount", amount)),
            currency=str(_get(refund, "currency", "")).upper(),
        )


# -- Stripe Billing (the subscriptions app) ----------------------------------------------------


class StripeBilling:
    """Stripe Billing for subscriptions: a Customer holding the PaymentMethod, a Price per
    subscription and a Subscription charging it every period (its invoices' webhooks,
    ``invoice.paid`` / ``invoice.payment_failed`` / ``customer.subscription.deleted``, drive
    our renewals). Every create has an idempotency key derived from our subscription id."""

    def __init__(self, gateway: StripeGateway | None = None):
        self.client = (gateway or StripeGateway()).client

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except stripe.StripeError as exc:
            raise StripeGateway._gateway_error(exc) from exc

    def subscription_create(
        self,
        *,
        key: str,
        email: str,
        payment_method: str,
        name: str,
        amount: int,
        currency: str,
        interval: str,
        interval_count: int,
        quantity: int,
        trial_end: int,
        metadata: dict,
    ) -> tuple[str, str]:
        """Create the Customer, the Price and the Subscription (billing first at
        ``trial_end``, a Unix time: the period checkout paid, or the trial, runs until
        then). Returns ``(customer id, subscription id)``."""
        v1 = self.client.v1
        customer = self._call(
            v1.customers.create,
            params={
                "email": email,
                "payment_method": payment_method,
                "invoice_settings": {"default_payment_method": payment_method},
                "metadata": metadata,
            },
            options={"idempotency_key": f"{key}-customer"},
        )
        price = self._call(
            v1.prices.create,
            params={
                "unit_amount": amount,
                "currency": currency.lower(),
                "recurring": {"interval": interval, "interval_count": interval_count},
                "product_data": {"name": name[:250] or "Subscription"},
                "metadata": metadata,
            },
            options={"idempotency_key": f"{key}-price"},
        )
        subscription = self._call(
            v1.subscriptions.create,
            params={
                "customer": customer.id,
                "items": [{"price": price.id, "quantity": quantity}],
                "trial_end": trial_end,
                "default_payment_method": payment_method,
                "metadata": metadata,
            },
            options={"idempotency_key": f"{key}-subscription"},
        )
        return customer.id, subscription.id

    def subscription_cancel(self, *, subscription_id: str) -> None:
        try:
            self.client.v1.subscriptions.cancel(subscription_id)
        except stripe.InvalidRequestError as exc:
            if exc.code != "resource_missing":
                raise StripeGateway._gateway_error(exc) from exc
        except stripe.StripeError as exc:
            raise StripeGateway._gateway_error(exc) from exc

    def subscription_pause(self, *, subscription_id: str, paused: bool) -> None:
        """Pause (void the invoices while paused) or resume collection."""
        self._call(
            self.client.v1.subscriptions.update,
            subscription_id,
            params={"pause_collection": {"behavior": "void"} if paused else ""},
        )

    def invoice_item_add(
        self,
        *,
        key: str,
        customer: str,
        invoice: str,
        amount: int,
        currency: str,
        description: str,
        metadata: dict,
    ) -> str:
        """Add a line (``amount`` in minor units, negative for a credit) to a draft
        invoice, as Stripe documents for extra charges on subscription invoices. Returns the
        InvoiceItem's id; ``key`` is its idempotency key. Stripe refusing it for good (the
        invoice finalized or deleted meanwhile) is a :class:`Conflict`; not answering, a
        :class:`PaymentGatewayError` (retry)."""
        try:
            item = self.client.v1.invoice_items.create(
                params={
                    "customer": customer,
                    "invoice": invoice,
                    "amount": amount,
                    "currency": currency.lower(),
                    "description": description,
                    "metadata": metadata,
                },
                options={"idempotency_key": key},
            )
        except stripe.InvalidRequestError as exc:
            logger.warning("Stripe refused an item on invoice %s: %s", invoice, exc)
            raise Conflict(
                f"Stripe refused to add to invoice {invoice}: {exc.user_message or exc}",
                code="invoice_not_editable",
            ) from exc
        except stripe.StripeError as exc:
            raise StripeGateway._gateway_error(exc) from exc
        return item.id

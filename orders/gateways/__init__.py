"""Payment gateways. Callers use :func:`get_gateway` for a new payment and
:func:`gateway_for_order` for an existing one (retrieve, cancel, refund).

``get_gateway`` picks :class:`StripeGateway` when ``settings.STRIPE_SECRET_KEY`` is set, else
:class:`OfflineGateway` (Stripe's test mode played locally). A test-mode order is never sent to
Stripe with a live key: it goes to the offline gateway, so test orders are only ever charged
in test mode.
"""

from __future__ import annotations

from django.conf import settings

from core.models import Mode

from .base import (
    REFUND_REASONS,
    PaymentGateway,
    PaymentGatewayError,
    PaymentResult,
    PaymentStatus,
    RefundResult,
    confirm_idempotency_key,
    order_return_url,
    payment_idempotency_key,
    refund_idempotency_key,
    url_with_params,
)
from .offline import TEST_PAYMENT_METHODS, OfflineGateway
from .stripe_gateway import StripeBilling, StripeGateway

__all__ = [
    "REFUND_REASONS",
    "TEST_PAYMENT_METHODS",
    "OfflineGateway",
    "PaymentGateway",
    "PaymentGatewayError",
    "PaymentResult",
    "PaymentStatus",
    "RefundResult",
    "StripeBilling",
    "StripeGateway",
    "confirm_idempotency_key",
    "gateway_for_order",
    "get_gateway_by_name",
    "get_gateway",
    "order_return_url",
    "payment_idempotency_key",
    "refund_idempotency_key",
    "url_with_params",
]


def _is_live_key(key: str) -> bool:
    return key.startswith(("sk_live_", "rk_live_"))


def get_gateway(*, mode: str = Mode.TEST) -> PaymentGateway:
    """The gateway for a new payment of an order in ``mode`` (the key's mode)."""
    key = settings.STRIPE_SECRET_KEY
    if not key or (mode == Mode.TEST and _is_live_key(key)):
        return OfflineGateway()
    return StripeGateway()


def get_gateway_by_name(name: str) -> PaymentGateway:
    if name == StripeGateway.name:
        return StripeGateway()
    if name == OfflineGateway.name:
        return OfflineGateway()
    raise PaymentGatewayError(f"Unknown payment gateway '{name}'.")


def gateway_for_order(order) -> PaymentGateway:
    """The gateway that took the order's payment (``order.payment_gateway``), for retrieve,
    cancel and refund; ``get_gateway`` for an order that has none yet."""
    if order.payment_gateway:
        return get_gateway_by_name(order.payment_gateway)
    return get_gateway(mode=order.mode)

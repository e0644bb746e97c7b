"""Fixtures of the order operations tests: paid orders (through the configured gateway),
bank transfer orders, a logged-in merchant, and the private API's order URLs."""

from __future__ import annotations

import pytest
from django.test import Client

from core import services as core_services
from orders import services
from orders.gateways import get_gateway, payment_idempotency_key
from orders.models import Order


@pytest.fixture
def pay(db):
    """``pay(order, method="pm_card_visa") -> Order``: pay through the gateway the order's
    mode gets (offline, or Stripe when the stripe_double fixture is active), as checkout does."""

    def run(order: Order, method: str = "pm_card_visa") -> Order:
        order.payment_method = method
        order.save(update_fields=["payment_method"])
        result = get_gateway(mode=order.mode).payment_create(
            order=order,
            amount=order.total_amount,
            currency=order.currency,
            payment_method=method,
            idempotency_key=payment_idempotency_key(order=order, attempt=1),
        )
        services.order_payment_record(order=order, result=result)
        order.refresh_from_db()
        return order

    return run


@pytest.fixture
def make_paid_order(make_order, pay, django_capture_on_commit_callbacks):
    """``make_paid_order(store, **make_order_kwargs) -> Order``: placed, paid by card, numbered;
    its confirmation emails are sent (and cleared from the outbox)."""
    from django.core import mail

    def make(store, **kwargs) -> Order:
        order = make_order(store, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            pay(order)
        mail.outbox.clear()
        return order

    return make


@pytest.fixture
def paid_order(shop, make_paid_order, make_variant) -> Order:
    """Paid: 2 candles at £24.00 (stock 10 -> 8) and 1 box of matches at £2.50 (stock 5 -> 4);
    total £50.50."""
    candle = make_variant(shop.store, name="Hand-poured candle", price=2400, stock=10)
    matches = make_variant(shop.store, name="Matches", price=250, stock=5)
    return make_paid_order(shop.store, lines=[(candle, 2), (matches, 1)])


@pytest.fixture
def transfer_order(shop, make_order) -> Order:
    """A pending bank transfer order (stock reserved, no gateway payment), numbered."""
    order = make_order(shop.store, payment_method="bank_transfer")
    services.order_number_assign(order=order)
    return order


@pytest.fixture
def merchant(shop):
    """A logged-in dashboard client of ``shop``'s merchant."""
    user, _ = core_services.merchant_add(
        store=shop.store, email="merchant@acme.example"
    )
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def lines_of(order: Order) -> list:
    return list(order.items.order_by("created_at", "id"))


def events_of(order: Order, type: str) -> list[dict]:
    """The data of the webhook events of ``type`` recorded for ``order``, oldest first."""
    from webhooks.models import Event

    return [
        event.data
        for event in Event.objects.filter(type=type).order_by("created_at", "id")
        if event.data.get("id") == order.pk
    ]

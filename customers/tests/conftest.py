"""Fixtures for the customers tests: customers, orders and the emailed login token."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core import mail
from django.utils import timezone

TOKEN_IN_TEXT = re.compile(r"lnk_[A-Za-z0-9_-]{43}")


@pytest.fixture
def make_customer(db):
    """``make_customer(store, email=..., claimed=False, **fields) -> Customer``."""
    from customers.models import Customer

    def make(store, email=None, *, claimed=False, **fields):
        email = email or f"buyer-{uuid.uuid4().hex[:8]}@example.com"
        if claimed:
            fields.setdefault("claimed_at", timezone.now())
        return Customer.objects.create(store=store, email=email, **fields)

    return make


@pytest.fixture
def make_order(db):
    """``make_order(store, customer, total=..., refunded=0, status="paid", **fields) -> Order``.

    A placed order (type ``order``) in the store currency and test mode unless told otherwise.
    """
    from orders.models import Order

    def make(store, customer=None, *, total=1000, refunded=0, status="paid", **fields):
        fields.setdefault("currency", store.currency)
        fields.setdefault("mode", "test")
        fields.setdefault("type", "order")
        fields.setdefault("cart_token", uuid.uuid4().hex)
        if customer is not None:
            fields.setdefault("email", customer.email)
        return Order.objects.create(
            store=store,
            customer=customer,
            total_amount=total,
            refunded_amount=refunded,
            payment_status=status,
            **fields,
        )

    return make


@pytest.fixture
def emailed_token():
    """The login token in the most recent email (and that email)."""

    def read(index=-1):
        message = mail.outbox[index]
        found = TOKEN_IN_TEXT.findall(message.body)
        assert found, message.body
        return found[0], message

    return read

"""What the customers app tells the rest of the platform: ``customer.created`` and
``customer.updated``, with the customer in its private API shape (totals for the mode)."""

from __future__ import annotations

from core.events import event_publish

from . import selectors
from .models import Customer
from .serializers import CustomerDetailSerializer


def customer_payload(*, customer: Customer, mode: str) -> dict:
    """The customer in its private API shape (webhook event data), totals for ``mode``."""
    fresh = selectors.customer_get(
        store=customer.store, mode=mode, customer_id=customer.pk
    )
    context = {"store": customer.store, "locale": customer.store.locale}
    return dict(CustomerDetailSerializer(fresh, context=context).data)


def customer_event(*, customer: Customer, type: str, mode: str) -> None:
    """``customer.created`` or ``customer.updated``."""
    event_publish(
        store=customer.store,
        mode=mode,
        type=type,
        data=customer_payload(customer=customer, mode=mode),
    )

"""What the customers app tells the rest of the platform: ``customer.created`` and
``customer.updated``, with the customer in its private API shape (totals for the mode)."""

from __future__ import annotations

import copy

from core.events import event_publish

from . import selectors
from .models import Address, Customer
from .serializers import CustomerDetailSerializer


def customer_payload(*, customer: Customer, mode: str, new: bool = False) -> dict:
    """The customer in its private API shape (webhook event data), totals for ``mode``.

    ``new``: ``customer`` was inserted in this transaction, so it has no orders and no
    saved addresses yet: its payload needs no query (checkout's guests)."""
    if new:
        fresh = copy.copy(customer)
        fresh.total_orders = fresh.total_spend_amount = 0
        fresh._prefetched_objects_cache = {"addresses": Address.objects.none()}
    else:
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
        data=customer_payload(
            customer=customer, mode=mode, new=type == "customer.created"
        ),
    )

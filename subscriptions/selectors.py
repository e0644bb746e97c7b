"""Reads of subscriptions, scoped to one store and key mode."""

from __future__ import annotations

from core.exceptions import NotFound

from .models import Subscription


def subscription_list(*, store, mode: str, status: str | None = None, customer_id=None):
    queryset = Subscription.objects.filter(store=store, mode=mode).select_related(
        "store"
    )
    if status:
        queryset = queryset.filter(status=status)
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    return queryset.order_by("-created_at", "-id")


def subscription_get(*, store, mode: str, subscription_id: str) -> Subscription:
    found = (
        Subscription.objects.filter(store=store, mode=mode, pk=subscription_id)
        .select_related("store")
        .first()
    )
    if found is None:
        raise NotFound("Subscription not found.", code="subscription_not_found")
    return found


def subscription_list_for_customer(
    *, store, mode: str, customer, placed_on: str | None = None
):
    """The customer's subscriptions; an unverified session (``placed_on``: its cart token)
    sees only those its own token bought."""
    queryset = subscription_list(store=store, mode=mode).filter(customer=customer)
    if placed_on is not None:
        queryset = queryset.filter(origin_order__cart_token=placed_on)
    return queryset


def subscription_get_for_customer(
    *, store, mode: str, customer, subscription_id: str, placed_on: str | None = None
) -> Subscription:
    found = (
        subscription_list_for_customer(
            store=store, mode=mode, customer=customer, placed_on=placed_on
        )
        .filter(pk=subscription_id)
        .first()
    )
    if found is None:
        raise NotFound("Subscription not found.", code="subscription_not_found")
    return found

"""Deleting carts idle for 30 days (``carts.tasks.purge_idle_carts``,
``manage.py purge_carts``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from orders.models import Order

#: Carts idle this long are deleted by ``carts.tasks.purge_idle_carts``.
CART_TTL = timedelta(days=30)


def carts_purge_idle(
    *,
    older_than: timedelta = CART_TTL,
    now: datetime | None = None,
    batch_size: int = 500,
) -> int:
    """Delete carts idle longer than ``older_than`` (30 days) in batches; return how many.

    Carts holding a stock reservation (mid-checkout) are left for checkout to settle.
    """
    cutoff = (now or timezone.now()) - older_than
    deleted = 0
    while True:
        ids = list(
            Order.objects.filter(
                type=Order.Type.CART, updated_at__lt=cutoff, stock_reserved=False
            ).values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        _, per_model = Order.objects.filter(pk__in=ids, type=Order.Type.CART).delete()
        deleted += per_model.get(Order._meta.label, 0)

"""Order numbers: sequential per store and key mode, with no gaps and no duplicates."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from ..locks import order_number_counter_lock
from ..models import Order, OrderNumberCounter

#: The first order number of a store (per key mode). The reference's examples show four
#: digits; a store that imports older orders continues after the highest number it has.
ORDER_NUMBER_START = 1001


def _counter_locked(*, store_id: str, mode: str) -> OrderNumberCounter:
    counter = order_number_counter_lock(store_id=store_id, mode=mode)
    if counter is None:
        highest = (
            Order.objects.filter(store_id=store_id, mode=mode).aggregate(
                n=Max("order_number")
            )["n"]
            or 0
        )
        try:
            with transaction.atomic():
                OrderNumberCounter.objects.create(
                    store_id=store_id,
                    mode=mode,
                    next_number=max(ORDER_NUMBER_START, highest + 1),
                )
        except IntegrityError:
            pass  # created concurrently: the row is committed now, lock it below
        counter = order_number_counter_lock(store_id=store_id, mode=mode)
    return counter


@transaction.atomic
def order_number_assign(*, order: Order) -> int:
    """Give ``order`` the next number of its store and mode, unless it has one.

    The counter row of (store, mode) stays locked until the caller's transaction commits, so
    concurrent checkouts get distinct consecutive numbers, and a rolled-back checkout gives its
    number back (no gaps). Numbers start at :data:`ORDER_NUMBER_START`.
    """
    current = (
        Order.objects.select_for_update()
        .filter(pk=order.pk)
        .values_list("order_number", flat=True)
        .get()
    )
    if current:
        order.order_number = current
        return current
    counter = _counter_locked(store_id=order.store_id, mode=order.mode)
    number = counter.next_number
    OrderNumberCounter.objects.filter(pk=counter.pk).update(
        next_number=F("next_number") + 1
    )
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(order_number=number, updated_at=now)
    order.order_number = number
    order.updated_at = now
    return number

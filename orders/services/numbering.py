"""Order numbers: sequential per store and key mode, with no gaps and no duplicates.

The counter row of a store and mode is locked from the moment a number is taken until the
transaction commits (so a rolled-back checkout gives its number back). Checkout therefore
takes the number last (:func:`order_numbers_last`): everything else it writes (timeline,
address, webhook payloads, outbox rows) is done first, while concurrent checkouts of the
same store still run side by side, and the counter is held only for the few statements that
write the number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ..locks import order_number_take
from ..models import Order, OrderNumberCounter

#: The first order number of a store (per key mode). The reference's examples show four
#: digits; a store that imports older orders continues after the highest number it has.
ORDER_NUMBER_START = 1001

#: Stands for the order number in what is built before the number is taken (webhook
#: payloads, timeline messages) inside :func:`order_numbers_last`; replaced by the number
#: before anything containing it is written for good (:func:`number_fill`).
NUMBER_PLACEHOLDER = "\u27e6order-number\u27e7"


@dataclass
class _Deferred:
    orders: dict[str, list[Order]] = field(default_factory=dict)
    then: list[tuple[str, Callable[[int], None]]] = field(default_factory=list)


_deferred: ContextVar[_Deferred | None] = ContextVar(
    "order_numbers_deferred", default=None
)


def _counter_next(*, store_id: str, mode: str) -> int:
    """The next number of the store and mode, its counter locked until commit (created,
    after the highest number the store has, the first time)."""
    number = order_number_take(store_id=store_id, mode=mode)
    if number is not None:
        return number
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
        pass  # created concurrently: the row is committed now, take from it below
    return order_number_take(store_id=store_id, mode=mode)


def order_number_pending(order: Order) -> bool:
    """Whether ``order`` gets its number at the end of the current
    :func:`order_numbers_last` block (it has none yet)."""
    state = _deferred.get()
    return state is not None and not order.order_number and order.pk in state.orders


def when_numbered(order: Order, then: Callable[[int | None], None]) -> None:
    """Call ``then(number)`` once ``order`` has its number: at the end of the current
    :func:`order_numbers_last` block when the number is pending there, else now (with the
    order's number, None when it has none)."""
    if order_number_pending(order):
        _deferred.get().then.append((order.pk, then))
    else:
        then(order.order_number)


def number_fill(value, number: int | None):
    """``value`` (a payload: dicts, lists, strings) with :data:`NUMBER_PLACEHOLDER`
    replaced by ``number``."""
    if number is None:
        return value
    if isinstance(value, str):
        return value.replace(NUMBER_PLACEHOLDER, str(number))
    if isinstance(value, dict):
        return {key: number_fill(item, number) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(number_fill(item, number) for item in value)
    return value


@contextmanager
def order_numbers_last() -> Iterator[None]:
    """Inside the caller's transaction: orders numbered in the block
    (:func:`order_number_assign`) get their numbers when it ends, after everything else,
    then what waited for the number (:func:`when_numbered`) runs. The counter lock is
    therefore taken at the end of the transaction, not in the middle of it. Nothing is
    numbered when the block raises (the transaction rolls back anyway)."""
    if _deferred.get() is not None:  # nested: the outer block numbers
        yield
        return
    state = _Deferred()
    token = _deferred.set(state)
    try:
        yield
    finally:
        _deferred.reset(token)
    numbers = {}
    for pk, instances in state.orders.items():
        numbers[pk] = _assign(instances[0])
        for instance in instances[1:]:
            instance.order_number = instances[0].order_number
            instance.updated_at = instances[0].updated_at
    for pk, then in state.then:
        then(numbers[pk])


def order_number_assign(*, order: Order) -> int | None:
    """Give ``order`` the next number of its store and mode, unless it has one.

    The counter row of (store, mode) stays locked until the caller's transaction commits, so
    concurrent checkouts get distinct consecutive numbers, and a rolled-back checkout gives its
    number back (no gaps). Numbers start at :data:`ORDER_NUMBER_START`.

    Inside :func:`order_numbers_last` the number is taken when the block ends (None is
    returned now, and ``order`` gets its number then).
    """
    state = _deferred.get()
    if state is not None and not order.order_number:
        state.orders.setdefault(order.pk, []).append(order)
        return None
    return _assign(order)


# No savepoint: called at the end of the caller's transaction (or as its own), and a
# failure here fails that transaction anyway.
@transaction.atomic(savepoint=False)
def _assign(order: Order) -> int:
    current = (
        Order.objects.select_for_update()
        .filter(pk=order.pk)
        .values_list("order_number", flat=True)
        .get()
    )
    if current:
        order.order_number = current
        return current
    number = _counter_next(store_id=order.store_id, mode=order.mode)
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(order_number=number, updated_at=now)
    order.order_number = number
    order.updated_at = now
    return number

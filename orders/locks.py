"""Row locks of the order flows, taken in one fixed order so that concurrent flows never
deadlock (Saleor's ``lock_objects.py``).

Every flow that locks several rows takes them in this order, each inside the caller's
transaction, and releases them at its commit:

1. the cart / order row (:func:`order_lock`; carts' ``cart_lock`` is the same row);
2. variant rows, in id order (``catalog.services.stock_reserve`` / ``stock_release``);
3. the customer row (``customers.services.customer_address_save_from_order``);
4. the discount row (the conditional ``UPDATE`` of ``carts.services.discount_redeem``);
5. the order-number counter of the store and mode (:func:`order_number_counter_lock`).

A flow may skip a step, never go back to an earlier one.
"""

from __future__ import annotations

from .models import Order, OrderNumberCounter


def order_lock(order: Order, *, related: tuple[str, ...] = ()) -> Order:
    """Lock the order (or cart) row and return a fresh copy of it (with ``related`` rows
    joined). The caller's cached store is kept, so locking costs no store query."""
    rows = Order.objects.select_for_update(of=("self",) if related else ())
    if related:
        rows = rows.select_related(*related)
    locked = rows.get(pk=order.pk)
    if (
        not related
        and order.store_id == locked.store_id
        and "store" in order._state.fields_cache
    ):
        locked.store = order.store
    return locked


def copy_state(target: Order, source: Order) -> Order:
    """Refresh the caller's instance from the locked, updated row (no query)."""
    for field in Order._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def order_number_counter_lock(*, store_id: str, mode: str) -> OrderNumberCounter | None:
    """Lock the order-number counter of a store and mode (last in the lock order); None
    when the store has none yet."""
    return (
        OrderNumberCounter.objects.select_for_update()
        .filter(store_id=store_id, mode=mode)
        .first()
    )

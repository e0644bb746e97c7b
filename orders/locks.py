"""Row locks of the order flows, taken in one fixed order so that concurrent flows never
deadlock (Saleor's ``lock_objects.py``).

Every flow that locks several rows takes them in this order, each inside the caller's
transaction, and releases them at its commit:

1. the cart / order row (:func:`order_lock`; carts' ``cart_lock`` is the same row);
2. variant rows, in id order (``catalog.services.stock_reserve`` / ``stock_release``; a
   bundle line's component variants are among them, locked in the same statement);
3. the customer row (``customers.services.customer_address_save_from_order``);
4. the discount row (the conditional ``UPDATE`` of ``carts.services.discount_redeem``);
5. the order-number counter of the store and mode (:func:`order_number_take`).

A flow may skip a step, never go back to an earlier one.
"""

from __future__ import annotations

from django.db import connection

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


def order_number_take(*, store_id: str, mode: str) -> int | None:
    """Take the next order number of a store and mode: one ``UPDATE ... RETURNING`` that
    locks the counter row (last in the lock order) until the caller's transaction ends and
    returns the number it held; None when the store has no counter yet."""
    table = connection.ops.quote_name(OrderNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_number = next_number + 1 "
            "WHERE store_id = %s AND mode = %s RETURNING next_number - 1",
            [store_id, mode],
        )
        row = cursor.fetchone()
    return row[0] if row else None

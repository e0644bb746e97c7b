"""Corrections of a stale cart: lines whose product went away or whose stock or maximum
fell, each with a message."""

from __future__ import annotations

from datetime import datetime

from catalog.models import Product
from core.currencies import CurrencyContext, base_context
from orders.models import Order, OrderItem

from .. import selectors
from ..pricing import Message
from .fetch import CartLine, line_unit_price
from .lifecycle import cart_touch


def load_lines(
    cart: Order,
    *,
    now: datetime,
    persist: bool,
    messages: list[Message],
    conversion: CurrencyContext | None = None,
) -> list[CartLine]:
    """The cart's lines, after removing unavailable ones and capping quantities to stock and
    to the product's maximum (each change with a message)."""
    store = cart.store
    lines: list[CartLine] = []
    removed: list[str] = []
    changed: list[tuple[OrderItem, int]] = []
    for item in selectors.cart_items(cart=cart):
        variant = item.variant
        product = variant.product if variant is not None else None
        label = (product.name if product else None) or item.product_name or "An item"
        if (
            product is None
            or product.store_id != store.pk
            or product.status != Product.Status.PUBLISHED
            or (item.product_id and item.product_id != product.pk)
        ):
            removed.append(item.pk)
            messages.append(
                Message(
                    "item_unavailable",
                    f"{label} is no longer available and was removed from your cart.",
                    item_id=item.pk,
                )
            )
            continue
        quantity = item.quantity
        if product.max_order_quantity and quantity > product.max_order_quantity:
            quantity = product.max_order_quantity
            messages.append(
                Message(
                    "quantity_limited",
                    f"You can buy at most {quantity} of {label}; the quantity was reduced to {quantity}.",
                    item_id=item.pk,
                )
            )
        available = variant.available_stock(cart.mode)
        if product.track_inventory and quantity > available:
            if available < max(product.min_order_quantity, 1):
                removed.append(item.pk)
                messages.append(
                    Message(
                        "out_of_stock",
                        f"{label} is out of stock and was removed from your cart.",
                        item_id=item.pk,
                    )
                )
                continue
            quantity = available
            messages.append(
                Message(
                    "stock_limited",
                    f"Only {quantity} of {label} left in stock; the quantity was reduced to {quantity}.",
                    item_id=item.pk,
                )
            )
        if quantity != item.quantity:
            changed.append((item, item.quantity))
            item.quantity = quantity
        lines.append(
            CartLine(
                item=item,
                variant=variant,
                product=product,
                unit_price=line_unit_price(
                    cart, product, variant, now, conversion or base_context(store)
                ),
                mode=cart.mode,
            )
        )
    if persist and (removed or changed):
        if removed:
            OrderItem.objects.filter(order=cart, pk__in=removed).delete()
        for item, original in changed:
            # Conditional, so a concurrent add to the line is not overwritten.
            OrderItem.objects.filter(pk=item.pk, quantity=original).update(
                quantity=item.quantity
            )
        cart_touch(cart)
    return lines

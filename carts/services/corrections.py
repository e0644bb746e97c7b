"""Corrections of a stale cart: computed from a :class:`~carts.services.fetch.CartInfo`
without a query (:func:`cart_correct`), written by :func:`cart_corrections_save`.

Each correction comes with a message: a line whose product is gone, unpublished or out of
stock is removed; a quantity above the stock or the product's maximum is capped; a discount
code that stopped qualifying is dropped; a shipping option that no longer ships the cart is
dropped. A cart idle over 2 hours forgets its personal data (no message). A currency the
store no longer offers falls back to the store's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from catalog.models import Product
from orders.models import Order, OrderItem

from .. import pricing
from ..pricing import Message
from .fetch import CartInfo, CartLine
from .rules import (
    ENGINE_BECAUSE,
    PERSONAL_DATA_CLEARED,
    available_shipping,
    discount_refusal,
    discount_removed_message,
    discount_rule,
    personal_data_expired,
    store_settings,
)


@dataclass
class Corrections:
    """What :func:`cart_correct` changed in memory, for :func:`cart_corrections_save`."""

    messages: list[Message] = field(default_factory=list)
    #: The currency the cart falls back to (the store's), or None.
    currency: str | None = None
    #: ``updated_at`` of a cart whose personal data expired, or None.
    expired_since: object = None
    removed: list[str] = field(default_factory=list)
    #: ``(item, quantity before)`` of capped lines.
    capped: list[tuple[OrderItem, int]] = field(default_factory=list)
    #: The code of a dropped discount (``""`` for a code whose row is gone), or None.
    dropped_discount: str | None = None
    #: The method id of a dropped shipping choice (None for a deleted method), when
    #: ``shipping_dropped``.
    dropped_shipping_id: str | None = None
    shipping_dropped: bool = False

    @property
    def lines_changed(self) -> bool:
        return bool(self.removed or self.capped)


def personal_data_expire(cart: Order, now) -> object:
    """Forget the personal data of a cart idle over 2 hours (in memory); return the
    ``updated_at`` it was idle since, or None when nothing expired. ``updated_at`` is left
    alone: the cart stays as idle as it was."""
    if not personal_data_expired(cart, now):
        return None
    idle_since = cart.updated_at
    for name, value in PERSONAL_DATA_CLEARED.items():
        setattr(cart, name, value)
    return idle_since


def cart_personal_data_forget(cart: Order, *, now) -> None:
    """Forget (and write) the personal data of a cart idle over 2 hours."""
    idle_since = personal_data_expire(cart, now)
    if idle_since is not None:
        # Conditional: a mutation that slipped in meanwhile makes the cart active again.
        Order.objects.filter(pk=cart.pk, updated_at=idle_since).update(
            **PERSONAL_DATA_CLEARED
        )


def _line_correct(
    line: CartLine, *, store, mode: str
) -> tuple[int | None, list[Message]]:
    """``(quantity, messages)`` for one line: None to remove it, else what it may hold."""
    item, product, variant = line.item, line.product, line.variant
    label = (product.name if product else None) or item.product_name or "An item"
    if (
        product is None
        or product.store_id != store.pk
        or product.status != Product.Status.PUBLISHED
        or (item.product_id and item.product_id != product.pk)
    ):
        return None, [
            Message(
                "item_unavailable",
                f"{label} is no longer available and was removed from your cart.",
                item_id=item.pk,
            )
        ]
    quantity, messages = item.quantity, []
    if product.max_order_quantity and quantity > product.max_order_quantity:
        quantity = product.max_order_quantity
        messages.append(
            Message(
                "quantity_limited",
                f"You can buy at most {quantity} of {label}; the quantity was reduced to {quantity}.",
                item_id=item.pk,
            )
        )
    available = variant.available_stock(mode)
    if product.track_inventory and quantity > available:
        if available < max(product.min_order_quantity, 1):
            messages.append(
                Message(
                    "out_of_stock",
                    f"{label} is out of stock and was removed from your cart.",
                    item_id=item.pk,
                )
            )
            return None, messages
        quantity = available
        messages.append(
            Message(
                "stock_limited",
                f"Only {quantity} of {label} left in stock; the quantity was reduced to {quantity}.",
                item_id=item.pk,
            )
        )
    return quantity, messages


def _lines_correct(info: CartInfo, corrections: Corrections) -> None:
    """Remove unavailable lines and cap quantities to stock and to the product's maximum."""
    kept = []
    for line in info.lines:
        quantity, messages = _line_correct(line, store=info.store, mode=info.cart.mode)
        corrections.messages.extend(messages)
        if quantity is None:
            corrections.removed.append(line.item.pk)
            continue
        if quantity != line.item.quantity:
            corrections.capped.append((line.item, line.item.quantity))
            line.item.quantity = quantity
        kept.append(line)
    info.lines = kept


def _discount_correct(info: CartInfo, corrections: Corrections) -> None:
    """Drop a code whose row is gone, that is no longer usable, or that the engine rejects
    for these lines (minimum subtotal, nothing qualifying)."""
    cart, facts = info.cart, info.discount
    if facts is None:
        if cart.discount_code:
            corrections.messages.append(
                discount_removed_message(cart.discount_code, "it is no longer valid")
            )
            corrections.dropped_discount = cart.discount_code
        return
    discount = facts.discount
    refusal = discount_refusal(
        discount, now=info.now, mode=cart.mode, customer_uses=facts.customer_uses
    )
    because = refusal.because if refusal is not None else None
    if because is None:
        rejection = pricing.discount_rejection(
            discount_rule(facts, info.conversion),
            [line.price_line() for line in info.lines],
            store_settings(info.store, None, info.conversion),
        )
        if rejection is not None:
            because = ENGINE_BECAUSE[rejection.code]
    if because is not None:
        corrections.messages.append(discount_removed_message(discount.code, because))
        corrections.dropped_discount = cart.discount_code
        info.discount = None


def _shipping_correct(
    info: CartInfo, corrections: Corrections, *, estimate: bool
) -> None:
    """Drop a shipping choice that no longer ships the cart (the estimate keeps a choice
    that does not ship to its destination: it picks another one itself)."""
    cart = info.cart
    method = cart.shipping_method if cart.shipping_method_id else None
    requires_shipping = any(line.requires_shipping for line in info.lines)
    removed_name = None
    if method is None and cart.shipping_option and not estimate:
        removed_name = cart.shipping_option.get("name") or "you chose"
    elif method is not None and not requires_shipping:
        pass
    elif method is not None and not estimate:
        country = (cart.shipping_address or {}).get("country_code")
        weight = sum(
            line.weight_grams * line.quantity
            for line in info.lines
            if line.requires_shipping
        )
        if (
            method.active
            and country
            and available_shipping(
                info.store, [method], country_code=country, weight=weight
            )
        ):
            return
        removed_name = method.name
    else:
        return
    corrections.shipping_dropped = True
    corrections.dropped_shipping_id = cart.shipping_method_id
    if removed_name:
        corrections.messages.append(
            Message(
                "shipping_option_removed",
                f"The shipping option {removed_name} is no longer available for your cart "
                "and was removed. Please choose another.",
            )
        )


def cart_correct(info: CartInfo, *, estimate: bool = False) -> Corrections:
    """Correct ``info`` in memory (its cart row, lines and discount) and say what changed.

    No query: everything was fetched. Order of the messages: lines, discount, shipping.
    """
    corrections = Corrections()
    cart = info.cart
    if info.conversion.currency != cart.currency:
        cart.currency = corrections.currency = info.conversion.currency
    corrections.expired_since = personal_data_expire(cart, info.now)
    _lines_correct(info, corrections)
    _discount_correct(info, corrections)
    _shipping_correct(info, corrections, estimate=estimate)
    if corrections.dropped_discount is not None:
        cart.discount, cart.discount_code, cart.discount_type = None, "", ""
        cart.discount_value = None
    if corrections.shipping_dropped:
        cart.shipping_method, cart.shipping_option = None, None
    return corrections


def cart_corrections_save(
    cart: Order, corrections: Corrections, *, locked: bool = False
) -> None:
    """Write the corrections of ``cart``'s lines (removed lines, capped quantities) and,
    unless the caller holds the cart's lock and writes the row itself (``locked``), of its
    row: the currency, expired personal data, a dropped discount or shipping choice.

    The row updates are conditional, so a change made meanwhile by another request (a
    code or option chosen, the cart used again) stays.
    """
    if corrections.removed:
        OrderItem.objects.filter(order=cart, pk__in=corrections.removed).delete()
    for item, original in corrections.capped:
        # Conditional, so a concurrent add to the line is not overwritten.
        OrderItem.objects.filter(pk=item.pk, quantity=original).update(
            quantity=item.quantity
        )
    if locked:
        return
    row = Order.objects.filter(pk=cart.pk)
    if corrections.currency is not None:
        row.filter(type=Order.Type.CART).update(currency=corrections.currency)
    if corrections.expired_since is not None:
        row.filter(updated_at=corrections.expired_since).update(**PERSONAL_DATA_CLEARED)
    if corrections.lines_changed:
        cart.updated_at = timezone.now()
        row.update(updated_at=cart.updated_at)
    if corrections.dropped_discount is not None:
        row.filter(discount_code=corrections.dropped_discount).update(
            discount=None, discount_code="", discount_type="", discount_value=None
        )
    if corrections.shipping_dropped:
        row.filter(shipping_method_id=corrections.dropped_shipping_id).update(
            shipping_method=None, shipping_option=None
        )

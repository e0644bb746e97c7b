"""Writing a priced cart: its amounts, names and tax lines onto its row and lines
(:func:`cart_snapshot`, checkout and every cart write), and the end of a cart write
(:func:`cart_write_save`: the corrections, the lines and the row in as few statements as
it takes)."""

from __future__ import annotations

from catalog import bundles as catalog_bundles
from core.currencies import base_context
from orders.models import Order, OrderItem

from ..pricing import Message
from .corrections import Corrections, cart_correct, cart_corrections_save
from .fetch import ITEM_STATE_FIELDS, CartInfo, item_state
from .price import PricedCart, cart_info_price
from .rules import discount_amounts

#: The row fields a snapshot writes.
SNAPSHOT_FIELDS = (
    "currency",
    "exchange_rate",
    "subtotal_amount",
    "discount_amount",
    "shipping_amount",
    "tax_amount",
    "total_amount",
    "tax_inclusive",
    "tax_breakdown",
    "discount",
    "discount_code",
    "discount_type",
    "discount_value",
    "shipping_option",
)
#: The row fields a cart write may change besides the snapshot's (written with it, under
#: the cart's lock).
WRITE_FIELDS = (
    "updated_at",
    "email",
    "shipping_address",
    "billing_address",
    "same_as_shipping",
    "notes",
    "shipping_method",
)


def _snapshot_apply(priced: PricedCart) -> list[OrderItem]:
    """Set the snapshot on the row and lines in memory; return the lines that changed."""
    cart, result = priced.cart, priced.result
    discount = priced.discount
    cart.currency = result.currency
    cart.exchange_rate = (
        priced.conversion.stored_rate if priced.conversion is not None else None
    )
    cart.subtotal_amount = result.subtotal.amount
    cart.discount_amount = result.discount.amount
    cart.shipping_amount = result.shipping.amount
    cart.tax_amount = result.tax.amount
    cart.total_amount = result.total.amount
    cart.tax_inclusive = result.tax_inclusive
    cart.tax_breakdown = [
        {
            "name": t.name,
            "rate": str(t.rate.normalize()),
            "amount": t.amount.amount,
            "jurisdiction": t.jurisdiction,
        }
        for t in result.tax_breakdown
    ]
    cart.discount = discount
    cart.discount_code = discount.code if discount else ""
    cart.discount_type = discount.type if discount else ""
    cart.discount_value = (
        discount_amounts(discount, priced.conversion or base_context(cart.store))[0]
        if discount
        else None
    )
    method = priced.shipping_method
    cart.shipping_option = (
        {"id": method.pk, "name": method.name, "price": result.shipping.amount}
        if method
        else None
    )
    changed = []
    for line in priced.lines:
        item = line.item
        item.product_name = line.product.name
        item.product_slug = line.product.slug
        item.variant_name = line.variant_name or ""
        item.sku = line.variant.sku or line.product.sku
        item.product_type = line.product.product_type
        item.requires_shipping = line.requires_shipping
        item.unit_price_amount = line.result.unit_price.amount
        item.subtotal_amount = line.result.subtotal.amount
        item.discount_amount = line.result.discount.amount
        item.tax_amount = line.result.tax.amount
        item.bundle_components = catalog_bundles.components_snapshot(line.variant)
        if item._state.adding or item_state(item) != line.stored:
            changed.append(item)
    return changed


def _items_save(items: list[OrderItem]) -> None:
    """Insert new lines and write the changed ones (one statement each at most)."""
    new = [item for item in items if item._state.adding]
    old = [item for item in items if not item._state.adding]
    if new:  # (bulk_create marks them saved: split first)
        OrderItem.objects.bulk_create(new)
    if len(old) == 1:
        # One changed line (an add or a quantity change): a plain UPDATE, a fraction of
        # the CPU of bulk_update's CASE WHEN per column.
        [item] = old
        OrderItem.objects.filter(pk=item.pk).update(
            **{name: getattr(item, name) for name in ITEM_STATE_FIELDS}
        )
    elif old:
        OrderItem.objects.bulk_update(old, list(ITEM_STATE_FIELDS))


def cart_snapshot(*, priced: PricedCart) -> None:
    """Write a priced cart's amounts onto its row and lines (checkout calls this at placement).

    Order: ``subtotal/discount/shipping/tax/total_amount``, ``tax_inclusive``,
    ``tax_breakdown`` (``[{"name", "rate" (decimal string), "amount" (minor units),
    "jurisdiction"}]``), the discount fields and ``shipping_option`` (``{"id", "name",
    "price"}``, price in minor units). Lines: ``unit_price/subtotal/discount/tax_amount``,
    product and variant names, sku, product type and ``requires_shipping``; lines whose
    stored values are these already are not written again.
    """
    cart = priced.cart
    items = _snapshot_apply(priced)
    Order.objects.filter(pk=cart.pk).update(
        **{name: getattr(cart, name) for name in SNAPSHOT_FIELDS}
    )
    _items_save(items)


def cart_write_save(priced: PricedCart, corrections: Corrections) -> None:
    """The end of a cart write under the cart's lock (``.lifecycle.cart_write_lock``):
    the corrected lines, new and changed lines, and the row (the snapshot, the fields the
    write changed and ``updated_at``) in one UPDATE."""
    cart = priced.cart
    cart_corrections_save(cart, corrections, locked=True)
    items = _snapshot_apply(priced)
    Order.objects.filter(pk=cart.pk).update(
        **{name: getattr(cart, name) for name in (*SNAPSHOT_FIELDS, *WRITE_FIELDS)}
    )
    _items_save(items)


def cart_write_finish(
    info: CartInfo, *, locale: str | None = None, notes: list[Message] = ()
) -> PricedCart:
    """Correct, price and save a cart changed in memory under its lock; ``notes`` (what
    the change itself reports) come first in the answer's messages."""
    corrections = cart_correct(info)
    priced = cart_info_price(info, corrections, locale=locale)
    priced.messages[:0] = notes
    cart_write_save(priced, corrections)
    return priced

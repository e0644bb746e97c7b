"""Adding, changing and removing cart lines (``/cart/items``)."""

from __future__ import annotations

from django.db import transaction

from catalog import bundles as catalog_bundles
from catalog.models import Product, Variant
from core.exceptions import Conflict, NotFound, ValidationFailed
from orders.models import Order

from .. import selectors
from ..pricing import Message
from .fetch import CartLine, cart_info_fetch, cart_lines_fetch, new_line
from .lifecycle import CartKey, cart_write_lock
from .price import PricedCart
from .snapshot import cart_write_finish


def _variant_mismatch(prefix: tuple) -> ValidationFailed:
    message = "The variant does not belong to this product."
    return ValidationFailed(
        message, code="variant_mismatch", fields={(*prefix, "variant_id"): [message]}
    )


def variant_resolve(
    product: Product,
    variant_id: str | None,
    *,
    prefix: tuple = (),
    variants: list[Variant] | None = None,
) -> Variant:
    """The variant of ``product`` a request names (``variants``: the product's, when
    loaded already)."""
    if variants is None:
        variants = list(product.variants.all())
    selectable = [v for v in variants if not v.is_default]
    if selectable:
        if not variant_id:
            raise ValidationFailed(
                f"Choose an option of {product.name}: the variantId field is required.",
                code="variant_required",
                fields={
                    (*prefix, "variant_id"): ["This product has variants: choose one."]
                },
            )
        for variant in selectable:
            if variant.pk == variant_id:
                return variant
        raise _variant_mismatch(prefix)
    default = next((v for v in variants if v.is_default), None)
    if default is None:
        raise ValidationFailed(
            f"{product.name} cannot be bought right now.",
            code="product_unavailable",
            fields={(*prefix, "product_id"): ["Not available."]},
        )
    if variant_id and variant_id != default.pk:
        raise _variant_mismatch(prefix)
    return default


def _check_quantity_limits(product: Product, quantity: int) -> None:
    if quantity < product.min_order_quantity:
        message = f"The minimum order quantity for {product.name} is {product.min_order_quantity}."
        raise ValidationFailed(
            message, code="below_minimum_quantity", fields={"quantity": [message]}
        )
    if product.max_order_quantity and quantity > product.max_order_quantity:
        message = f"You can buy at most {product.max_order_quantity} of {product.name}."
        raise ValidationFailed(
            message, code="above_maximum_quantity", fields={"quantity": [message]}
        )


def cart_item_add(
    *,
    cart: Order | CartKey,
    product_ref: str,
    variant_id: str | None = None,
    quantity: int = 1,
    locale: str | None = None,
) -> PricedCart:
    """Add ``quantity`` of a product (by id or slug) to the cart, or increment its line.

    Unknown, draft or archived products are a 404; ``variant_id`` is required (422) when the
    product has variants and refused when it is not one of them. The resulting quantity must
    respect the product's minimum and maximum (422) and the stock (409 ``out_of_stock``).
    """
    with transaction.atomic():
        cart = cart_write_lock(cart)
        # Read after the lock: the stock is as fresh as the check below needs.
        product, variants = selectors.product_variants_purchasable(
            store=cart.store, ref=product_ref
        )
        variant = variant_resolve(product, variant_id, variants=variants)
        catalog_bundles.variants_attach([variant])
        lines = cart_lines_fetch(cart, now=cart.updated_at)
        line = next((x for x in lines if x.item.variant_id == variant.pk), None)
        current = line.item.quantity if line else 0
        wanted = current + quantity
        _check_quantity_limits(product, wanted)
        stock = variant.available_stock(cart.mode)
        if product.track_inventory and wanted > stock:
            available = max(stock - current, 0)
            message = (
                f"{product.name} is out of stock."
                if stock <= 0
                else f"Only {stock} of {product.name} in stock"
                + (f" ({current} already in your cart)." if current else ".")
            )
            raise Conflict(
                message,
                code="out_of_stock",
                fields={"quantity": [f"At most {available} more can be added."]},
            )
        if line is None:
            lines.append(
                new_line(
                    cart,
                    product=product,
                    variant=variant,
                    quantity=wanted,
                    now=cart.updated_at,
                )
            )
        else:
            line.item.quantity = wanted
        # Option values and bundle components of every line, the new one included.
        selectors.cart_line_extras([x.variant for x in lines if x.variant is not None])
        info = cart_info_fetch(cart=cart, now=cart.updated_at, lines=lines)
        priced = cart_write_finish(info, locale=locale)
    return priced


def _line_get(info, item_id: str) -> CartLine:
    """A line of the fetched cart by id; any other line is a 404."""
    line = next((x for x in info.lines if x.item.pk == item_id), None)
    if line is None:
        raise NotFound("Cart item not found.")
    return line


def cart_item_update(
    *, cart: Order | CartKey, item_id: str, quantity: int, locale: str | None = None
) -> PricedCart:
    """Set a line's quantity (0 removes it). Above the stock it is capped, with a message."""
    if quantity == 0:
        return cart_item_remove(cart=cart, item_id=item_id, locale=locale)
    with transaction.atomic():
        cart = cart_write_lock(cart)
        info = cart_info_fetch(cart=cart, now=cart.updated_at)
        line = _line_get(info, item_id)
        variant, product = line.variant, line.product
        if product is None or product.status != Product.Status.PUBLISHED:
            raise ValidationFailed(
                "This item is no longer available.",
                code="product_unavailable",
                fields={"item": ["No longer available."]},
            )
        _check_quantity_limits(product, quantity)
        notes: list[Message] = []
        available = variant.available_stock(cart.mode)
        if product.track_inventory and quantity > available:
            if available < max(product.min_order_quantity, 1):
                raise Conflict(
                    f"{product.name} is out of stock.",
                    code="out_of_stock",
                    fields={"quantity": ["Out of stock."]},
                )
            quantity = available
            notes.append(
                Message(
                    "stock_limited",
                    f"Only {quantity} of {product.name} left in stock; the quantity was set to "
                    f"{quantity}.",
                    item_id=line.item.pk,
                )
            )
        line.item.quantity = quantity
        priced = cart_write_finish(info, locale=locale, notes=notes)
    return priced


def cart_item_remove(
    *, cart: Order | CartKey, item_id: str, locale: str | None = None
) -> PricedCart:
    """Remove a line of the cart (another cart's line is a 404)."""
    with transaction.atomic():
        cart = cart_write_lock(cart)
        info = cart_info_fetch(cart=cart, now=cart.updated_at)
        line = _line_get(info, item_id)
        line.item.delete()
        info.lines.remove(line)
        priced = cart_write_finish(info, locale=locale)
    return priced

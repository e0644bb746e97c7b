"""Writing a priced cart's amounts, names and tax lines onto its row and lines
(checkout, and every cart write)."""

from __future__ import annotations

from catalog import bundles as catalog_bundles
from core.currencies import base_context
from orders.models import Order, OrderItem

from .price import PricedCart
from .rules import discount_amounts


def cart_snapshot(*, priced: PricedCart) -> None:
    """Write a priced cart's amounts onto its row and lines (checkout calls this at placement).

    Order: ``subtotal/discount/shipping/tax/total_amount``, ``tax_inclusive``,
    ``tax_breakdown`` (``[{"name", "rate" (decimal string), "amount" (minor units),
    "jurisdiction"}]``), the discount fields and ``shipping_option`` (``{"id", "name",
    "price"}``, price in minor units). Lines: ``unit_price/subtotal/discount/tax_amount``,
    product and variant names, sku, product type and ``requires_shipping``.
    """
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
    Order.objects.filter(pk=cart.pk).update(
        currency=cart.currency,
        exchange_rate=cart.exchange_rate,
        subtotal_amount=cart.subtotal_amount,
        discount_amount=cart.discount_amount,
        shipping_amount=cart.shipping_amount,
        tax_amount=cart.tax_amount,
        total_amount=cart.total_amount,
        tax_inclusive=cart.tax_inclusive,
        tax_breakdown=cart.tax_breakdown,
        discount=cart.discount,
        discount_code=cart.discount_code,
        discount_type=cart.discount_type,
        discount_value=cart.discount_value,
        shipping_option=cart.shipping_option,
    )
    items = []
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
        items.append(item)
    if items:
        OrderItem.objects.bulk_update(
            items,
            [
                "product_name",
                "product_slug",
                "variant_name",
                "sku",
                "product_type",
                "requires_shipping",
                "unit_price_amount",
                "subtotal_amount",
                "discount_amount",
                "tax_amount",
                "bundle_components",
            ],
        )

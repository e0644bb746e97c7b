"""Values the API derives from a product and its prefetched variants (no queries here).

``inStock``, ``inventoryCount``, ``priceMin``/``priceMax``, ``hasVariants``, ``variantCount``,
``defaultVariantId`` and the rich ``price`` object, computed once per product and cached on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from core.locales import translated
from core.money import format_minor

from .models import Product, Variant, bundle_available

TAX_NOTE_EXCLUSIVE = "+ tax at checkout"
TAX_NOTE_INCLUSIVE = "incl. tax"


@dataclass(frozen=True)
class ProductFacts:
    variants: list[Variant]
    default_variant: Variant | None
    option_variants: list[Variant]
    in_stock: bool
    inventory_count: int
    price_min: int
    price_max: int
    current_price: int
    on_sale: bool

    @property
    def is_simple(self) -> bool:
        return self.default_variant is not None

    @property
    def variant_count(self) -> int:
        return len(self.variants)


def variant_in_stock(variant: Variant, product: Product, mode: str = "live") -> bool:
    return not product.track_inventory or variant.available_stock(mode) > 0


def product_stock(product: Product, mode: str = "live") -> tuple[bool, int]:
    """``(inStock, inventoryCount)`` as a key of ``mode`` sees them (test mode: what test
    mode can buy), from the prefetched variants. A bundle's are the whole bundles its
    components allow (its rows attached by ``catalog.bundles.bundles_attach``)."""
    if product.product_type == Product.ProductType.BUNDLE:
        count = bundle_available(getattr(product, "_bundle_rows", None) or [], mode)
        return count > 0, count
    if mode == "live":
        facts = product_facts(product)
        return facts.in_stock, facts.inventory_count
    variants = product_facts(product).variants
    in_stock = bool(variants) and (
        not product.track_inventory
        or any(v.available_stock(mode) > 0 for v in variants)
    )
    if product.product_type == Product.ProductType.BUNDLE:
        return in_stock, 0
    return in_stock, sum(v.available_stock(mode) for v in variants)


def variant_name(variant: Variant, locale: str | None = None) -> str:
    """ "M / Red" from the option values (in option order, in ``locale`` where translated);
    "" for a default variant."""
    values = sorted(
        variant.option_values.all(), key=lambda v: (v.option.position, v.position)
    )
    return " / ".join(translated(v, "value", locale) for v in values)


def variant_option_map(variant: Variant, locale: str | None = None) -> dict[str, str]:
    """``{"Size": "M"}`` (option names and values in ``locale`` where translated)."""
    values = sorted(
        variant.option_values.all(), key=lambda v: (v.option.position, v.position)
    )
    return {
        translated(v.option, "name", locale): translated(v, "value", locale)
        for v in values
    }


def product_facts(
    product: Product, at: datetime | None = None, variants: list[Variant] | None = None
) -> ProductFacts:
    """Derived values of ``product`` from its prefetched variants (or ``variants``)."""
    cached = getattr(product, "_facts", None)
    if cached is not None:
        return cached
    at = at or timezone.now()
    variants = list(product.variants.all()) if variants is None else variants
    default = next((v for v in variants if v.is_default), None)
    option_variants = [v for v in variants if not v.is_default]
    current = product.current_price_amount(at)
    prices = [
        v.price_amount if v.price_amount is not None else current for v in variants
    ] or [current]
    stock = sum(max(v.stock, 0) for v in variants)
    facts = ProductFacts(
        variants=variants,
        default_variant=default,
        option_variants=option_variants,
        in_stock=bool(variants)
        and (not product.track_inventory or any(v.stock > 0 for v in variants)),
        inventory_count=0
        if product.product_type == Product.ProductType.BUNDLE
        else stock,
        price_min=min(prices),
        price_max=max(prices),
        current_price=current,
        on_sale=product.sale_active(at),
    )
    product._facts = facts
    return facts


def price_object(
    product: Product,
    *,
    currency: str,
    tax_inclusive: bool,
    locale: str,
    conversion=None,
) -> dict:
    """The reference's rich ``price`` object (amounts in minor units, strings localised).

    ``conversion`` (a ``core.currencies.CurrencyContext``) shows it in another currency: a
    simple product's explicit price there wins (no sale shown), else every amount converts.
    """
    facts = product_facts(product)
    original = product.price_amount
    sale = product.sale_price_amount if facts.on_sale else None
    current = facts.current_price
    if conversion is not None and not conversion.is_base:
        currency = conversion.currency
        default = facts.default_variant
        explicit = (default.currency_prices or {}) if default is not None else {}
        if currency in explicit:
            current = original = int(explicit[currency])
            sale = None
        else:
            current = conversion.convert(current)
            original = conversion.convert(original)
            sale = conversion.convert(sale)
    on_sale = sale is not None
    discount = None
    if sale is not None and original > 0:
        discount = round((original - sale) * 100 / original)
    return {
        "amount": current,
        "original_amount": original,
        "currency": currency,
        "formatted": format_minor(current, currency, locale),
        "original_formatted": format_minor(original, currency, locale),
        "inclusive": tax_inclusive,
        "note": TAX_NOTE_INCLUSIVE if tax_inclusive else TAX_NOTE_EXCLUSIVE,
        "is_on_sale": on_sale,
        "sale_price": sale,
        "sale_price_formatted": format_minor(sale, currency, locale)
        if sale is not None
        else None,
        "discount_percentage": discount,
        "sale_name": (product.sale_name or None) if on_sale else None,
    }


def variant_price(variant: Variant, conversion=None) -> int:
    """A variant's current price, in ``conversion``'s currency when given (its explicit
    price there, else the base price converted)."""
    amount = variant.current_price_amount()
    if conversion is None:
        return amount
    return conversion.pick(variant.currency_prices, amount)


def price_range(product: Product, conversion) -> tuple[int, int]:
    """``(priceMin, priceMax)`` in ``conversion``'s currency."""
    facts = product_facts(product)
    if conversion is None or conversion.is_base:
        return facts.price_min, facts.price_max
    prices = [
        conversion.pick(
            v.currency_prices,
            v.price_amount if v.price_amount is not None else facts.current_price,
        )
        for v in facts.variants
    ] or [conversion.convert(facts.current_price)]
    return min(prices), max(prices)

"""The public product payload built by plain functions: the read path of the public list and
detail (issue 14), without DRF's field machinery.

:class:`ProductSerializer` stays the documented shape (the OpenAPI schema is built from it)
and the one the private API and webhook payloads use; :func:`products_out` returns the same
dicts for the public surface (``tests/test_flat_products.py`` compares the two), from
:func:`catalog.selectors.products_read_load`'s rows. Keys are snake_case, camelised once
each by the renderer's cached conversion, as for every payload.
"""

from __future__ import annotations

from core.api.fields import TimestampField, context_locale, context_mode
from core.locales import translated
from core.markdown import markdown_html
from core.money import format_minor

from . import bundles
from .derived import (
    price_object,
    price_range,
    product_facts,
    product_stock,
    variant_in_stock,
    variant_name,
    variant_price,
)
from .models import Product
from .selectors import ProductReadOut

_timestamp = TimestampField().to_representation
BUNDLE = Product.ProductType.BUNDLE
DIGITAL = Product.ProductType.DIGITAL


class _Writer:
    """One request's settings, read once for every product of the page."""

    def __init__(self, context: dict):
        store = context["store"]
        self.store = store
        self.mode = context_mode(context)
        self.locale = context_locale(context)
        self.content_locale = context.get("content_locale")
        self.conversion = context.get("currency")
        self.shown_currency = (
            self.conversion.currency if self.conversion else store.currency
        )

    def money(self, amount: int, currency: str) -> dict:
        return {
            "amount": amount,
            "currency": currency,
            "formatted": format_minor(amount, currency, self.locale),
        }

    def store_money(self, amount: int | None) -> dict | None:
        if amount is None:
            return None
        return self.money(int(amount), self.store.currency)

    def text(self, obj, field: str) -> str:
        value = translated(obj, field, self.content_locale)
        return value if value is None else str(value)

    def variant(self, variant, product, values) -> dict:
        locale = self.content_locale
        return {
            "id": variant.pk,
            "name": " / ".join(translated(v, "value", locale) for v in values),
            "sku": variant.sku,
            "price": self.money(
                int(variant_price(variant, self.conversion)), self.shown_currency
            ),
            "in_stock": variant_in_stock(variant, product, self.mode),
            "inventory_count": variant.available_stock(self.mode),
            "option_values": {
                translated(v.option, "name", locale): translated(v, "value", locale)
                for v in values
            },
            "position": variant.position,
            "media_id": variant.media_id,
        }

    def component(self, row) -> dict:
        variant = row.component
        return {
            "variant_id": row.component_id,
            "product_id": variant.product_id,
            "product_name": variant.product.name,
            "variant_name": variant_name(variant) or None,
            "sku": variant.sku or variant.product.sku or None,
            "quantity": row.quantity,
            "price": self.store_money(variant.current_price_amount()),
        }

    def product(self, read: ProductReadOut) -> dict:
        product = read.product
        mode = self.mode
        facts = product_facts(product, variants=read.variants)
        in_stock, inventory_count = product_stock(product, mode)
        price_min, price_max = price_range(product, self.conversion)
        option_variants = facts.option_variants
        media = read.media
        locale = self.content_locale
        review_count, average_rating = product.review_summary(mode)
        is_bundle = product.product_type == BUNDLE
        rows = (getattr(product, "_bundle_rows", None) or []) if is_bundle else []
        if is_bundle:
            value = bundles.bundle_value(rows)
            bundle_value = self.store_money(value)
            bundle_saving = self.store_money(max(value - facts.current_price, 0))
        else:
            bundle_value = bundle_saving = None
        max_order = product.max_order_quantity
        fixed_rate = product.fixed_shipping_rate_amount
        return {
            "id": product.pk,
            "slug": product.slug,
            "name": self.text(product, "name"),
            "summary": self.text(product, "summary"),
            "description": self.text(product, "description"),
            "description_html": markdown_html(
                translated(product, "description", locale)
            ),
            "status": product.status,
            "product_type": product.product_type,
            "featured": product.featured,
            "digital": product.product_type == DIGITAL,
            "subscription": product.subscription_terms(),
            "track_inventory": product.track_inventory,
            "in_stock": in_stock,
            "inventory_count": inventory_count,
            "shipping_type": product.shipping_type,
            "require_delivery_or_collection": product.require_delivery_or_collection,
            "fixed_shipping_rate_cents": None
            if fixed_rate is None
            else int(fixed_rate),
            "min_order_quantity": product.min_order_quantity,
            "max_order_quantity": None if max_order is None else int(max_order),
            "price": price_object(
                product,
                currency=self.store.currency,
                tax_inclusive=self.store.tax_inclusive,
                locale=self.locale,
                conversion=self.conversion,
            ),
            "price_min": price_min,
            "price_max": price_max,
            "has_variants": bool(option_variants),
            "has_required_options": bool(option_variants),
            "variant_count": facts.variant_count,
            "quick_add_eligible": facts.is_simple
            and in_stock
            and product.min_order_quantity <= 1,
            "default_variant_id": facts.default_variant.pk
            if facts.default_variant
            else None,
            "media": [
                {
                    "id": item.pk,
                    "path": item.file.name,
                    "alt": item.alt,
                    "is_video": item.is_video,
                    "aspect_ratio": None
                    if item.aspect_ratio is None
                    else float(item.aspect_ratio),
                }
                for item in media
            ],
            "primary_media_id": media[0].pk if media else None,
            "options": [
                {
                    "id": option.pk,
                    "name": self.text(option, "name"),
                    "position": option.position,
                    "values": [translated(v, "value", locale) for v in values],
                }
                for option, values in read.options
            ],
            "variants": [
                self.variant(v, product, read.variant_values.get(v.pk, ()))
                for v in option_variants
            ],
            "categories": [
                {"id": c.pk, "name": self.text(c, "name"), "slug": c.slug}
                for c in read.categories
                if c.published
            ],
            "review_count": review_count,
            "average_rating": average_rating,
            "sort_order": product.sort_order,
            "created_at": _timestamp(product.created_at),
            "updated_at": _timestamp(product.updated_at),
            "components": [self.component(row) for row in rows],
            "bundle_value": bundle_value,
            "bundle_saving": bundle_saving,
        }


def products_out(reads: list[ProductReadOut], context: dict) -> list[dict]:
    """The public payloads of ``reads`` (what ``ProductSerializer(many=True)`` gives)."""
    writer = _Writer(context)
    return [writer.product(read) for read in reads]

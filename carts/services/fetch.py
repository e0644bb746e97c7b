"""Reading a cart: its lines with the catalog rows they price from, where its tax is
computed and the store's conversion into its currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from catalog.models import Product, Variant
from core.countries import normalize_state
from core.currencies import (
    CurrencyContext,
    UnsupportedCurrency,
    base_context,
    currency_context,
)
from core.money import Money
from orders.models import Order, OrderItem

from .. import pricing
from ..pricing import Destination


@dataclass
class CartLine:
    """A cart line with the catalog rows it reads its name, price and stock from."""

    item: OrderItem
    variant: Variant
    product: Product
    unit_price: int
    category_ids: frozenset[str] = frozenset()
    result: pricing.LineResult | None = None
    #: The cart's key mode: test mode sees what test mode can buy.
    mode: str = "live"

    @property
    def id(self) -> str:
        return self.item.pk

    @property
    def quantity(self) -> int:
        return self.item.quantity

    @property
    def is_simple(self) -> bool:
        return self.variant.is_default

    @property
    def variant_id(self) -> str | None:
        """None for a simple product's default variant, as the API reference shows."""
        return None if self.is_simple else self.variant.pk

    @property
    def variant_name(self) -> str | None:
        if self.is_simple:
            return None
        values = [value.value for value in self.variant.option_values.all()]
        return " / ".join(values) or self.variant.sku or None

    @property
    def requires_shipping(self) -> bool:
        return self.product.requires_shipping

    @property
    def weight_grams(self) -> int:
        return self.variant.weight_grams or self.product.weight_grams or 0

    @property
    def image(self) -> dict | None:
        media = list(self.product.media.all())
        if not media:
            return None
        first = media[0]
        return {
            "id": first.pk,
            "path": first.file.name,
            "alt": first.alt or self.product.name,
        }

    @property
    def in_stock(self) -> bool:
        return self.variant.is_purchasable_quantity(self.quantity, self.mode)

    @property
    def inventory_count(self) -> int | None:
        if not self.product.track_inventory:
            return None
        return self.variant.available_stock(self.mode)

    @property
    def price(self) -> Money:
        return self.result.unit_price

    @property
    def subtotal(self) -> Money:
        return self.result.subtotal

    def price_line(self) -> pricing.PriceLine:
        return pricing.PriceLine(
            key=self.item.pk,
            product_id=self.product.pk,
            unit_price=self.unit_price,
            quantity=self.item.quantity,
            category_ids=self.category_ids,
            requires_shipping=self.requires_shipping,
            weight_grams=self.weight_grams,
        )


#: ``Order.metadata`` key of a subscription's renewal cart (the ``subscriptions`` app).
RENEWAL_METADATA_KEY = "subscription_id"


def line_unit_price(
    cart: Order, product: Product, variant, now: datetime, conversion: CurrencyContext
) -> int:
    """What a line costs per unit in the cart's currency (the variant's explicit price in
    it, else its price converted). A subscription with a free trial costs nothing at
    checkout: its first charge is made at the trial's end, by a renewal cart (marked with
    ``metadata.subscription_id``), which pays the price."""
    if (
        product.is_subscription
        and product.subscription_trial_days
        and not (cart.metadata or {}).get(RENEWAL_METADATA_KEY)
    ):
        return 0
    return conversion.pick(variant.currency_prices, variant.current_price_amount(now))


def cart_conversion(cart: Order) -> CurrencyContext:
    """The store's conversion into the cart's currency; a currency the store no longer
    offers (multi-currency turned off, the rate removed) falls back to the store's own."""
    try:
        return currency_context(cart.store, cart.currency)
    except UnsupportedCurrency:
        return base_context(cart.store)


def _destination_from_address(address: dict) -> Destination:
    country = address.get("country_code") or ""
    return Destination(
        country_code=country,
        state=normalize_state(country, address.get("state")),
        postcode=address.get("postcode") or "",
    )


def cart_destination(cart: Order) -> Destination:
    """Where a cart's tax is computed: the saved shipping address, else the visitor's country,
    else the store's country."""
    if cart.shipping_address:
        return _destination_from_address(cart.shipping_address)
    return Destination(country_code=cart.visitor_country or cart.store.country)

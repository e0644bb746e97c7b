"""Pricing a cart: :func:`cart_price` (corrections, then the one engine,
``carts.pricing.price``) and :class:`PricedCart`, what every cart response and checkout
read; ``GET /cart`` (:func:`cart_fetch`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from core.currencies import CurrencyContext
from core.money import Money
from customers.models import Customer
from orders.models import Order

from .. import pricing
from ..models import Discount, ShippingMethod
from ..pricing import Destination, Message, PricingResult
from .corrections import Corrections, cart_correct, cart_corrections_save
from .fetch import CartInfo, CartLine, cart_info_fetch
from .lifecycle import cart_get_or_create
from .rules import (
    available_shipping,
    discount_amounts,
    discount_rule,
    message_dicts,
    shipping_rule,
    store_settings,
    tax_rule,
)


@dataclass
class ShippingOption:
    """A shipping method offered to a cart, at the price this cart would pay for it."""

    method: ShippingMethod
    price: Money

    @property
    def id(self) -> str:
        return self.method.pk

    @property
    def name(self) -> str:
        return self.method.name

    @property
    def description(self) -> str:
        return self.method.description

    @property
    def estimated_min_days(self) -> int | None:
        return self.method.estimated_min_days

    @property
    def estimated_max_days(self) -> int | None:
        return self.method.estimated_max_days


@dataclass
class PricedCart:
    """A cart after corrections and pricing: what every cart response and checkout read.

    ``result`` is the engine's :class:`~carts.pricing.PricingResult`; ``messages`` holds the
    corrections made while loading plus the engine's own messages.
    """

    cart: Order
    lines: list[CartLine]
    result: PricingResult
    destination: Destination
    discount: Discount | None = None
    shipping_method: ShippingMethod | None = None
    customer: Customer | None = None
    shipping_options: list[ShippingOption] | None = None
    messages: list[Message] = field(default_factory=list)
    #: The store's conversion into the cart's currency (the rate the order keeps).
    conversion: CurrencyContext | None = None
    #: What the price was computed from (to price the same cart again after a change).
    info: CartInfo | None = None

    # Facts the Cart object shows.
    @property
    def has_shipping_address(self) -> bool:
        return bool(self.cart.shipping_address)

    @property
    def has_billing_address(self) -> bool:
        return bool(self.cart.billing_address) and not self.cart.same_as_shipping

    @property
    def has_checkout_data(self) -> bool:
        """Email saved, and a shipping address when the cart needs shipping."""
        if not self.cart.email:
            return False
        return self.has_shipping_address or not self.result.requires_shipping

    @property
    def is_authenticated(self) -> bool:
        return self.customer is not None

    @property
    def customer_snapshot(self) -> dict | None:
        if self.customer is not None:
            return {
                "customer_id": self.customer.pk,
                "email": self.customer.email,
                "first_name": self.customer.first_name or None,
                "last_name": self.customer.last_name or None,
            }
        if self.cart.email:
            return {
                "customer_id": None,
                "email": self.cart.email,
                "first_name": None,
                "last_name": None,
            }
        return None

    @property
    def discount_code(self) -> str | None:
        return self.discount.code if self.discount else None

    @property
    def discount_type(self) -> str | None:
        return self.discount.type if self.discount else None

    @property
    def discount_value(self) -> int | None:
        if self.discount is None or self.discount.type == Discount.Type.FREE_SHIPPING:
            return None
        if self.discount.type == Discount.Type.FIXED and self.conversion is not None:
            return discount_amounts(self.discount, self.conversion)[0]
        return self.discount.value

    @property
    def shipping_option(self) -> dict | None:
        if self.shipping_method is None:
            return None
        return {
            "id": self.shipping_method.pk,
            "name": self.shipping_method.name,
            "price": self.result.shipping,
        }

    @property
    def message_dicts(self) -> list[dict]:
        return message_dicts(self.messages)


def shipping_options_priced(
    methods: list[ShippingMethod],
    *,
    discount: pricing.DiscountRule | None,
    discounted_subtotal: int,
    conversion: CurrencyContext,
) -> list[ShippingOption]:
    """``methods`` at the price a cart with this discount and subtotal would pay."""
    return [
        ShippingOption(
            method=method,
            price=Money(
                pricing.shipping_price(
                    shipping_rule(method, conversion),
                    discount=discount,
                    discounted_subtotal=discounted_subtotal,
                ),
                conversion.currency,
            ),
        )
        for method in methods
    ]


def cart_info_price(
    info: CartInfo,
    corrections: Corrections,
    *,
    locale: str | None = None,
    estimate: bool = False,
) -> PricedCart:
    """Price a corrected cart with the one engine. Computes only: no query, no write.

    ``estimate=True`` prices shipping with the chosen option if it ships to the
    destination, else the cheapest option that does, and lists ``shipping_options``.
    """
    cart, lines, conversion = info.cart, info.lines, info.conversion
    destination = info.destination
    settings = store_settings(info.store, locale, conversion)
    rule = discount_rule(info.discount, conversion) if info.discount else None
    price_lines = [line.price_line() for line in lines]
    method = cart.shipping_method if cart.shipping_method_id else None
    options: list[ShippingMethod] = []
    if estimate:
        if any(line.requires_shipping for line in lines):
            options = available_shipping(
                info.store,
                info.shipping_methods or [],
                country_code=destination.country_code,
                weight=sum(
                    line.weight_grams * line.quantity
                    for line in lines
                    if line.requires_shipping
                ),
            )
        if method is None or method.pk not in {m.pk for m in options}:
            goods = pricing.price(
                lines=price_lines,
                destination=destination,
                settings=settings,
                discount=rule,
            )
            discounted = goods.subtotal.amount - goods.discount.amount
            method = min(
                options,
                key=lambda m: pricing.shipping_price(
                    shipping_rule(m, conversion),
                    discount=rule,
                    discounted_subtotal=discounted,
                ),
                default=None,
            )
    result = pricing.price(
        lines=price_lines,
        destination=destination,
        settings=settings,
        discount=rule,
        shipping=shipping_rule(method, conversion) if method is not None else None,
        tax_rates=[tax_rule(rate) for rate in info.tax_rates],
    )
    for line in lines:
        line.result = result.line(line.item.pk)
    messages = [
        *corrections.messages,
        *(m for m in result.messages if m.code != "discount_removed"),
    ]
    shipping_options = None
    if estimate:
        shipping_options = shipping_options_priced(
            options,
            discount=rule,
            discounted_subtotal=result.subtotal.amount - result.discount.amount,
            conversion=conversion,
        )
    return PricedCart(
        cart=cart,
        lines=lines,
        result=result,
        destination=destination,
        discount=info.discount.discount if info.discount else None,
        shipping_method=method,
        customer=info.customer,
        shipping_options=shipping_options,
        messages=messages,
        conversion=conversion,
        info=info,
    )


def cart_price(
    *,
    cart: Order,
    persist: bool = True,
    destination: Destination | None = None,
    estimate: bool = False,
    locale: str | None = None,
    now: datetime | None = None,
) -> PricedCart:
    """Correct and price a cart: the one computation behind every cart response and checkout.

    Fetch (:func:`~carts.services.fetch.cart_info_fetch`), correct
    (:func:`~carts.services.corrections.cart_correct`, each correction with a
    ``messages`` entry), write the corrections unless ``persist=False`` (the estimate, a
    renewal's price), then price (:func:`cart_info_price`).

    ``destination`` overrides where tax is computed (default: the shipping address, else
    the visitor's country). ``estimate=True`` prices shipping with the selected option if
    it ships to the destination, else the cheapest option that does, and lists
    ``shipping_options``.
    """
    info = cart_info_fetch(
        cart=cart,
        now=now or timezone.now(),
        destination=destination,
        estimate=estimate,
    )
    corrections = cart_correct(info, estimate=estimate)
    if persist:
        cart_corrections_save(cart, corrections)
    return cart_info_price(info, corrections, locale=locale, estimate=estimate)


def cart_fetch(
    *,
    store,
    mode: str,
    cart_token: str,
    visitor_country: str = "",
    locale: str | None = None,
    currency: str | None = None,
) -> PricedCart:
    """``GET /cart``: the visitor's open cart (created when new), corrected and priced."""
    cart = cart_get_or_create(
        store=store,
        mode=mode,
        cart_token=cart_token,
        visitor_country=visitor_country,
        currency=currency,
    )
    return cart_price(cart=cart, locale=locale)

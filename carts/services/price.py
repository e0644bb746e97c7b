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
from customers.selectors import session_customer_get
from orders.models import Order

from .. import pricing, selectors
from ..models import Discount, ShippingMethod
from ..pricing import Destination, Message, PricingResult
from .corrections import load_lines
from .fetch import CartLine, cart_conversion, cart_destination
from .lifecycle import cart_get_or_create, expire_personal_data
from .rules import (
    ENGINE_BECAUSE,
    available_shipping,
    discount_amounts,
    discount_for_lines,
    discount_refusal,
    discount_removed_message,
    shipping_rule,
    store_settings,
    tax_rules,
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
        return [
            {
                "code": m.code,
                "level": m.level,
                "message": m.message,
                "item_id": m.item_id,
            }
            for m in self.messages
        ]


def cart_price(  # noqa: C901 (split by the architecture work, issue 15)
    *,
    cart: Order,
    persist: bool = True,
    destination: Destination | None = None,
    estimate: bool = False,
    locale: str | None = None,
    now: datetime | None = None,
) -> PricedCart:
    """Correct and price a cart: the one computation behind every cart response and checkout.

    Corrections (each with a ``messages`` entry): lines whose product is gone, unpublished or
    out of stock are removed; quantities above stock or the product maximum are capped; a
    discount that no longer qualifies is dropped; a shipping option that no longer applies to
    the address (or weight) is dropped. Personal data of a cart idle over 2 hours is cleared.
    With ``persist=False`` (the estimate) the corrections are made in memory only.

    ``destination`` overrides where tax is computed (default :func:`cart_destination`).
    ``estimate=True`` prices shipping with the selected option if it ships to the destination,
    else the cheapest option that does, and lists ``shipping_options``.
    """
    now = now or timezone.now()
    store = cart.store
    conversion = cart_conversion(cart)
    if conversion.currency != cart.currency:
        cart.currency = conversion.currency
        if persist:
            Order.objects.filter(pk=cart.pk, type=Order.Type.CART).update(
                currency=cart.currency
            )
    settings = store_settings(store, locale, conversion)
    messages: list[Message] = []

    expire_personal_data(cart, now=now, persist=persist)
    lines = load_lines(
        cart, now=now, persist=persist, messages=messages, conversion=conversion
    )
    customer = session_customer_get(
        store=store, mode=cart.mode, cart_token=cart.cart_token
    )
    destination = destination or cart_destination(cart)

    # Discount: availability here, minimum and qualifying lines in the engine.
    discount = cart.discount if cart.discount_id else None
    rule = None
    drop_discount = False
    if discount is None and cart.discount_code:
        messages.append(
            discount_removed_message(cart.discount_code, "it is no longer valid")
        )
        drop_discount = True
    elif discount is not None:
        refusal = discount_refusal(
            discount, now=now, mode=cart.mode, customer=customer, email=cart.email
        )
        if refusal is not None:
            messages.append(discount_removed_message(discount.code, refusal.because))
            discount, drop_discount = None, True
        else:
            rule, rejection = discount_for_lines(
                discount, lines, store=store, settings=settings, conversion=conversion
            )
            if rejection is not None:
                messages.append(
                    discount_removed_message(
                        discount.code, ENGINE_BECAUSE[rejection.code]
                    )
                )
                discount, rule, drop_discount = None, None, True

    price_lines = [line.price_line() for line in lines]
    requires_shipping = any(line.requires_shipping for line in lines)
    weight = sum(
        line.weight_grams * line.quantity for line in lines if line.requires_shipping
    )

    # Shipping: the chosen method while it still applies; the estimate picks one itself.
    method = cart.shipping_method if cart.shipping_method_id else None
    drop_shipping = False
    options: list[ShippingMethod] | None = None
    removed_name = None
    if method is None and cart.shipping_option and not estimate:
        removed_name, drop_shipping = (
            cart.shipping_option.get("name") or "you chose",
            True,
        )
    elif method is not None and not requires_shipping:
        method, drop_shipping = None, True
    elif method is not None and not estimate:
        address_country = (cart.shipping_address or {}).get("country_code")
        if (
            not method.active
            or not address_country
            or not available_shipping(
                store, [method], country_code=address_country, weight=weight
            )
        ):
            removed_name, method, drop_shipping = method.name, None, True
    if removed_name:
        messages.append(
            Message(
                "shipping_option_removed",
                f"The shipping option {removed_name} is no longer available for your cart and was "
                "removed. Please choose another.",
            )
        )
    if estimate:
        options = []
        if requires_shipping:
            options = available_shipping(
                store,
                selectors.shipping_methods_active(store=store),
                country_code=destination.country_code,
                weight=weight,
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
        tax_rates=tax_rules(store, destination),
    )
    for line in lines:
        line.result = result.line(line.item.pk)
    messages.extend(m for m in result.messages if m.code != "discount_removed")

    # Conditional updates: a code or option chosen meanwhile by another request stays.
    if drop_discount:
        old_code = cart.discount_code
        cart.discount, cart.discount_code, cart.discount_type = None, "", ""
        cart.discount_value = None
        if persist:
            Order.objects.filter(pk=cart.pk, discount_code=old_code).update(
                discount=None, discount_code="", discount_type="", discount_value=None
            )
    if drop_shipping:
        old_method_id = cart.shipping_method_id
        cart.shipping_method, cart.shipping_option = None, None
        if persist:
            Order.objects.filter(pk=cart.pk, shipping_method_id=old_method_id).update(
                shipping_method=None, shipping_option=None
            )

    shipping_options = None
    if estimate:
        discounted = result.subtotal.amount - result.discount.amount
        shipping_options = [
            ShippingOption(
                method=m,
                price=Money(
                    pricing.shipping_price(
                        shipping_rule(m, conversion),
                        discount=rule,
                        discounted_subtotal=discounted,
                    ),
                    conversion.currency,
                ),
            )
            for m in options
        ]
    return PricedCart(
        cart=cart,
        lines=lines,
        result=result,
        destination=destination,
        discount=discount,
        shipping_method=method,
        customer=customer,
        shipping_options=shipping_options,
        messages=messages,
        conversion=conversion,
    )


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

"""The pricing engine's inputs built from rows (store settings, tax, shipping and
discount rules in the cart's currency) and the rules a discount code must meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.addresses import store_shipping_countries
from core.currencies import CurrencyContext
from core.exceptions import ValidationFailed

from .. import pricing
from ..models import Discount, ShippingMethod, TaxRate
from ..pricing import Message

#: Email, addresses, notes and the shipping choice are dropped after this much inactivity.
PERSONAL_DATA_TTL = timedelta(hours=2)
#: What a cart idle over :data:`PERSONAL_DATA_TTL` forgets.
PERSONAL_DATA_CLEARED = {
    "email": "",
    "shipping_address": None,
    "billing_address": None,
    "same_as_shipping": True,
    "notes": "",
    "shipping_method": None,
    "shipping_option": None,
}


@dataclass(frozen=True)
class DiscountFacts:
    """What pricing needs to know of a discount code besides its row: the products and
    the categories (with their descendants) it is restricted to, and how often the
    cart's customer used it. Loaded by :func:`carts.services.fetch.discount_facts_fetch`."""

    discount: Discount
    product_ids: frozenset[str] = frozenset()
    category_ids: frozenset[str] = frozenset()
    customer_uses: int = 0


def message_dicts(messages) -> list[dict]:
    """Messages as the Cart object's ``messages`` shows them."""
    return [
        {"code": m.code, "level": m.level, "message": m.message, "item_id": m.item_id}
        for m in messages
    ]


def personal_data_expired(cart, now: datetime) -> bool:
    """Whether the cart has been idle over 2 hours and still holds personal data."""
    if cart.updated_at is None or now - cart.updated_at <= PERSONAL_DATA_TTL:
        return False
    return bool(
        cart.email
        or cart.shipping_address
        or cart.billing_address
        or cart.notes
        or cart.shipping_method_id
    )


def store_settings(
    store, locale: str | None = None, conversion: CurrencyContext | None = None
) -> pricing.StoreSettings:
    return pricing.StoreSettings(
        currency=conversion.currency if conversion is not None else store.currency,
        tax_inclusive=store.tax_inclusive,
        locale=locale or store.locale,
    )


def discount_amounts(
    discount: Discount, conversion: CurrencyContext
) -> tuple[int, int | None]:
    """A discount's ``(value, minimum subtotal)`` in the conversion's currency: its explicit
    amounts there, else converted plainly (no price rounding). Percentages stay."""
    explicit = (discount.currency_amounts or {}).get(conversion.currency) or {}
    if conversion.is_base:
        explicit = {}
    value = discount.value
    if discount.type == Discount.Type.FIXED:
        value = (
            int(explicit["value"])
            if "value" in explicit
            else conversion.convert(value, price=False)
        )
    minimum = (
        int(explicit["minimum_subtotal"])
        if "minimum_subtotal" in explicit
        else conversion.convert(discount.minimum_subtotal_amount, price=False)
    )
    return value, minimum


def tax_rule(rate: TaxRate) -> pricing.TaxRule:
    return pricing.TaxRule(
        id=rate.pk,
        country_code=rate.country_code,
        name=rate.name,
        rate=rate.rate,
        state=rate.state,
        postcode_prefix=rate.postcode_prefix,
        applies_to_shipping=rate.applies_to_shipping,
    )


def shipping_rule(
    method: ShippingMethod, conversion: CurrencyContext | None = None
) -> pricing.ShippingRule:
    price, free_above = method.price_amount, method.free_above_amount
    if conversion is not None and not conversion.is_base:
        explicit = (method.currency_amounts or {}).get(conversion.currency) or {}
        price = (
            int(explicit["price"]) if "price" in explicit else conversion.convert(price)
        )
        free_above = (
            int(explicit["free_above"])
            if "free_above" in explicit
            else conversion.convert(free_above, price=False)
        )
    return pricing.ShippingRule(
        id=method.pk,
        name=method.name,
        price=price,
        description=method.description,
        countries=tuple(method.countries or ()),
        estimated_min_days=method.estimated_min_days,
        estimated_max_days=method.estimated_max_days,
        free_above=free_above,
        min_weight_grams=method.min_weight_grams,
        max_weight_grams=method.max_weight_grams,
    )


def available_shipping(
    store, methods, *, country_code: str, weight: int
) -> list[ShippingMethod]:
    # Availability does not depend on prices: the base rule answers it.
    countries = store_shipping_countries(store)
    return [
        m
        for m in methods
        if shipping_rule(m).available_to(
            country_code=country_code, weight_grams=weight, shipping_countries=countries
        )
    ]


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    because: str


def discount_refusal(
    discount: Discount, *, now: datetime, mode: str, customer_uses: int = 0
) -> Refusal | None:
    """Why ``discount`` cannot be used now, or None. Lines are the engine's. Usage limits
    count the uses of ``mode`` (test mode counts apart from live); ``customer_uses`` is how
    often this customer (by customer record or checkout email) used it in ``mode``."""
    code = discount.code
    if not discount.active:
        return Refusal(
            "discount_inactive",
            f"The discount code {code} is not active.",
            "it is no longer active",
        )
    if discount.starts_at and now < discount.starts_at:
        return Refusal(
            "discount_not_started",
            f"The discount code {code} is not valid yet.",
            "it is not valid yet",
        )
    if discount.expires_at and now >= discount.expires_at:
        return Refusal(
            "discount_expired",
            f"The discount code {code} has expired.",
            "it has expired",
        )
    if discount.usage_limit is not None and discount.used(mode) >= discount.usage_limit:
        return Refusal(
            "discount_exhausted",
            f"The discount code {code} has reached its usage limit.",
            "it has reached its usage limit",
        )
    limit = discount.usage_limit_per_customer
    if limit and customer_uses >= limit:
        return Refusal(
            "discount_already_used",
            f"You have already used the discount code {code}.",
            "you have already used it",
        )
    return None


def refusal_error(refusal: Refusal) -> ValidationFailed:
    return ValidationFailed(
        refusal.message, code=refusal.code, fields={"code": [refusal.message]}
    )


def discount_rule(
    facts: DiscountFacts, conversion: CurrencyContext
) -> pricing.DiscountRule:
    """The engine's rule for a discount, in the conversion's currency."""
    value, minimum = discount_amounts(facts.discount, conversion)
    return pricing.DiscountRule(
        code=facts.discount.code,
        type=facts.discount.type,
        value=value,
        minimum_subtotal=minimum,
        product_ids=facts.product_ids,
        category_ids=facts.category_ids,
    )


def discount_removed_message(code: str, because: str) -> Message:
    return Message(
        "discount_removed",
        f"The discount code {code} was removed from your cart because {because}.",
    )


ENGINE_BECAUSE = {
    "discount_minimum_not_met": "your subtotal is below its minimum",
    "discount_not_applicable": "it no longer applies to any item in your cart",
}

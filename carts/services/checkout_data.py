"""What checkout needs besides the lines: email, addresses and notes, the shipping
options and the chosen one, the estimate for a destination and ``/tax/calculate``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from catalog.selectors import product_get_purchasable
from core.currencies import currency_context
from core.exceptions import NotFound, ValidationFailed
from orders.models import Order

from .. import pricing, selectors
from ..pricing import Destination, Message, PricingResult
from .corrections import Corrections, cart_correct, cart_personal_data_forget
from .fetch import cart_info_fetch
from .items import variant_resolve
from .lifecycle import CartKey, cart_write_lock
from .price import (
    PricedCart,
    ShippingOption,
    cart_info_price,
    cart_price,
    shipping_options_priced,
)
from .rules import (
    available_shipping,
    discount_rule,
    message_dicts,
    store_settings,
    tax_rule,
)
from .snapshot import cart_write_finish, cart_write_save


@dataclass
class CheckoutDataView:
    """A cart's checkout data, and the messages of the save that produced it."""

    cart: Order
    messages: list[Message] = field(default_factory=list)

    @property
    def message_dicts(self) -> list[dict]:
        return message_dicts(self.messages)


def cart_checkout_data_save(
    *, cart: Order | CartKey, data: dict, locale: str | None = None
) -> PricedCart:
    """Save checkout data; keys absent from ``data`` keep their value, null clears.

    ``data`` holds validated ``email``, ``shipping_address`` / ``billing_address`` (snake_case
    dicts of the Address fields, blanks as None), ``same_as_shipping`` and ``notes``. A billing
    address without ``same_as_shipping`` turns it off; ``same_as_shipping: true`` clears the
    billing address. The cart is re-priced: a shipping option that no longer applies to the
    new address is dropped with a message.
    """
    with transaction.atomic():
        cart = cart_write_lock(cart)
        if "email" in data:
            cart.email = (data["email"] or "").strip()
        if "shipping_address" in data:
            cart.shipping_address = data["shipping_address"]
        if "billing_address" in data:
            cart.billing_address = data["billing_address"]
            if data["billing_address"] and "same_as_shipping" not in data:
                cart.same_as_shipping = False
        if "same_as_shipping" in data:
            cart.same_as_shipping = data["same_as_shipping"]
            if cart.same_as_shipping:
                cart.billing_address = None
        if "notes" in data:
            cart.notes = data["notes"] or ""
        info = cart_info_fetch(cart=cart, now=cart.updated_at)
        priced = cart_write_finish(info, locale=locale)
    return priced


def cart_checkout_data_get(*, store, mode: str, cart_token: str) -> CheckoutDataView:
    """The visitor's checkout data (all empty without a cart or after 2 idle hours)."""
    cart = selectors.cart_find(store=store, mode=mode, cart_token=cart_token)
    if cart is None:
        return CheckoutDataView(
            cart=Order(store=store, mode=mode, cart_token=cart_token)
        )
    cart_personal_data_forget(cart, now=timezone.now())
    return CheckoutDataView(cart=cart)


def _require_shipping_address(cart: Order) -> dict:
    if not cart.shipping_address:
        raise ValidationFailed(
            "Save a shipping address (PUT /cart/checkout-data) to see shipping options.",
            code="shipping_address_required",
            fields={"shipping_address": ["A shipping address is required."]},
        )
    return cart.shipping_address


def cart_shipping_options(
    *, cart: Order, locale: str | None = None
) -> list[ShippingOption]:
    """Shipping methods that ship this cart to its saved address, at this cart's price.

    A 422 until a shipping address is saved; an empty list for a cart that needs no shipping.
    """
    priced = cart_price(cart=cart, locale=locale)
    if not priced.result.requires_shipping:
        return []
    address = _require_shipping_address(priced.cart)
    methods = available_shipping(
        cart.store,
        selectors.shipping_methods_active(store=cart.store),
        country_code=address.get("country_code") or "",
        weight=priced.result.weight_grams,
    )
    facts = priced.info.discount
    return shipping_options_priced(
        methods,
        discount=discount_rule(facts, priced.conversion) if facts else None,
        discounted_subtotal=priced.result.subtotal.amount
        - priced.result.discount.amount,
        conversion=priced.conversion,
    )


def cart_shipping_option_select(
    *, cart: Order | CartKey, shipping_method_id: str, locale: str | None = None
) -> PricedCart:
    """Choose one of the cart's shipping options; any other id is a 422."""
    with transaction.atomic():
        cart = cart_write_lock(cart)
        info = cart_info_fetch(cart=cart, now=cart.updated_at)
        corrections = cart_correct(info)
        priced = cart_info_price(info, corrections, locale=locale)
        if not priced.result.requires_shipping:
            raise ValidationFailed(
                "Nothing in your cart needs shipping.",
                code="shipping_not_required",
                fields={"shipping_option_id": ["This cart needs no shipping."]},
            )
        address = _require_shipping_address(cart)
        method = next(
            (
                m
                for m in available_shipping(
                    cart.store,
                    selectors.shipping_methods_active(store=cart.store),
                    country_code=address.get("country_code") or "",
                    weight=priced.result.weight_grams,
                )
                if m.pk == shipping_method_id
            ),
            None,
        )
        if method is None:
            message = "This shipping option is not available for your address."
            raise ValidationFailed(
                message,
                code="shipping_option_unavailable",
                fields={"shipping_option_id": [message]},
            )
        cart.shipping_method = method
        cart.shipping_option = {"id": method.pk, "name": method.name}
        # The corrections made on the way are written, but the answer is about the option.
        priced = cart_info_price(info, Corrections(), locale=locale)
        cart_write_save(priced, corrections)
    return priced


def cart_estimate(
    *,
    store,
    mode: str,
    cart_token: str,
    destination: Destination,
    locale: str | None = None,
    currency: str | None = None,
) -> PricedCart:
    """Price the visitor's cart for ``destination`` without saving anything (in
    ``currency`` when given)."""
    cart = selectors.cart_find(store=store, mode=mode, cart_token=cart_token)
    if cart is None:
        cart = Order(
            store=store,
            mode=mode,
            type=Order.Type.CART,
            cart_token=cart_token,
            currency=store.currency,
            visitor_country=store.country,
        )
    if currency:
        cart.currency = currency
    return cart_price(
        cart=cart, persist=False, destination=destination, estimate=True, locale=locale
    )


def tax_calculate(
    *,
    store,
    items: list[dict],
    destination: Destination,
    locale: str | None = None,
    currency: str | None = None,
) -> PricingResult:
    """Price an arbitrary basket for ``destination`` (no cart, no discount, no shipping).

    ``items``: ``[{"product_id": id or slug, "variant_id": optional, "quantity": n}]``.
    An unknown or unpublished product is a 422 naming the item.
    """
    now = timezone.now()
    conversion = currency_context(store, currency)
    lines = []
    for index, entry in enumerate(items):
        try:
            product = product_get_purchasable(store=store, ref=entry["product_id"])
        except NotFound as exc:
            raise ValidationFailed(
                "Product not found.",
                code="product_not_found",
                fields={("items", index, "product_id"): ["Product not found."]},
            ) from exc
        variant = variant_resolve(
            product, entry.get("variant_id"), prefix=("items", index)
        )
        variant.product = product
        lines.append(
            pricing.PriceLine(
                key=str(index),
                product_id=product.pk,
                unit_price=conversion.pick(
                    variant.currency_prices, variant.current_price_amount(now)
                ),
                quantity=entry["quantity"],
                requires_shipping=product.requires_shipping,
                weight_grams=variant.weight_grams or product.weight_grams or 0,
            )
        )
    return pricing.price(
        lines=lines,
        destination=destination,
        settings=store_settings(store, locale, conversion),
        tax_rates=[
            tax_rule(rate)
            for rate in selectors.tax_rates_for_country(
                store=store, country_code=destination.country_code
            )
        ],
    )

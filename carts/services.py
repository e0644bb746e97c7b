"""Cart flows, discount redemption and pricing configuration.

Entry points for checkout (call them inside checkout's ``transaction.atomic()``):

- :func:`cart_lock` loads and locks the visitor's open cart.
- :func:`cart_price` prices it with the one engine (``carts.pricing.price``) after applying the
  same corrections every cart response applies (stock caps, unavailable lines, a discount or
  shipping option that no longer applies), and returns a :class:`PricedCart`.
- :func:`cart_snapshot` writes the priced amounts, names and tax lines onto the order row and
  its items.
- :func:`discount_redeem` / :func:`discount_release` count a discount use (usage limits hold
  under concurrency) and give it back after a failed payment.

A cart is an ``orders.Order`` with ``type="cart"``, unique per (store, key mode, X-Cart-Token).
Every mutation locks the cart row (``SELECT ... FOR UPDATE``), so concurrent requests for one
cart apply one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog import bundles as catalog_bundles
from catalog.models import Category, Product, Variant
from catalog.selectors import product_get_purchasable
from catalog.services import convert_amount_columns
from core.addresses import store_shipping_countries
from core.countries import country_get, normalize_state
from core.currencies import (
    CurrencyContext,
    UnsupportedCurrency,
    base_context,
    currency_context,
)
from core.exceptions import Conflict, NotFound, ValidationFailed
from core.money import Money
from customers.models import Customer
from customers.selectors import session_customer_get
from orders.models import Order, OrderItem

from . import pricing, selectors
from .models import (
    USAGE_COUNTER,
    Discount,
    DiscountRedemption,
    ShippingMethod,
    TaxRate,
)
from .pricing import Destination, Message, PricingResult

#: Email, addresses, notes and the shipping choice are dropped after this much inactivity.
PERSONAL_DATA_TTL = timedelta(hours=2)
#: Carts idle this long are deleted by ``carts.tasks.purge_idle_carts``.
CART_TTL = timedelta(days=30)


# -- value objects -----------------------------------------------------------------------------


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
            return _discount_amounts(self.discount, self.conversion)[0]
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


@dataclass
class CheckoutDataView:
    """A cart's checkout data, and the messages of the save that produced it."""

    cart: Order
    messages: list[Message] = field(default_factory=list)

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


# -- small helpers -----------------------------------------------------------------------------


def _settings(
    store, locale: str | None = None, conversion: CurrencyContext | None = None
) -> pricing.StoreSettings:
    return pricing.StoreSettings(
        currency=conversion.currency if conversion is not None else store.currency,
        tax_inclusive=store.tax_inclusive,
        locale=locale or store.locale,
    )


def cart_conversion(cart: Order) -> CurrencyContext:
    """The store's conversion into the cart's currency; a currency the store no longer
    offers (multi-currency turned off, the rate removed) falls back to the store's own."""
    try:
        return currency_context(cart.store, cart.currency)
    except UnsupportedCurrency:
        return base_context(cart.store)


def _discount_amounts(
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


def _tax_rule(rate: TaxRate) -> pricing.TaxRule:
    return pricing.TaxRule(
        id=rate.pk,
        country_code=rate.country_code,
        name=rate.name,
        rate=rate.rate,
        state=rate.state,
        postcode_prefix=rate.postcode_prefix,
        applies_to_shipping=rate.applies_to_shipping,
    )


def _shipping_rule(
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


def _tax_rules(store, destination: Destination) -> list[pricing.TaxRule]:
    return [
        _tax_rule(rate)
        for rate in selectors.tax_rates_for_country(
            store=store, country_code=destination.country_code
        )
    ]


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


def _touch(cart: Order, *fields: str) -> None:
    cart.updated_at = timezone.now()
    Order.objects.filter(pk=cart.pk).update(
        updated_at=cart.updated_at, **{name: getattr(cart, name) for name in fields}
    )


# -- discount rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Refusal:
    code: str
    message: str
    because: str


def _discount_refusal(
    discount: Discount,
    *,
    now: datetime,
    mode: str,
    customer=None,
    email: str = "",
) -> _Refusal | None:
    """Why ``discount`` cannot be used now by this customer, or None. Lines are the engine's.
    Usage limits count the uses of ``mode`` (test mode counts apart from live)."""
    code = discount.code
    if not discount.active:
        return _Refusal(
            "discount_inactive",
            f"The discount code {code} is not active.",
            "it is no longer active",
        )
    if discount.starts_at and now < discount.starts_at:
        return _Refusal(
            "discount_not_started",
            f"The discount code {code} is not valid yet.",
            "it is not valid yet",
        )
    if discount.expires_at and now >= discount.expires_at:
        return _Refusal(
            "discount_expired",
            f"The discount code {code} has expired.",
            "it has expired",
        )
    if discount.usage_limit is not None and discount.used(mode) >= discount.usage_limit:
        return _Refusal(
            "discount_exhausted",
            f"The discount code {code} has reached its usage limit.",
            "it has reached its usage limit",
        )
    if discount.usage_limit_per_customer and (customer is not None or email):
        used = selectors.discount_redemption_count(
            discount=discount, customer=customer, email=email, mode=mode
        )
        if used >= discount.usage_limit_per_customer:
            return _Refusal(
                "discount_already_used",
                f"You have already used the discount code {code}.",
                "you have already used it",
            )
    return None


def _refusal_error(refusal: _Refusal) -> ValidationFailed:
    return ValidationFailed(
        refusal.message, code=refusal.code, fields={"code": [refusal.message]}
    )


def _discount_rule(
    discount: Discount, *, store, conversion: CurrencyContext | None = None
) -> pricing.DiscountRule:
    product_ids = frozenset(discount.products.values_list("id", flat=True))
    category_ids = frozenset(discount.categories.values_list("id", flat=True))
    value, minimum = _discount_amounts(discount, conversion or base_context(store))
    return pricing.DiscountRule(
        code=discount.code,
        type=discount.type,
        value=value,
        minimum_subtotal=minimum,
        product_ids=product_ids,
        category_ids=selectors.category_ids_with_descendants(
            store=store, category_ids=category_ids
        ),
    )


def _discount_for_lines(
    discount: Discount,
    lines: list[CartLine],
    *,
    store,
    settings: pricing.StoreSettings,
    conversion: CurrencyContext | None = None,
):
    """The engine's rule for ``discount`` (lines get their category ids when it needs them),
    and the engine's rejection (minimum subtotal, nothing qualifying) or None."""
    rule = _discount_rule(discount, store=store, conversion=conversion)
    if rule.category_ids:
        categories = selectors.product_category_ids(
            product_ids=[line.product.pk for line in lines]
        )
        for line in lines:
            line.category_ids = categories.get(line.product.pk, frozenset())
    return rule, pricing.discount_rejection(
        rule, [line.price_line() for line in lines], settings
    )


def _removed_message(code: str, because: str) -> Message:
    return Message(
        "discount_removed",
        f"The discount code {code} was removed from your cart because {because}.",
    )


_ENGINE_BECAUSE = {
    "discount_minimum_not_met": "your subtotal is below its minimum",
    "discount_not_applicable": "it no longer applies to any item in your cart",
}


# -- loading and correcting a cart -------------------------------------------------------------


def _expire_personal_data(cart: Order, *, now: datetime, persist: bool) -> None:
    """Forget email, addresses, notes and the shipping choice of a cart idle over 2 hours.

    ``updated_at`` is left alone: the cart stays as idle as it was.
    """
    if cart.updated_at is None or now - cart.updated_at <= PERSONAL_DATA_TTL:
        return
    if not (
        cart.email
        or cart.shipping_address
        or cart.billing_address
        or cart.notes
        or cart.shipping_method_id
    ):
        return
    cleared = {
        "email": "",
        "shipping_address": None,
        "billing_address": None,
        "same_as_shipping": True,
        "notes": "",
        "shipping_method": None,
        "shipping_option": None,
    }
    idle_since = cart.updated_at
    for name, value in cleared.items():
        setattr(cart, name, value)
    if persist:
        # Conditional: a mutation that slipped in meanwhile makes the cart active again.
        Order.objects.filter(pk=cart.pk, updated_at=idle_since).update(**cleared)


#: ``Order.metadata`` key of a subscription's renewal cart (the ``subscriptions`` app).
RENEWAL_METADATA_KEY = "subscription_id"


def _unit_price(
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


def _load_lines(
    cart: Order,
    *,
    now: datetime,
    persist: bool,
    messages: list[Message],
    conversion: CurrencyContext | None = None,
) -> list[CartLine]:
    """The cart's lines, after removing unavailable ones and capping quantities to stock and
    to the product's maximum (each change with a message)."""
    store = cart.store
    lines: list[CartLine] = []
    removed: list[str] = []
    changed: list[tuple[OrderItem, int]] = []
    for item in selectors.cart_items(cart=cart):
        variant = item.variant
        product = variant.product if variant is not None else None
        label = (product.name if product else None) or item.product_name or "An item"
        if (
            product is None
            or product.store_id != store.pk
            or product.status != Product.Status.PUBLISHED
            or (item.product_id and item.product_id != product.pk)
        ):
            removed.append(item.pk)
            messages.append(
                Message(
                    "item_unavailable",
                    f"{label} is no longer available and was removed from your cart.",
                    item_id=item.pk,
                )
            )
            continue
        quantity = item.quantity
        if product.max_order_quantity and quantity > product.max_order_quantity:
            quantity = product.max_order_quantity
            messages.append(
                Message(
                    "quantity_limited",
                    f"You can buy at most {quantity} of {label}; the quantity was reduced to {quantity}.",
                    item_id=item.pk,
                )
            )
        available = variant.available_stock(cart.mode)
        if product.track_inventory and quantity > available:
            if available < max(product.min_order_quantity, 1):
                removed.append(item.pk)
                messages.append(
                    Message(
                        "out_of_stock",
                        f"{label} is out of stock and was removed from your cart.",
                        item_id=item.pk,
                    )
                )
                continue
            quantity = available
            messages.append(
                Message(
                    "stock_limited",
                    f"Only {quantity} of {label} left in stock; the quantity was reduced to {quantity}.",
                    item_id=item.pk,
                )
            )
        if quantity != item.quantity:
            changed.append((item, item.quantity))
            item.quantity = quantity
        lines.append(
            CartLine(
                item=item,
                variant=variant,
                product=product,
                unit_price=_unit_price(
                    cart, product, variant, now, conversion or base_context(store)
                ),
                mode=cart.mode,
            )
        )
    if persist and (removed or changed):
        if removed:
            OrderItem.objects.filter(order=cart, pk__in=removed).delete()
        for item, original in changed:
            # Conditional, so a concurrent add to the line is not overwritten.
            OrderItem.objects.filter(pk=item.pk, quantity=original).update(
                quantity=item.quantity
            )
        _touch(cart)
    return lines


def _available_shipping(
    store, methods, *, country_code: str, weight: int
) -> list[ShippingMethod]:
    # Availability does not depend on prices: the base rule answers it.
    countries = store_shipping_countries(store)
    return [
        m
        for m in methods
        if _shipping_rule(m).available_to(
            country_code=country_code, weight_grams=weight, shipping_countries=countries
        )
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
    settings = _settings(store, locale, conversion)
    messages: list[Message] = []

    _expire_personal_data(cart, now=now, persist=persist)
    lines = _load_lines(
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
        messages.append(_removed_message(cart.discount_code, "it is no longer valid"))
        drop_discount = True
    elif discount is not None:
        refusal = _discount_refusal(
            discount, now=now, mode=cart.mode, customer=customer, email=cart.email
        )
        if refusal is not None:
            messages.append(_removed_message(discount.code, refusal.because))
            discount, drop_discount = None, True
        else:
            rule, rejection = _discount_for_lines(
                discount, lines, store=store, settings=settings, conversion=conversion
            )
            if rejection is not None:
                messages.append(
                    _removed_message(discount.code, _ENGINE_BECAUSE[rejection.code])
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
            or not _available_shipping(
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
            options = _available_shipping(
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
                    _shipping_rule(m, conversion),
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
        shipping=_shipping_rule(method, conversion) if method is not None else None,
        tax_rates=_tax_rules(store, destination),
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
                        _shipping_rule(m, conversion),
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
        _discount_amounts(discount, priced.conversion or base_context(cart.store))[0]
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


# -- the cart's lifecycle ----------------------------------------------------------------------


def cart_currency_switch(cart: Order, currency: str | None) -> Order:
    """Re-price an open cart in ``currency`` (an ``X-Currency`` the store offers): the
    cart's amounts are computed from the catalogue on every read, so the switch is its
    currency alone. None or the same currency: nothing changes."""
    if currency and currency != cart.currency and cart.is_cart:
        Order.objects.filter(pk=cart.pk, type=Order.Type.CART).update(currency=currency)
        cart.currency = currency
    return cart


def cart_currency_set(
    *, store, mode: str, cart_token: str, currency: str | None
) -> None:
    """Re-price the visitor's open cart (if any) in ``currency`` (checkout with
    ``X-Currency``)."""
    if not currency:
        return
    cart = selectors.cart_find(store=store, mode=mode, cart_token=cart_token)
    if cart is not None:
        cart_currency_switch(cart, currency)


def cart_get_or_create(
    *,
    store,
    mode: str,
    cart_token: str,
    visitor_country: str = "",
    currency: str | None = None,
) -> Order:
    """The open cart of this visitor token, created empty when there is none.

    ``currency`` (the request's ``X-Currency``, already known to be offered) is a new
    cart's currency and re-prices an existing one in it; without it a new cart is in the
    store currency.

    Two concurrent first requests create one cart: the loser of the insert race (the partial
    unique constraint ``one_open_cart_per_token``) reads the winner's row.
    """
    cart = selectors.cart_find(store=store, mode=mode, cart_token=cart_token)
    if cart is not None:
        return cart_currency_switch(cart, currency)
    country = visitor_country if country_get(visitor_country or "") else store.country
    try:
        with transaction.atomic():
            cart = Order.objects.create(
                store=store,
                mode=mode,
                type=Order.Type.CART,
                cart_token=cart_token,
                currency=currency or store.currency,
                visitor_country=country,
                tax_inclusive=store.tax_inclusive,
            )
    except IntegrityError:
        cart = selectors.cart_find(store=store, mode=mode, cart_token=cart_token)
        if cart is None:
            raise
        cart_currency_switch(cart, currency)
    cart.store = store
    return cart


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


def cart_lock(*, store, mode: str, cart_token: str) -> Order:
    """Lock and return the visitor's open cart (a 404 when there is none).

    Call inside ``transaction.atomic()``; the row stays locked until the transaction ends.
    """
    cart = (
        Order.objects.select_for_update(of=("self",))
        .select_related("discount", "shipping_method")
        .filter(store=store, mode=mode, cart_token=cart_token, type=Order.Type.CART)
        .first()
    )
    if cart is None:
        raise NotFound("Cart not found.")
    cart.store = store
    return cart


def _relock(cart: Order) -> Order:
    """Lock ``cart`` for a mutation and return a fresh copy of it.

    Personal data of an idle cart is cleared first, so the mutation (which makes the cart
    active again) cannot bring it back.
    """
    locked = (
        Order.objects.select_for_update(of=("self",))
        .select_related("discount", "shipping_method")
        .filter(pk=cart.pk, type=Order.Type.CART)
        .first()
    )
    if locked is None:
        raise Conflict("This cart has already been checked out.", code="cart_closed")
    locked.store = cart.store
    _expire_personal_data(locked, now=timezone.now(), persist=True)
    return locked


def _resolve_variant(
    product: Product,
    variant_id: str | None,
    *,
    prefix: tuple = (),
) -> Variant:
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
        raise ValidationFailed(
            "The variant does not belong to this product.",
            code="variant_mismatch",
            fields={
                (*prefix, "variant_id"): [
                    "The variant does not belong to this product."
                ]
            },
        )
    default = next((v for v in variants if v.is_default), None)
    if default is None:
        raise ValidationFailed(
            f"{product.name} cannot be bought right now.",
            code="product_unavailable",
            fields={(*prefix, "product_id"): ["Not available."]},
        )
    if variant_id and variant_id != default.pk:
        raise ValidationFailed(
            "The variant does not belong to this product.",
            code="variant_mismatch",
            fields={
                (*prefix, "variant_id"): [
                    "The variant does not belong to this product."
                ]
            },
        )
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
    cart: Order,
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
    product = product_get_purchasable(store=cart.store, ref=product_ref)
    variant = _resolve_variant(product, variant_id)
    with transaction.atomic():
        cart = _relock(cart)
        item = OrderItem.objects.filter(order=cart, variant=variant).first()
        current = item.quantity if item else 0
        wanted = current + quantity
        _check_quantity_limits(product, wanted)
        stock = catalog_bundles.variant_available_now(variant=variant, mode=cart.mode)
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
        if item is None:
            OrderItem.objects.create(
                order=cart,
                product=product,
                variant=variant,
                quantity=wanted,
                product_name=product.name,
                product_slug=product.slug,
                sku=variant.sku or product.sku,
                product_type=product.product_type,
                requires_shipping=product.requires_shipping,
            )
        else:
            OrderItem.objects.filter(pk=item.pk).update(quantity=wanted)
        _touch(cart)
        priced = cart_price(cart=cart, locale=locale)
        cart_snapshot(priced=priced)
    return priced


def cart_item_update(
    *, cart: Order, item_id: str, quantity: int, locale: str | None = None
) -> PricedCart:
    """Set a line's quantity (0 removes it). Above the stock it is capped, with a message."""
    if quantity == 0:
        return cart_item_remove(cart=cart, item_id=item_id, locale=locale)
    with transaction.atomic():
        cart = _relock(cart)
        item = selectors.cart_item_get(cart=cart, item_id=item_id)
        variant = (
            Variant.objects.select_related("product").filter(pk=item.variant_id).first()
        )
        if variant is not None:
            catalog_bundles.variants_attach([variant])
        product = variant.product if variant else None
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
                    item_id=item.pk,
                )
            )
        OrderItem.objects.filter(pk=item.pk).update(quantity=quantity)
        _touch(cart)
        priced = cart_price(cart=cart, locale=locale)
        priced.messages[:0] = notes
        cart_snapshot(priced=priced)
    return priced


def cart_item_remove(
    *, cart: Order, item_id: str, locale: str | None = None
) -> PricedCart:
    """Remove a line of the cart (another cart's line is a 404)."""
    with transaction.atomic():
        cart = _relock(cart)
        item = selectors.cart_item_get(cart=cart, item_id=item_id)
        item.delete()
        _touch(cart)
        priced = cart_price(cart=cart, locale=locale)
        cart_snapshot(priced=priced)
    return priced


def cart_discount_apply(
    *, cart: Order, code: str, locale: str | None = None
) -> PricedCart:
    """Apply a discount code; a code that cannot be used is a 422 saying why."""
    store = cart.store
    discount = selectors.discount_get_by_code(store=store, code=code)
    if discount is None:
        message = f"The discount code {code.strip()} is not valid."
        raise ValidationFailed(
            message, code="discount_invalid", fields={"code": [message]}
        )
    with transaction.atomic():
        cart = _relock(cart)
        priced = cart_price(cart=cart, locale=locale)
        refusal = _discount_refusal(
            discount,
            now=timezone.now(),
            mode=cart.mode,
            customer=priced.customer,
            email=cart.email,
        )
        if refusal is not None:
            raise _refusal_error(refusal)
        _, rejection = _discount_for_lines(
            discount,
            priced.lines,
            store=store,
            settings=_settings(store, locale, priced.conversion),
            conversion=priced.conversion,
        )
        if rejection is not None:
            raise ValidationFailed(
                rejection.message,
                code=rejection.code,
                fields={"code": [rejection.message]},
            )
        cart.discount = discount
        cart.discount_code = discount.code
        cart.discount_type = discount.type
        cart.discount_value = discount.value
        _touch(cart, "discount", "discount_code", "discount_type", "discount_value")
        priced = cart_price(cart=cart, locale=locale)
        cart_snapshot(priced=priced)
    return priced


def cart_discount_remove(*, cart: Order, locale: str | None = None) -> PricedCart:
    """Remove the cart's discount code (nothing to remove is fine)."""
    with transaction.atomic():
        cart = _relock(cart)
        cart.discount, cart.discount_code, cart.discount_type, cart.discount_value = (
            None,
            "",
            "",
            None,
        )
        _touch(cart, "discount", "discount_code", "discount_type", "discount_value")
        priced = cart_price(cart=cart, locale=locale)
        cart_snapshot(priced=priced)
    return priced


def cart_checkout_data_save(
    *, cart: Order, data: dict, locale: str | None = None
) -> PricedCart:
    """Save checkout data; keys absent from ``data`` keep their value, null clears.

    ``data`` holds validated ``email``, ``shipping_address`` / ``billing_address`` (snake_case
    dicts of the Address fields, blanks as None), ``same_as_shipping`` and ``notes``. A billing
    address without ``same_as_shipping`` turns it off; ``same_as_shipping: true`` clears the
    billing address. The cart is re-priced: a shipping option that no longer applies to the
    new address is dropped with a message.
    """
    with transaction.atomic():
        cart = _relock(cart)
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
        _touch(
            cart,
            "email",
            "shipping_address",
            "billing_address",
            "same_as_shipping",
            "notes",
        )
        priced = cart_price(cart=cart, locale=locale)
        cart_snapshot(priced=priced)
    return priced


def cart_checkout_data_get(*, store, mode: str, cart_token: str) -> CheckoutDataView:
    """The visitor's checkout data (all empty without a cart or after 2 idle hours)."""
    cart = selectors.cart_find(store=store, mode=mode, cart_token=cart_token)
    if cart is None:
        return CheckoutDataView(
            cart=Order(store=store, mode=mode, cart_token=cart_token)
        )
    _expire_personal_data(cart, now=timezone.now(), persist=True)
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
    methods = _available_shipping(
        cart.store,
        selectors.shipping_methods_active(store=cart.store),
        country_code=address.get("country_code") or "",
        weight=priced.result.weight_grams,
    )
    conversion = priced.conversion or base_context(cart.store)
    rule = (
        _discount_rule(priced.discount, store=cart.store, conversion=conversion)
        if priced.discount
        else None
    )
    discounted = priced.result.subtotal.amount - priced.result.discount.amount
    return [
        ShippingOption(
            method=m,
            price=Money(
                pricing.shipping_price(
                    _shipping_rule(m, conversion),
                    discount=rule,
                    discounted_subtotal=discounted,
                ),
                conversion.currency,
            ),
        )
        for m in methods
    ]


def cart_shipping_option_select(
    *, cart: Order, shipping_method_id: str, locale: str | None = None
) -> PricedCart:
    """Choose one of the cart's shipping options; any other id is a 422."""
    with transaction.atomic():
        cart = _relock(cart)
        priced = cart_price(cart=cart, locale=locale)
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
                for m in _available_shipping(
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
        _touch(cart, "shipping_method", "shipping_option")
        priced = cart_price(cart=cart, locale=locale)
        cart_snapshot(priced=priced)
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
        variant = _resolve_variant(
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
        settings=_settings(store, locale, conversion),
        tax_rates=_tax_rules(store, destination),
    )


def carts_purge_idle(
    *,
    older_than: timedelta = CART_TTL,
    now: datetime | None = None,
    batch_size: int = 500,
) -> int:
    """Delete carts idle longer than ``older_than`` (30 days) in batches; return how many.

    Carts holding a stock reservation (mid-checkout) are left for checkout to settle.
    """
    cutoff = (now or timezone.now()) - older_than
    deleted = 0
    while True:
        ids = list(
            Order.objects.filter(
                type=Order.Type.CART, updated_at__lt=cutoff, stock_reserved=False
            ).values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        _, per_model = Order.objects.filter(pk__in=ids, type=Order.Type.CART).delete()
        deleted += per_model.get(Order._meta.label, 0)


# -- discount redemption (checkout) ------------------------------------------------------------


def discount_redeem(
    *,
    discount: Discount,
    order: Order,
    customer: Customer | None = None,
    email: str = "",
) -> DiscountRedemption:
    """Count one use of ``discount`` by ``order``; call inside checkout's transaction.

    The usage counter of the order's mode (``usage_count``, or ``test_usage_count`` for a
    test-mode order: test mode never uses up the live code) is incremented with a
    conditional ``UPDATE ... WHERE <counter> < usage_limit`` (with the active window in the
    same WHERE), so the limit holds whatever the concurrency; the per-customer limit
    (redemptions by ``customer`` or by ``email`` in the order's mode) is checked after that
    UPDATE, which serialises redemptions of one code. A refusal is a 422 naming the code
    (``discount_exhausted``, ``discount_already_used``, ``discount_expired``, ...) and leaves
    nothing changed. Redeeming again for the same order returns the existing redemption.
    """
    existing = DiscountRedemption.objects.filter(order=order).first()
    if existing is not None:
        return existing
    now = timezone.now()
    counter = USAGE_COUNTER[order.mode]
    with transaction.atomic():
        updated = (
            Discount.objects.filter(pk=discount.pk, active=True)
            .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .filter(
                Q(usage_limit__isnull=True) | Q(**{f"{counter}__lt": F("usage_limit")})
            )
            .update(**{counter: F(counter) + 1})
        )
        if not updated:
            fresh = Discount.objects.filter(pk=discount.pk).first()
            if fresh is None:
                message = f"The discount code {discount.code} is not valid."
                raise ValidationFailed(
                    message,
                    code="discount_invalid",
                    fields={"discount_code": [message]},
                )
            refusal = _discount_refusal(fresh, now=now, mode=order.mode) or _Refusal(
                "discount_exhausted",
                f"The discount code {fresh.code} has reached its usage limit.",
                "it has reached its usage limit",
            )
            raise ValidationFailed(
                refusal.message,
                code=refusal.code,
                fields={"discount_code": [refusal.message]},
            )
        limit = discount.usage_limit_per_customer
        if limit and (customer is not None or email):
            used = selectors.discount_redemption_count(
                discount=discount, customer=customer, email=email, mode=order.mode
            )
            if used >= limit:
                message = f"You have already used the discount code {discount.code}."
                raise ValidationFailed(
                    message,
                    code="discount_already_used",
                    fields={"discount_code": [message]},
                )
        redemption = DiscountRedemption.objects.create(
            store_id=discount.store_id,
            discount=discount,
            order=order,
            customer=customer,
            email=(email or "").strip(),
        )
    fresh = Discount.objects.values("usage_count", "test_usage_count").get(
        pk=discount.pk
    )
    discount.usage_count = fresh["usage_count"]
    discount.test_usage_count = fresh["test_usage_count"]
    return redemption


def order_released(*, order: Order, **kwargs) -> None:
    """Receiver of ``orders.signals.order_released``: the order's discount use goes back."""
    discount_release(order=order)


def discount_release(*, order: Order) -> bool:
    """Give back the discount use of ``order`` (failed or cancelled payment).

    Deletes its redemption and decrements the usage counter of the order's mode (never
    below 0); False when there was none.
    """
    counter = USAGE_COUNTER[order.mode]
    with transaction.atomic():
        redemption = (
            DiscountRedemption.objects.select_for_update().filter(order=order).first()
        )
        if redemption is None:
            return False
        Discount.objects.filter(
            pk=redemption.discount_id, **{f"{counter}__gt": 0}
        ).update(**{counter: F(counter) - 1})
        redemption.delete()
    return True


@transaction.atomic
def test_usage_reset(*, store) -> int:
    """Give test mode every discount code afresh: ``test_usage_count`` back to 0 and the
    test-mode redemptions (what per-customer limits count) forgotten; returns how many
    discounts had test uses. Live uses are untouched."""
    DiscountRedemption.objects.filter(store=store, order__mode="test").delete()
    return Discount.objects.filter(store=store, test_usage_count__gt=0).update(
        test_usage_count=0
    )


def store_test_mode_reset(*, store, **kwargs) -> list[str]:
    """``core.signals.store_test_mode_reset``: the test uses of discount codes."""
    count = test_usage_reset(store=store)
    return [f"test uses of {count} discount code{'s' if count != 1 else ''}"]


# -- configuration: discounts, shipping methods, tax rates ------------------------------------


def _ids_of_store(model, store, ids: list[str], field: str, label: str) -> list:
    ids = list(dict.fromkeys(ids))
    found = {obj.pk: obj for obj in model.objects.filter(store=store, pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationFailed(
            f"Unknown {label}: {', '.join(missing)}.",
            fields={field: [f"Not found in this store: {', '.join(missing)}."]},
        )
    return [found[pk] for pk in ids]


DISCOUNT_FIELDS = (
    "code",
    "type",
    "value",
    "active",
    "starts_at",
    "expires_at",
    "usage_limit",
    "usage_limit_per_customer",
    "minimum_subtotal_amount",
    "currency_amounts",
)


def _discount_save(discount: Discount, data: dict, *, store) -> Discount:
    for name in DISCOUNT_FIELDS:
        if name in data:
            setattr(discount, name, data[name])
    discount.code = discount.code.strip()
    if discount.type == Discount.Type.FREE_SHIPPING:
        discount.value = 0
    errors: dict[str, list[str]] = {}
    if discount.type == Discount.Type.PERCENTAGE and not 1 <= discount.value <= 100:
        errors["value"] = ["A percentage discount takes a value from 1 to 100."]
    if discount.type == Discount.Type.FIXED and discount.value < 1:
        errors["value"] = ["A fixed discount takes a positive amount in minor units."]
    if (
        discount.starts_at
        and discount.expires_at
        and discount.expires_at <= discount.starts_at
    ):
        errors["expires_at"] = ["Must be after startsAt."]
    if discount.usage_limit is not None and discount.usage_limit < discount.usage_count:
        errors["usage_limit"] = [
            f"Cannot be below the current usage count ({discount.usage_count})."
        ]
    if (
        Discount.objects.filter(store=store, code__iexact=discount.code)
        .exclude(pk=discount.pk)
        .exists()
    ):
        errors["code"] = ["A discount with this code already exists."]
    products = categories = None
    if data.get("product_ids") is not None:
        products = _ids_of_store(
            Product, store, data["product_ids"], "product_ids", "productIds"
        )
    if data.get("category_ids") is not None:
        categories = _ids_of_store(
            Category, store, data["category_ids"], "category_ids", "categoryIds"
        )
    if errors:
        name, messages = next(iter(errors.items()))
        raise ValidationFailed(f"{name}: {messages[0]}", fields=errors)
    try:
        with transaction.atomic():
            discount.save()
            if products is not None:
                discount.products.set(products)
            if categories is not None:
                discount.categories.set(categories)
    except IntegrityError as exc:
        raise ValidationFailed(
            "code: A discount with this code already exists.",
            fields={"code": ["A discount with this code already exists."]},
        ) from exc
    return selectors.discount_get(store=store, discount_id=discount.pk)


def discount_create(*, store, data: dict) -> Discount:
    """Create a discount code (code unique per store, case-insensitively)."""
    return _discount_save(Discount(store=store), data, store=store)


def discount_update(*, discount: Discount, data: dict) -> Discount:
    """Change the given fields of a discount; ``usage_count`` is not writable."""
    return _discount_save(discount, data, store=discount.store)


def discount_delete(*, discount: Discount) -> None:
    """Delete a discount. Orders keep their discount snapshot; open carts drop the code."""
    discount.delete()


SHIPPING_FIELDS = (
    "name",
    "description",
    "price_amount",
    "countries",
    "estimated_min_days",
    "estimated_max_days",
    "free_above_amount",
    "min_weight_grams",
    "max_weight_grams",
    "active",
    "sort_order",
    "currency_amounts",
)


def _shipping_method_save(method: ShippingMethod, data: dict) -> ShippingMethod:
    for name in SHIPPING_FIELDS:
        if name in data:
            setattr(method, name, data[name])
    errors: dict[str, list[str]] = {}
    if (
        method.estimated_min_days is not None
        and method.estimated_max_days is not None
        and method.estimated_max_days < method.estimated_min_days
    ):
        errors["estimated_max_days"] = ["Must not be below estimatedMinDays."]
    if (
        method.min_weight_grams is not None
        and method.max_weight_grams is not None
        and method.max_weight_grams < method.min_weight_grams
    ):
        errors["max_weight_grams"] = ["Must not be below minWeightGrams."]
    if errors:
        name, messages = next(iter(errors.items()))
        raise ValidationFailed(f"{name}: {messages[0]}", fields=errors)
    method.full_clean()
    method.save()
    return method


def shipping_method_create(*, store, data: dict) -> ShippingMethod:
    """Create a shipping method (countries empty = every shipping country of the store)."""
    return _shipping_method_save(ShippingMethod(store=store), data)


def shipping_method_update(*, method: ShippingMethod, data: dict) -> ShippingMethod:
    return _shipping_method_save(method, data)


def shipping_method_delete(*, method: ShippingMethod) -> None:
    """Delete a shipping method; carts that chose it drop it with a message."""
    method.delete()


TAX_FIELDS = (
    "country_code",
    "state",
    "postcode_prefix",
    "name",
    "rate",
    "applies_to_shipping",
)


def _tax_rate_save(rate: TaxRate, data: dict) -> TaxRate:
    for name in TAX_FIELDS:
        if name in data:
            setattr(rate, name, data[name])
    duplicate = TaxRate.objects.filter(
        store_id=rate.store_id,
        country_code=rate.country_code,
        state=rate.state,
        postcode_prefix=rate.postcode_prefix,
        name__iexact=rate.name,
    ).exclude(pk=rate.pk)
    if duplicate.exists():
        message = "A rate with this name already exists for this country, state and postcode prefix."
        raise ValidationFailed(f"name: {message}", fields={"name": [message]})
    rate.full_clean()
    rate.save()
    return rate


def tax_rate_create(*, store, data: dict) -> TaxRate:
    """Create a tax rate. How rates combine: see ``carts.pricing.match_tax_rates``."""
    return _tax_rate_save(TaxRate(store=store), data)


def tax_rate_update(*, rate: TaxRate, data: dict) -> TaxRate:
    return _tax_rate_save(rate, data)


def tax_rate_delete(*, rate: TaxRate) -> None:
    rate.delete()


# -- store currency ------------------------------------------------------------------------


def _amount_discounts(store):
    return Discount.objects.filter(
        Q(type=Discount.Type.FIXED, value__gt=0)
        | Q(minimum_subtotal_amount__isnull=False),
        store=store,
    )


def _amount_shipping_methods(store):
    return ShippingMethod.objects.filter(
        Q(price_amount__gt=0) | Q(free_above_amount__isnull=False), store=store
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def store_amounts_describe(*, store, **kwargs) -> list[str]:
    """``core.signals.store_currency_amounts``: discounts with an amount (fixed value or
    minimum subtotal) and priced shipping methods."""
    found = []
    discounts = _amount_discounts(store).count()
    if discounts:
        found.append(_plural(discounts, "discount") + " with an amount")
    methods = _amount_shipping_methods(store).count()
    if methods:
        found.append(_plural(methods, "priced shipping method"))
    return found


@transaction.atomic
def store_amounts_convert(*, store, convert, **kwargs) -> None:
    """``core.signals.store_currency_convert``: fixed discount values, minimum subtotals,
    shipping prices and free-shipping thresholds, converted with ``convert`` (percentages
    stay as they are)."""
    convert_amount_columns(
        Discount.objects.filter(store=store, type=Discount.Type.FIXED).order_by("pk"),
        ("value",),
        convert,
    )
    convert_amount_columns(
        Discount.objects.filter(
            store=store, minimum_subtotal_amount__isnull=False
        ).order_by("pk"),
        ("minimum_subtotal_amount",),
        convert,
    )
    convert_amount_columns(
        ShippingMethod.objects.filter(store=store).order_by("pk"),
        ("price_amount", "free_above_amount"),
        convert,
    )

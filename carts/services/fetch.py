"""Everything a cart flow needs, loaded once (Saleor's ``checkout/fetch.py``).

:func:`cart_info_fetch` reads the cart's lines with their variants, products, first image
and option values, the customer signed in on the cart token, the discount code's facts,
the tax rates of the destination and, for an estimate, the active shipping methods into a
:class:`CartInfo`. Corrections (``.corrections``) and pricing (``.price``) then work on it
without a query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
from customers.models import Customer
from customers.selectors import session_customer_get
from orders.models import Order, OrderItem

from .. import pricing, selectors
from ..models import Discount, ShippingMethod, TaxRate
from ..pricing import Destination
from .rules import DiscountFacts, personal_data_expired

#: The line fields a snapshot writes, and ``quantity``: what :func:`item_state` compares.
ITEM_STATE_FIELDS = (
    "quantity",
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
)

_UNSET = object()


@dataclass
class CartLine:
    """A cart line with the catalog rows it reads its name, price and stock from."""

    item: OrderItem
    #: None (and ``product`` None) when the line's variant was deleted.
    variant: Variant | None
    product: Product | None
    unit_price: int
    category_ids: frozenset[str] = frozenset()
    result: pricing.LineResult | None = None
    #: The cart's key mode: test mode sees what test mode can buy.
    mode: str = "live"
    #: The line's row as loaded (:func:`item_state`): a snapshot writes only changed lines.
    stored: tuple = ()

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
        """The product's first image (attached by the query that loaded the line, else
        read from its media)."""
        if hasattr(self.product, "cart_image"):
            return self.product.cart_image
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


def cart_destination(cart: Order, *, expired: bool = False) -> Destination:
    """Where a cart's tax is computed: the saved shipping address, else the visitor's country,
    else the store's country. ``expired``: the address is gone with the cart's personal
    data."""
    if cart.shipping_address and not expired:
        return _destination_from_address(cart.shipping_address)
    return Destination(country_code=cart.visitor_country or cart.store.country)


def item_state(item: OrderItem) -> tuple:
    return tuple(getattr(item, name) for name in ITEM_STATE_FIELDS)


@dataclass
class CartInfo:
    """A cart and everything its corrections and pricing read, loaded once.

    ``lines`` holds every stored line (corrections drop the unavailable ones);
    ``discount`` the facts of the cart's code (None without one, or when its row is
    gone); ``tax_rates`` the store's rates of ``destination``'s country;
    ``shipping_methods`` the store's active methods (loaded for an estimate only).
    """

    cart: Order
    now: datetime
    conversion: CurrencyContext
    lines: list[CartLine]
    destination: Destination
    customer: Customer | None = None
    discount: DiscountFacts | None = None
    tax_rates: list[TaxRate] = field(default_factory=list)
    shipping_methods: list[ShippingMethod] | None = None
    #: Whether ``destination`` was given by the caller (an estimate's), not the cart's.
    destination_given: bool = False

    @property
    def store(self):
        return self.cart.store

    @property
    def email(self) -> str:
        """The checkout email as pricing sees it (gone after 2 idle hours)."""
        return "" if personal_data_expired(self.cart, self.now) else self.cart.email


def cart_line_build(
    cart: Order, item: OrderItem, *, now: datetime, conversion: CurrencyContext
) -> CartLine:
    """A :class:`CartLine` of ``item`` (loaded with its variant and product)."""
    variant = item.variant if item.variant_id else None
    product = variant.product if variant is not None else None
    unit_price = 0
    if product is not None:
        unit_price = line_unit_price(cart, product, variant, now, conversion)
    return CartLine(
        item=item,
        variant=variant,
        product=product,
        unit_price=unit_price,
        mode=cart.mode,
        stored=() if item._state.adding else item_state(item),
    )


def cart_customer(cart: Order) -> Customer | None:
    """The customer signed in on the cart's token: read with the cart row when it was
    loaded by ``carts.selectors.carts_with_customer`` and linked to that customer, else
    looked up (one query)."""
    if hasattr(cart, "session_customer_id"):
        if cart.session_customer_id is None:
            return None
        if cart.session_customer_id == cart.customer_id:
            return cart.customer
    return session_customer_get(
        store=cart.store, mode=cart.mode, cart_token=cart.cart_token
    )


def discount_facts_fetch(
    discount: Discount,
    *,
    cart: Order,
    lines: list[CartLine],
    customer: Customer | None,
    email: str,
) -> DiscountFacts:
    """A discount's restrictions (products, categories with descendants; the lines get
    their category ids when it has categories) and the customer's uses of it."""
    store = cart.store
    product_ids = frozenset(discount.products.values_list("id", flat=True))
    category_ids = selectors.category_ids_with_descendants(
        store=store,
        category_ids=frozenset(discount.categories.values_list("id", flat=True)),
    )
    if category_ids:
        categories = selectors.product_category_ids(
            product_ids=[line.product.pk for line in lines if line.product is not None]
        )
        for line in lines:
            if line.product is not None:
                line.category_ids = categories.get(line.product.pk, frozenset())
    uses = 0
    if discount.usage_limit_per_customer and (customer is not None or email):
        uses = selectors.discount_redemption_count(
            discount=discount, customer=customer, email=email, mode=cart.mode
        )
    return DiscountFacts(
        discount=discount,
        product_ids=product_ids,
        category_ids=category_ids,
        customer_uses=uses,
    )


def cart_info_fetch(
    *,
    cart: Order,
    now: datetime,
    destination: Destination | None = None,
    estimate: bool = False,
    customer=_UNSET,
    lines: list[CartLine] | None = None,
) -> CartInfo:
    """Load what correcting and pricing ``cart`` needs, in a constant number of queries.

    ``customer``: the visitor's, when the caller knows it already (else looked up by the
    cart token). ``lines``: already loaded lines (a write that changed them in memory).
    ``destination`` overrides the cart's (an estimate); ``estimate`` also loads the active
    shipping methods. Personal data of a cart idle over 2 hours counts as gone already.
    """
    conversion = cart_conversion(cart)
    if lines is None:
        lines = [
            cart_line_build(cart, item, now=now, conversion=conversion)
            for item in selectors.cart_items(cart=cart)
        ]
    if customer is _UNSET:
        customer = cart_customer(cart)
    expired = personal_data_expired(cart, now)
    destination_given = destination is not None
    if destination is None:
        destination = cart_destination(cart, expired=expired)
    info = CartInfo(
        cart=cart,
        now=now,
        conversion=conversion,
        lines=lines,
        destination=destination,
        customer=customer,
        destination_given=destination_given,
    )
    if cart.discount_id and cart.discount is not None:
        info.discount = discount_facts_fetch(
            cart.discount, cart=cart, lines=lines, customer=customer, email=info.email
        )
    info.tax_rates = selectors.tax_rates_for_country(
        store=cart.store, country_code=destination.country_code
    )
    if estimate:
        info.shipping_methods = selectors.shipping_methods_active(store=cart.store)
    return info


def cart_lines_fetch(cart: Order, *, now: datetime) -> list[CartLine]:
    """The cart's lines without their option values and bundle components: a write that
    adds a line loads those for every line at once (``carts.selectors.cart_line_extras``)."""
    conversion = cart_conversion(cart)
    return [
        cart_line_build(cart, item, now=now, conversion=conversion)
        for item in selectors.cart_items(cart=cart, extras=False)
    ]


def new_line(
    cart: Order, *, product: Product, variant: Variant, quantity: int, now: datetime
) -> CartLine:
    """A line not saved yet (an add) of ``variant`` (loaded with its product)."""
    item = OrderItem(
        order=cart,
        product=product,
        variant=variant,
        quantity=quantity,
        product_name=product.name,
        product_slug=product.slug,
        sku=variant.sku or product.sku,
        product_type=product.product_type,
        requires_shipping=product.requires_shipping,
    )
    return cart_line_build(cart, item, now=now, conversion=cart_conversion(cart))

"""The pricing engine: one pure function, :func:`price`, behind every total the API shows.

It takes plain values (lines with unit prices and quantities, a destination, a discount rule,
the chosen shipping method, the store's settings and its tax rates) and returns a
:class:`PricingResult`. It reads no database and no clock, so the cart, the estimate,
``/tax/calculate`` and checkout all price the same way, and the rules can be tested in
isolation (see ``carts/tests/test_pricing.py``).

Rules, in the order they apply:

1. **Subtotal** is the sum of ``unit_price * quantity`` over the lines.
2. **Discount** (when it qualifies, see :func:`discount_rejection`) applies to qualifying lines
   only: every line when the discount has no product or category restriction, else the lines
   whose product is listed or belongs to a listed category (descendants included; the caller
   expands them). ``percentage``: each qualifying line gets ``round(line * value / 100)``.
   ``fixed``: ``min(value, qualifying subtotal)`` is allocated across qualifying lines in
   proportion to their subtotals (each gets the floor of its share), and the pennies left over
   go to the largest line (then the next largest if that one is full), so the per-line
   discounts add up to the discount exactly and never exceed a line. ``free_shipping``: no
   line discount; shipping becomes 0.
3. **Shipping** is 0 when no line needs shipping, when no method is chosen, with a
   ``free_shipping`` discount, or when the discounted subtotal reaches the method's
   ``free_above`` threshold; otherwise the method's price.
4. **Tax** is charged on the discounted line amounts (and on shipping for rates with
   ``applies_to_shipping``). See :func:`match_tax_rates` for which rates apply. Exclusive
   stores add tax: ``tax = round(base * rate)``. Inclusive stores' prices contain it:
   ``tax = round(base * rate / (1 + combined rate))``. Rounding happens once per line and per
   rate (and once per rate for shipping), half-up (``ROUND_HALF_UP``: 0.5 rounds away from
   zero); every total is the exact sum of the rounded parts.
5. **Total**: exclusive ``subtotal - discount + shipping + tax``; inclusive
   ``subtotal - discount + shipping`` (the tax is contained in it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from core.countries import postcode_key
from core.money import Money

ROUNDING = ROUND_HALF_UP

PERCENTAGE = "percentage"
FIXED = "fixed"
FREE_SHIPPING = "free_shipping"


def round_minor(value: Decimal) -> int:
    """Round an amount of minor units to an integer, half-up (the one rounding rule)."""
    return int(value.quantize(Decimal(1), rounding=ROUNDING))


# -- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceLine:
    """One line to price. ``key`` identifies it in the result (the line id, or an index)."""

    key: str
    product_id: str
    unit_price: int
    quantity: int
    category_ids: frozenset[str] = frozenset()
    requires_shipping: bool = True
    weight_grams: int = 0  # per unit

    @property
    def subtotal(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Destination:
    """Where the goods go: an ISO country code, and a state code and postcode when known."""

    country_code: str
    state: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class DiscountRule:
    """A discount as the engine sees it. ``category_ids`` must already include descendants."""

    code: str
    type: str
    value: int
    minimum_subtotal: int | None = None
    product_ids: frozenset[str] = frozenset()
    category_ids: frozenset[str] = frozenset()

    @property
    def restricted(self) -> bool:
        return bool(self.product_ids or self.category_ids)

    def qualifies(self, line: PriceLine) -> bool:
        if not self.restricted:
            return True
        return line.product_id in self.product_ids or bool(
            line.category_ids & self.category_ids
        )


@dataclass(frozen=True)
class ShippingRule:
    """A shipping method as the engine sees it."""

    id: str
    name: str
    price: int
    description: str = ""
    countries: tuple[str, ...] = ()
    estimated_min_days: int | None = None
    estimated_max_days: int | None = None
    free_above: int | None = None
    min_weight_grams: int | None = None
    max_weight_grams: int | None = None

    def available_to(
        self, *, country_code: str, weight_grams: int, shipping_countries: Iterable[str]
    ) -> bool:
        """Whether this method ships a parcel of ``weight_grams`` to ``country_code``.

        An empty ``countries`` list means every one of the store's shipping countries.
        """
        if country_code not in (self.countries or tuple(shipping_countries)):
            return False
        if self.min_weight_grams is not None and weight_grams < self.min_weight_grams:
            return False
        return not (
            self.max_weight_grams is not None and weight_grams > self.max_weight_grams
        )

    def price_for(self, *, discounted_subtotal: int) -> int:
        if self.free_above is not None and discounted_subtotal >= self.free_above:
            return 0
        return self.price


@dataclass(frozen=True)
class TaxRule:
    """A tax rate: a country, optionally narrowed to a state and a postcode prefix."""

    id: str
    country_code: str
    name: str
    rate: Decimal
    state: str = ""
    postcode_prefix: str = ""
    applies_to_shipping: bool = True

    @property
    def jurisdiction(self) -> str:
        return "-".join(
            filter(None, [self.country_code, self.state, self.postcode_prefix])
        )

    @property
    def specificity(self) -> tuple[int, int]:
        """Postcode prefix length first, then whether a state is named."""
        return (len(postcode_key(self.postcode_prefix)), 1 if self.state else 0)

    def matches(self, destination: Destination) -> bool:
        if self.country_code != destination.country_code:
            return False
        if self.state and self.state != destination.state:
            return False
        return not self.postcode_prefix or postcode_key(
            destination.postcode
        ).startswith(postcode_key(self.postcode_prefix))


@dataclass(frozen=True)
class StoreSettings:
    currency: str
    tax_inclusive: bool = False
    locale: str = "en"


# -- outputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """An entry of a cart's ``messages``: something the shopper should know."""

    code: str
    message: str
    level: str = "warning"
    item_id: str | None = None


@dataclass(frozen=True)
class DiscountRejection:
    """Why a discount does not apply, in words a shopper can read."""

    code: str
    message: str


@dataclass(frozen=True)
class LineResult:
    key: str
    quantity: int
    unit_price: Money
    subtotal: Money
    discount: Money
    tax: Money


@dataclass(frozen=True)
class TaxLine:
    name: str
    rate: Decimal
    amount: Money
    jurisdiction: str


@dataclass(frozen=True)
class PricingResult:
    currency: str
    tax_inclusive: bool
    lines: tuple[LineResult, ...]
    subtotal: Money
    discount: Money
    shipping: Money
    tax: Money
    total: Money
    shipping_tax: Money
    #: Combined rate applied to goods at the destination (0.2 for 20% VAT).
    tax_rate: Decimal
    tax_breakdown: tuple[TaxLine, ...]
    requires_shipping: bool
    weight_grams: int
    discount_applied: bool
    discount_rejection: DiscountRejection | None
    messages: tuple[Message, ...] = field(default=())

    def line(self, key: str) -> LineResult:
        for line in self.lines:
            if line.key == key:
                return line
        raise KeyError(key)


# -- rules ----------------------------------------------------------------------------------


def match_tax_rates(
    rates: Iterable[TaxRule], destination: Destination
) -> list[TaxRule]:
    """The rates that apply at ``destination``.

    A rate matches when its country equals the destination's, its state (if any) equals the
    destination's state, and its postcode prefix (if any) starts the destination's postcode
    (compared upper-case without spaces). Among matching rates **of the same name** the most
    specific wins (longest postcode prefix, then a named state over none): a "VAT" rate for a
    region replaces the country's "VAT". Rates with **different names stack**: a state's
    "Sales tax" plus a city's "Local tax" (postcode prefix), or Canada's "GST" plus a
    province's "PST". Ties go to the lowest id. Result order: least specific first, then name.
    """
    best: dict[str, TaxRule] = {}
    for rate in sorted(rates, key=lambda r: r.id):
        if not rate.matches(destination):
            continue
        key = rate.name.strip().casefold()
        current = best.get(key)
        if current is None or rate.specificity > current.specificity:
            best[key] = rate
    return sorted(best.values(), key=lambda r: (r.specificity, r.name.casefold(), r.id))


def discount_rejection(
    discount: DiscountRule, lines: Sequence[PriceLine], settings: StoreSettings
) -> DiscountRejection | None:
    """Why ``discount`` does not apply to these lines (minimum subtotal, nothing qualifying),
    or None when it does. Time, usage and per-customer limits are checked by the caller."""
    subtotal = sum(line.subtotal for line in lines)
    if discount.minimum_subtotal and subtotal < discount.minimum_subtotal:
        minimum = Money(discount.minimum_subtotal, settings.currency).formatted(
            settings.locale
        )
        return DiscountRejection(
            "discount_minimum_not_met",
            f"Spend {minimum} or more to use the discount code {discount.code}.",
        )
    if discount.restricted and not any(discount.qualifies(line) for line in lines):
        return DiscountRejection(
            "discount_not_applicable",
            f"The discount code {discount.code} does not apply to any item in your cart.",
        )
    return None


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` (at most ``sum(weights)``) in proportion to ``weights``.

    Each part is the floor of its share; the remainder goes to the largest weight (first one on
    ties), spilling to the next largest when a part would exceed its weight.
    """
    total = sum(weights)
    if amount <= 0 or total <= 0:
        return [0] * len(weights)
    amount = min(amount, total)
    parts = [amount * w // total for w in weights]
    remainder = amount - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-weights[i], i)):
        if remainder <= 0:
            break
        room = weights[index] - parts[index]
        take = min(room, remainder)
        parts[index] += take
        remainder -= take
    return parts


def _line_discounts(
    discount: DiscountRule | None, lines: Sequence[PriceLine]
) -> list[int]:
    if discount is None or discount.type == FREE_SHIPPING:
        return [0] * len(lines)
    qualifying = [discount.qualifies(line) for line in lines]
    if discount.type == PERCENTAGE:
        percent = Decimal(min(discount.value, 100))
        return [
            round_minor(Decimal(line.subtotal) * percent / 100) if ok else 0
            for line, ok in zip(lines, qualifying, strict=True)
        ]
    if discount.type == FIXED:
        weights = [
            line.subtotal if ok else 0
            for line, ok in zip(lines, qualifying, strict=True)
        ]
        return allocate(discount.value, weights)
    raise ValueError(f"Unknown discount type {discount.type!r}")


def shipping_price(
    shipping: ShippingRule, *, discount: DiscountRule | None, discounted_subtotal: int
) -> int:
    """What ``shipping`` costs: 0 with a free_shipping discount or above its free threshold."""
    if discount is not None and discount.type == FREE_SHIPPING:
        return 0
    return shipping.price_for(discounted_subtotal=discounted_subtotal)


def _taxes(base: int, rates: Sequence[TaxRule], *, inclusive: bool) -> list[int]:
    """Tax per rate on ``base`` minor units, each rounded half-up."""
    if not rates or base <= 0:
        return [0] * len(rates)
    if inclusive:
        divisor = 1 + sum((r.rate for r in rates), Decimal(0))
        return [round_minor(Decimal(base) * r.rate / divisor) for r in rates]
    return [round_minor(Decimal(base) * r.rate) for r in rates]


def price(
    *,
    lines: Sequence[PriceLine],
    destination: Destination,
    settings: StoreSettings,
    discount: DiscountRule | None = None,
    shipping: ShippingRule | None = None,
    tax_rates: Iterable[TaxRule] = (),
) -> PricingResult:
    """Price ``lines`` shipped to ``destination``: every amount the API shows.

    ``discount`` is ignored (with a rejection and a message) when it does not qualify;
    ``shipping`` is the chosen method, already known to be available to the destination;
    ``tax_rates`` may hold any of the store's rates: the matching ones are selected here.
    """
    currency = settings.currency
    inclusive = settings.tax_inclusive
    messages: list[Message] = []

    def money(amount: int) -> Money:
        return Money(amount, currency)

    subtotal = sum(line.subtotal for line in lines)

    rejection = discount_rejection(discount, lines, settings) if discount else None
    applied = discount if rejection is None else None
    if rejection is not None:
        messages.append(Message("discount_removed", rejection.message))
    line_discounts = _line_discounts(applied, lines)
    discount_total = sum(line_discounts)
    discounted_subtotal = subtotal - discount_total

    requires_shipping = any(line.requires_shipping for line in lines)
    weight = sum(
        line.weight_grams * line.quantity for line in lines if line.requires_shipping
    )
    shipping_amount = 0
    if requires_shipping and shipping is not None:
        shipping_amount = shipping_price(
            shipping, discount=applied, discounted_subtotal=discounted_subtotal
        )

    rates = match_tax_rates(tax_rates, destination)
    shipping_rates = [r for r in rates if r.applies_to_shipping]
    per_rate = {r.id: 0 for r in rates}
    line_results = []
    for line, line_discount in zip(lines, line_discounts, strict=True):
        taxes = _taxes(line.subtotal - line_discount, rates, inclusive=inclusive)
        for rate, amount in zip(rates, taxes, strict=True):
            per_rate[rate.id] += amount
        line_results.append(
            LineResult(
                key=line.key,
                quantity=line.quantity,
                unit_price=money(line.unit_price),
                subtotal=money(line.subtotal),
                discount=money(line_discount),
                tax=money(sum(taxes)),
            )
        )
    shipping_taxes = _taxes(shipping_amount, shipping_rates, inclusive=inclusive)
    for rate, amount in zip(shipping_rates, shipping_taxes, strict=True):
        per_rate[rate.id] += amount
    shipping_tax = sum(shipping_taxes)
    tax_total = sum(per_rate.values())

    if inclusive:
        total = discounted_subtotal + shipping_amount
    else:
        total = discounted_subtotal + shipping_amount + tax_total

    breakdown = (
        tuple(
            TaxLine(
                name=r.name,
                rate=r.rate,
                amount=money(per_rate[r.id]),
                jurisdiction=r.jurisdiction,
            )
            for r in rates
        )
        if lines
        else ()
    )

    return PricingResult(
        currency=currency,
        tax_inclusive=inclusive,
        lines=tuple(line_results),
        subtotal=money(subtotal),
        discount=money(discount_total),
        shipping=money(shipping_amount),
        tax=money(tax_total),
        total=money(total),
        shipping_tax=money(shipping_tax),
        tax_rate=sum((r.rate for r in rates), Decimal(0)),
        tax_breakdown=breakdown,
        requires_shipping=requires_shipping,
        weight_grams=weight,
        discount_applied=applied is not None,
        discount_rejection=rejection,
        messages=tuple(messages),
    )

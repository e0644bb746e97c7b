"""Selling in more than one currency: the store's rates, rounding rules and the one conversion.

The store's own ``currency`` is the **base**: every stored price, discount amount and shipping
rate is in its minor units. With ``features.multiCurrency`` on, a shopper may pick any other
currency of ``supportedCurrencies`` that has an exchange rate (``X-Currency`` on the public
API). Amounts are then converted when they are shown or priced, never stored converted:

- :func:`convert_amount` is the one conversion (pure): base minor units times the rate (units
  of the currency per unit of the base), scaled between the two currencies' minor units
  (JPY 0, BHD 3), rounded half up to the currency's minor unit, then the currency's rounding
  rule for prices (:data:`ROUND_NONE`, :data:`ROUND_WHOLE`, or a price ending such as
  ``"0.99"``: the smallest amount at or above the converted one that ends so; 0 stays 0);
- :func:`to_base` turns an order's amount back into the base with the rate stored on the
  order (reports);
- :class:`CurrencyContext` is a store's conversion into one currency, built by
  :func:`currency_context` (which refuses a currency the store does not offer with
  :class:`UnsupportedCurrency`, a 422 ``unsupported_currency``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .exceptions import ValidationFailed
from .money import currency_exponent, is_known_currency

#: The header a public request names its currency with.
CURRENCY_HEADER = "X-Currency"

ROUND_NONE = "none"
ROUND_WHOLE = "whole"

MIN_RATE = Decimal("0.000001")
MAX_RATE = Decimal("1000000")


class UnsupportedCurrency(ValidationFailed):
    code = "unsupported_currency"


def rounding_problem(rule: str, currency: str) -> str | None:
    """Why ``rule`` cannot round ``currency`` amounts, or None."""
    if rule in (ROUND_NONE, ROUND_WHOLE):
        return None
    exponent = currency_exponent(currency)
    try:
        ending = Decimal(str(rule))
    except (InvalidOperation, ValueError):
        ending = None
    if (
        ending is None
        or not ending.is_finite()
        or not (0 <= ending < 1)
        or exponent == 0
        or ending.scaleb(exponent) != ending.scaleb(exponent).to_integral_value()
    ):
        return (
            f'Use "none", "whole" or a price ending below 1 with at most {exponent} '
            f'decimals for {currency} (e.g. "0.99").'
        )
    return None


def apply_rounding(amount: int, currency: str, rule: str = ROUND_NONE) -> int:
    """``amount`` (minor units of ``currency``) after its price rounding rule: unchanged for
    ``none``; else the smallest amount at or above it ending with the rule's ending (whole
    units end in 0). Zero stays zero: a free thing stays free."""
    if not rule or rule == ROUND_NONE or amount <= 0:
        return amount
    unit = 10 ** currency_exponent(currency)
    ending = (
        0
        if rule == ROUND_WHOLE
        else int(Decimal(str(rule)).scaleb(currency_exponent(currency)))
    )
    whole, rest = divmod(amount, unit)
    candidate = whole * unit + ending
    if candidate < amount:
        candidate += unit
    return candidate


def convert_amount(
    amount: int,
    *,
    base: str,
    currency: str,
    rate: Decimal | str,
    rounding: str = ROUND_NONE,
) -> int:
    """Minor units of ``base`` as minor units of ``currency``: times ``rate`` (units of
    ``currency`` per unit of ``base``), scaled between the currencies' minor units, rounded
    half up, then ``rounding`` (:func:`apply_rounding`)."""
    if currency == base:
        return int(amount)
    scale = Decimal(10) ** (currency_exponent(currency) - currency_exponent(base))
    value = int(
        (Decimal(int(amount)) * Decimal(str(rate)) * scale).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )
    return apply_rounding(value, currency, rounding)


def to_base(
    amount: int, *, currency: str, base: str, rate: Decimal | str | None
) -> int:
    """An amount of ``currency`` (an order's) back in ``base`` at the ``rate`` the order
    stored (units of ``currency`` per unit of ``base``), rounded half up. No rate (orders in
    the base, or from before multi-currency): the amount as it is."""
    if currency == base or rate in (None, ""):
        return int(amount)
    rate = Decimal(str(rate))
    if rate <= 0:
        return int(amount)
    scale = Decimal(10) ** (currency_exponent(base) - currency_exponent(currency))
    return int(
        (Decimal(int(amount)) * scale / rate).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )


def other_currency_problem(store, code: str) -> str | None:
    """Why ``code`` cannot carry an explicit amount (a price, a shipping rate, a discount
    amount) beside the store currency, or None: it must be another supported currency."""
    if code == store.currency:
        return f"{code} is the store currency: set the amount itself instead."
    if code not in (store.supported_currencies or []):
        return f"{code} is not one of the store's supportedCurrencies."
    return None


def store_rates(store) -> dict[str, Decimal]:
    return {
        code: Decimal(str(rate)) for code, rate in (store.exchange_rates or {}).items()
    }


def shopper_currencies(store) -> list[str]:
    """The currencies a shopper can pick: the base first, then (multi-currency on) each
    supported currency with an exchange rate."""
    if not store.feature("multi_currency"):
        return [store.currency]
    rates = store.exchange_rates or {}
    return [store.currency] + [
        code
        for code in (store.supported_currencies or [])
        if code != store.currency and code in rates
    ]


@dataclass(frozen=True)
class CurrencyContext:
    """A store's conversion from its base into ``currency`` (the identity for the base)."""

    base: str
    currency: str
    rate: Decimal = Decimal(1)
    rounding: str = ROUND_NONE

    @property
    def is_base(self) -> bool:
        return self.currency == self.base

    def convert(self, amount: int | None, *, price: bool = True) -> int | None:
        """``amount`` of the base in ``currency``; ``price=False`` skips the rounding rule
        (discount amounts and thresholds convert plainly)."""
        if amount is None:
            return None
        return convert_amount(
            amount,
            base=self.base,
            currency=self.currency,
            rate=self.rate,
            rounding=self.rounding if price else ROUND_NONE,
        )

    def pick(
        self, explicit: dict | None, amount: int | None, *, price: bool = True
    ) -> int | None:
        """An explicit amount for ``currency`` (``{"EUR": 2900}``) when there is one, else
        ``amount`` converted."""
        if not self.is_base and explicit and self.currency in explicit:
            return int(explicit[self.currency])
        return self.convert(amount, price=price)

    @property
    def stored_rate(self) -> Decimal | None:
        """What an order keeps: the rate, or None in the base."""
        return None if self.is_base else self.rate


def base_context(store) -> CurrencyContext:
    return CurrencyContext(base=store.currency, currency=store.currency)


def currency_context(store, currency: str | None = None) -> CurrencyContext:
    """The store's conversion into ``currency`` (None or the base: the identity); a currency
    the store does not offer to shoppers is a 422 ``unsupported_currency``."""
    if not currency or currency == store.currency:
        return base_context(store)
    if currency not in shopper_currencies(store):
        if not store.feature("multi_currency"):
            why = "This store sells only in {base}."
        else:
            why = "This store sells in {offered}."
        message = f"{currency} is not a currency of this store. " + why.format(
            base=store.currency, offered=", ".join(shopper_currencies(store))
        )
        raise UnsupportedCurrency(message, fields={CURRENCY_HEADER: [message]})
    return CurrencyContext(
        base=store.currency,
        currency=currency,
        rate=store_rates(store)[currency],
        rounding=(store.currency_rounding or {}).get(currency, ROUND_NONE),
    )


def parse_currency_header(value: str | None) -> str | None:
    """The code an ``X-Currency`` header names (trimmed, upper-cased), or None without one;
    a malformed code is a 422 ``unsupported_currency``."""
    code = (value or "").strip().upper()
    if not code:
        return None
    if not is_known_currency(code):
        message = f"{code[:10]!r} is not an ISO 4217 currency code."
        raise UnsupportedCurrency(message, fields={CURRENCY_HEADER: [message]})
    return code

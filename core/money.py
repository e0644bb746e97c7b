"""Money: integer minor units plus an ISO 4217 currency, formatted with Babel.

Minor-unit exponents come from Babel's CLDR data (GBP 2, JPY 0, BHD 3). ``formatted`` follows
the request locale's number pattern with the currency's short symbol where it has one
(``fr``: ``24,00 £`` rather than CLDR's disambiguated ``24,00 £GB``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError
from babel.localedata import locale_identifiers
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    list_currencies,
)

DEFAULT_LOCALE = "en"


@cache
def currency_exponent(currency: str) -> int:
    return get_currency_precision(currency)


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_known_currency(code: str) -> bool:
    return isinstance(code, str) and code.upper() == code and code in known_currencies()


@cache
def _short_symbol(currency: str) -> str | None:
    symbol = get_currency_symbol(currency, locale="en")
    return None if any(ch.isalpha() for ch in symbol) else symbol


@lru_cache(maxsize=4096)
def format_minor(amount: int, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """Format an amount in minor units for display, e.g. (2400, "GBP", "en") -> "£24.00"."""
    value = Decimal(int(amount)).scaleb(-currency_exponent(currency))
    text = format_currency(value, currency, locale=locale, currency_digits=True)
    short = _short_symbol(currency)
    if short:
        local_symbol = get_currency_symbol(currency, locale=locale)
        if local_symbol != short:
            text = text.replace(local_symbol, short)
    return text


@lru_cache(maxsize=512)
def normalize_locale(tag: str | None) -> str | None:
    """Return a Babel locale identifier for a language tag, or None when Babel has none."""
    if not tag:
        return None
    tag = tag.strip().replace("-", "_")
    if not tag or tag == "*":
        return None
    try:
        return str(Locale.parse(tag))
    except (ValueError, TypeError, UnknownLocaleError):
        try:
            return str(Locale.parse(tag.split("_")[0]))
        except (ValueError, TypeError, UnknownLocaleError):
            return None


@cache
def _babel_locales() -> tuple[str, ...]:
    return tuple(locale_identifiers())


def locale_from_accept_language(
    header: str | None, default: str = DEFAULT_LOCALE
) -> str:
    """The best locale Babel knows for an ``Accept-Language`` header, else ``default``.

    The tags are ranked by their q-values (a malformed q counts as 0, so a sloppy header
    still says something); Babel negotiates them against its locales (``fr-CA`` is
    ``fr_CA``, an unknown region falls back to its language)."""
    if not header:
        return default
    ranked = []
    for index, part in enumerate(header.split(",")[:16]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag.strip() and tag.strip() != "*":
            ranked.append((-quality, index, tag.strip().replace("-", "_")))
    preferred = [tag for _, _, tag in sorted(ranked)]
    found = Locale.negotiate(preferred, _babel_locales(), sep="_")
    return str(found) if found is not None else default


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError(
                f"Money amount must be an int of minor units, got {self.amount!r}"
            )

    def formatted(self, locale: str = DEFAULT_LOCALE) -> str:
        return format_minor(self.amount, self.currency, locale)

    def as_dict(self, locale: str = DEFAULT_LOCALE) -> dict:
        return {
            "amount": self.amount,
            "currency": self.currency,
            "formatted": self.formatted(locale),
        }

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"Currency mismatch: {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, quantity: int) -> Money:
        return Money(self.amount * int(quantity), self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)


def to_major_string(amount: int, currency: str) -> str:
    """ "2400, GBP" -> "24.00": plain decimal string, for feeds and payment providers."""
    exponent = currency_exponent(currency)
    value = Decimal(int(amount)).scaleb(-exponent)
    return str(value.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP))


def parse_major(text: str, currency: str) -> int:
    """ "24.00", GBP -> 2400: a typed major-unit amount as exact minor units.

    Raises ValueError (with a readable message) for text that is not a number, is
    negative, or has more decimals than the currency has (``0.5`` JPY)."""
    exponent = currency_exponent(currency)
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount such as 12.50.") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{text!r} is not an amount of 0 or more.")
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise ValueError(
            f"{text!r} has more than {exponent} decimal places for {currency}."
        )
    return int(minor)

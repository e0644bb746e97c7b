"""The one conversion (``core.currencies``): rates, minor units, half-up, rounding rules."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from core.currencies import (
    ROUND_NONE,
    ROUND_WHOLE,
    UnsupportedCurrency,
    apply_rounding,
    convert_amount,
    currency_context,
    parse_currency_header,
    rounding_problem,
    shopper_currencies,
    to_base,
)


@pytest.mark.parametrize(
    ("amount", "base", "currency", "rate", "expected"),
    [
        (2400, "GBP", "EUR", "1.17", 2808),
        (395, "GBP", "EUR", "1.17", 462),  # 462.15
        (50, "GBP", "EUR", "1.17", 59),  # 58.5 rounds half up
        (
            2400,
            "GBP",
            "JPY",
            "190.25",
            4566,
        ),  # 24.00 * 190.25 = 4566 yen, no minor unit
        (2401, "GBP", "JPY", "190.25", 4568),  # 4567.905
        (2400, "GBP", "BHD", "0.48", 11520),  # 11.520 BHD, three decimals
        (4566, "JPY", "GBP", "0.005256", 2400),  # 23.998896 -> 24.00
        (2400, "GBP", "GBP", "9", 2400),  # the base is never converted
        (0, "GBP", "EUR", "1.17", 0),
    ],
)
def test_convert_amount(amount, base, currency, rate, expected):
    assert (
        convert_amount(amount, base=base, currency=currency, rate=Decimal(rate))
        == expected
    )


@pytest.mark.parametrize(
    ("amount", "currency", "rule", "expected"),
    [
        (2808, "EUR", "0.99", 2899),
        (2899, "EUR", "0.99", 2899),
        (2900, "EUR", "0.99", 2999),
        (2808, "EUR", ROUND_WHOLE, 2900),
        (2800, "EUR", ROUND_WHOLE, 2800),
        (2808, "EUR", "0.95", 2895),
        (2808, "EUR", "0.5", 2850),
        (2808, "EUR", ROUND_NONE, 2808),
        (4567, "JPY", ROUND_WHOLE, 4567),  # yen are whole already
        (11521, "BHD", "0.990", 11990),
        (0, "EUR", "0.99", 0),  # free stays free
    ],
)
def test_rounding_rules(amount, currency, rule, expected):
    assert apply_rounding(amount, currency, rule) == expected


def test_conversion_rounds_half_up_before_the_rule():
    assert (
        convert_amount(2400, base="GBP", currency="EUR", rate="1.17", rounding="0.99")
        == 2899
    )
    # 1.995 -> 2.00 first (half up), then up to the next .99: 2.99 (not 1.99).
    assert (
        convert_amount(399, base="GBP", currency="EUR", rate="0.5", rounding="0.99")
        == 299
    )


@pytest.mark.parametrize(
    ("rule", "currency", "ok"),
    [
        ("none", "EUR", True),
        ("whole", "JPY", True),
        ("0.99", "EUR", True),
        ("0.990", "BHD", True),
        ("0.999", "EUR", False),  # more decimals than EUR has
        ("0.99", "JPY", False),  # no minor unit to end in
        ("1", "EUR", False),
        ("-0.01", "EUR", False),
        ("nice", "EUR", False),
    ],
)
def test_rounding_problem(rule, currency, ok):
    assert (rounding_problem(rule, currency) is None) is ok


def test_to_base_uses_the_orders_rate():
    assert to_base(6591, currency="EUR", base="GBP", rate="1.17") == 5633
    assert to_base(4566, currency="JPY", base="GBP", rate="190.25") == 2400
    assert to_base(11520, currency="BHD", base="GBP", rate="0.48") == 2400
    assert to_base(2400, currency="GBP", base="GBP", rate=None) == 2400
    assert to_base(2400, currency="EUR", base="GBP", rate=None) == 2400


def _store(**fields):
    values = {
        "currency": "GBP",
        "supported_currencies": ["GBP", "EUR", "USD"],
        "exchange_rates": {"EUR": "1.17"},
        "currency_rounding": {"EUR": "0.99"},
        "features": {"multi_currency": True},
        **fields,
    }
    store = SimpleNamespace(**values)
    store.feature = lambda name: bool(store.features.get(name))
    return store


def test_a_store_offers_supported_currencies_with_a_rate():
    store = _store()
    assert shopper_currencies(store) == ["GBP", "EUR"]  # USD has no rate
    context = currency_context(store, "EUR")
    assert (context.rate, context.rounding, context.convert(2400)) == (
        Decimal("1.17"),
        "0.99",
        2899,
    )
    assert context.convert(5000, price=False) == 5850  # thresholds: no price ending
    assert context.pick({"EUR": 2900}, 2400) == 2900
    assert currency_context(store, None).is_base
    with pytest.raises(UnsupportedCurrency):
        currency_context(store, "USD")
    off = _store(features={"multi_currency": False})
    assert shopper_currencies(off) == ["GBP"]
    with pytest.raises(UnsupportedCurrency):
        currency_context(off, "EUR")


def test_the_header_is_an_iso_code():
    assert parse_currency_header(" eur ") == "EUR"
    assert parse_currency_header("") is None
    with pytest.raises(UnsupportedCurrency):
        parse_currency_header("EURO")

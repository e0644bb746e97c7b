"""URL path converters for ids: a path id is checked against its prefix and alphabet before any
view or query runs, so ``/orders/x%00`` or ``/orders/prod_...`` is a 404 without touching the
database (PostgreSQL refuses NUL bytes in text: that used to be a 500).

``<ord_id:order>`` matches ``ord_`` and a ULID (26 characters of Crockford base32, upper
case); ``<product_ref:product>`` matches a product id or slug. Registered by ``CoreConfig``.
"""

from __future__ import annotations

import re

from django.urls import register_converter

from .ids import ULID_ALPHABET

ULID_PATTERN = f"[{ULID_ALPHABET}]{{26}}"
#: Django's slug alphabet (SlugField), which prefixed ids also fall in.
SLUG_PATTERN = "[-a-zA-Z0-9_]{1,255}"

#: Converter name -> id prefix, for every kind of id that appears in a URL path.
ID_PREFIXES = {
    "str_id": "str",
    "ord_id": "ord",
    "oitm_id": "oitm",
    "disc_id": "disc",
    "shm_id": "shm",
    "txr_id": "txr",
    "prev_id": "prev",
    "conv_id": "conv",
    "cust_id": "cust",
    "whk_id": "whk",
    "dlv_id": "dlv",
    "pi_test_id": "pi_test",
    "imp_id": "imp",
    "sub_id": "sub",
}


class PrefixedIdConverter:
    """Subclassed per prefix by :func:`register` (Django instantiates converter classes)."""

    prefix = ""
    regex = ""

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class RefConverter:
    """An id or a slug (products and categories are addressed by either)."""

    regex = SLUG_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def register() -> None:
    for name, prefix in ID_PREFIXES.items():
        converter = type(
            f"{name}_converter",
            (PrefixedIdConverter,),
            {"prefix": prefix, "regex": f"{re.escape(prefix)}_{ULID_PATTERN}"},
        )
        register_converter(converter, name)
    register_converter(RefConverter, "product_ref")
    register_converter(RefConverter, "category_ref")

"""Prefixed, opaque, time-ordered identifiers: ``prod_01J9Z3K8Q4T6V0W2X5Y7A9BCDE``.

The part after the prefix is a ULID (48-bit millisecond timestamp and 80 random bits in
Crockford base32, made by ``python-ulid``), so ids sort by creation time and keep B-tree
inserts local.
"""

from django.db import models
from ulid import ULID

#: Crockford's base32: the characters of a ULID.
ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid() -> str:
    return str(ULID())


def new_id(prefix: str) -> str:
    return f"{prefix}_{ulid()}"


def has_prefix(value: str, prefix: str) -> bool:
    return isinstance(value, str) and value.startswith(f"{prefix}_")


def is_well_formed(value, prefix: str) -> bool:
    """``value`` is ``<prefix>_`` and a ULID: worth looking up (anything else cannot exist)."""
    return (
        isinstance(value, str)
        and len(value) == len(prefix) + 27
        and value.startswith(f"{prefix}_")
        and all(ch in ULID_ALPHABET for ch in value[len(prefix) + 1 :])
    )


class PrefixedIdField(models.CharField):
    """Primary key holding a prefixed ULID, generated on instantiation."""

    def __init__(self, prefix: str = "", *args, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def get_default(self):
        return new_id(self.prefix)

    def has_default(self):
        return True

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        for key, value in (
            ("max_length", 40),
            ("primary_key", True),
            ("editable", False),
        ):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, path, args, kwargs

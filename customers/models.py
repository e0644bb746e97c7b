"""Customers of a store. A guest checkout creates an unclaimed customer; passwordless login
(or create-account) claims it. The same email in two stores is two customers, and in one
store's test and live modes too: test mode is a sandbox, and its customers (created by test
checkouts, listed with test keys) are not live customers."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from core.addresses import ADDRESS_FIELDS
from core.api.casing import to_snake
from core.ids import PrefixedIdField
from core.models import BaseModel, Mode, StoreOwnedModel

MAX_TAGS = 50
MAX_TAG_LENGTH = 50


def tags_normalize(value) -> list[str]:
    """A list of 1-50 character strings (spaces collapsed, duplicates dropped, order kept);
    raise ValueError with a readable message otherwise."""
    if not isinstance(value, list):
        raise ValueError("Tags must be a list of strings.")
    if len(value) > MAX_TAGS:
        raise ValueError(f"At most {MAX_TAGS} tags.")
    tags: list[str] = []
    for tag in value:
        if not isinstance(tag, str):
            raise ValueError("Each tag must be a string.")
        tag = " ".join(tag.split())
        if not tag or len(tag) > MAX_TAG_LENGTH:
            raise ValueError(f"Each tag must be 1 to {MAX_TAG_LENGTH} characters.")
        if tag not in tags:
            tags.append(tag)
    return tags


class Customer(StoreOwnedModel):
    id = PrefixedIdField("cust")
    mode = models.CharField(
        max_length=8,
        choices=Mode.choices,
        default=Mode.TEST,
        help_text="The key mode the customer belongs to: test-mode customers come from "
        "test checkouts and are seen with test keys only.",
    )
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="", help_text="E.164")
    marketing_opt_in = models.BooleanField(default=False)
    tags = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the customer created an account or first logged in.",
    )
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "store", "mode", name="uniq_customer_email_per_mode"
            )
        ]

    def __str__(self):
        return self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_claimed(self) -> bool:
        return self.claimed_at is not None


class Address(BaseModel):
    """A saved address of a customer (``addr_``); order addresses are JSON snapshots."""

    id = PrefixedIdField("addr")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses"
    )
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    company = models.CharField(max_length=200, blank=True, default="")
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=10, blank=True, default="")
    postcode = models.CharField(max_length=20, blank=True, default="")
    country_code = models.CharField(max_length=2)
    phone = models.CharField(max_length=20, blank=True, default="")
    is_default = models.BooleanField(default=False)

    store_lookup = "customer__store"

    class Meta:
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_default=True),
                name="one_default_address",
            )
        ]

    def __str__(self):
        return f"{self.line1}, {self.city} {self.postcode} {self.country_code}"


def address_values(address: dict) -> dict[str, str]:
    """An address snapshot (snake_case or camelCase keys) as the saved Address's values."""
    data = {to_snake(str(key)): value for key, value in address.items()}
    values = {}
    for name in ADDRESS_FIELDS:
        value = data.get(name)
        values[name] = "" if value is None else str(value).strip()
    values["country_code"] = values["country_code"].upper()
    values["state"] = values["state"].upper()
    return values


def address_identity(values: dict[str, str]) -> tuple:
    """What makes two addresses the same place and recipient (phone aside)."""
    parts = []
    for name in ADDRESS_FIELDS:
        if name == "phone":
            continue
        value = values[name] or ""
        value = (
            value.replace(" ", "") if name == "postcode" else " ".join(value.split())
        )
        parts.append(value.casefold())
    return tuple(parts)


class CustomerSession(StoreOwnedModel):
    """An authenticated customer bound to a visitor's ``X-Cart-Token`` (per key mode).

    A session is **verified** once a login link emailed to the customer was used on it (the
    email is proven). A session started by create-account is not: until its token verifies
    a link, it sees only what that token created (its orders, and the profile details it
    typed, kept in ``details``), never data that reached the customer another way.
    """

    id = PrefixedIdField("csess")
    mode = models.CharField(max_length=8, default="test")
    cart_token = models.CharField(max_length=128)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="sessions"
    )
    last_seen_at = models.DateTimeField(auto_now=True)
    verified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a login link proved the email on this session (empty: not proven).",
    )
    details = models.JSONField(
        default=dict,
        blank=True,
        help_text="Profile details typed on an unverified session (what it may see).",
    )

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "mode", "cart_token"],
                name="one_session_per_cart_token",
            )
        ]


class LoginToken(StoreOwnedModel):
    """A passwordless login link: single use, short-lived, kept only as a SHA-256 digest.

    The raw token (``lnk_`` and 43 url-safe characters, 256 random bits) exists only in the
    email; the row keeps its digest, the customer, the key mode it was requested under, when
    it expires and when it was used.
    """

    id = PrefixedIdField("ltok")
    mode = models.CharField(max_length=8, default="test")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="login_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    locale = models.CharField(
        max_length=16,
        blank=True,
        default="",
        db_default="",
        help_text="The store locale the shopper asked in: the email is written in it.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "created_at"])]

    def __str__(self):
        return f"Login link for {self.customer_id} ({'used' if self.used_at else 'unused'})"

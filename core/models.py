"""Stores, their API keys and merchants, and the base classes every domain model uses."""

import hashlib
import secrets
import string

from django.conf import settings
from django.db import models
from django.utils import timezone

from .ids import PrefixedIdField
from .money import Money
from .validators import (
    validate_country,
    validate_currency,
    validate_locale,
    validate_timezone,
)


class BaseModel(models.Model):
    """Timestamps for every row. Concrete models declare ``id = PrefixedIdField("xxx")``."""

    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class StoreOwnedModel(BaseModel):
    """A row that belongs to exactly one store. Tenancy filters start from ``store``."""

    store = models.ForeignKey("core.Store", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class Mode(models.TextChoices):
    TEST = "test", "Test"
    LIVE = "live", "Live"


PAYMENT_METHODS = {
    "card": "Card",
    "apple_pay": "Apple Pay",
    "google_pay": "Google Pay",
    "bank_transfer": "Bank transfer",
}

DEFAULT_FEATURES = {
    "reviews": True,
    "discounts": True,
    "multi_currency": False,
    "conversations": True,
}


def default_features():
    return dict(DEFAULT_FEATURES)


def default_branding():
    return {"primary_color": "#FF5C00", "logo_url": None}


def default_payment_methods():
    return ["card", "bank_transfer"]


#: Where the order number goes in ``Store.bank_transfer_reference``.
BANK_REFERENCE_NUMBER = "{number}"


def bank_reference_problem(template: str) -> str | None:
    """Why a bank-transfer reference template cannot be used (API and dashboard), or None."""
    if template and BANK_REFERENCE_NUMBER not in template:
        return "Put {number} where the order number goes, e.g. ACME-{number}."
    return None


class Store(BaseModel):
    id = PrefixedIdField("str")
    name = models.CharField(max_length=200)
    currency = models.CharField(
        max_length=3, default="GBP", validators=[validate_currency]
    )
    country = models.CharField(
        max_length=2, default="GB", validators=[validate_country]
    )
    timezone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_timezone]
    )
    plan = models.CharField(max_length=32, default="self_hosted")
    supported_currencies = models.JSONField(default=list, blank=True)
    #: ``{"EUR": "1.17"}``: units of that currency per unit of ``currency`` (decimal
    #: strings); with ``features.multi_currency`` shoppers may pick those currencies.
    exchange_rates = models.JSONField(default=dict, blank=True, db_default={})
    #: ``{"EUR": "0.99"}``: how converted prices round ("none", "whole" or a price ending).
    currency_rounding = models.JSONField(default=dict, blank=True, db_default={})
    supported_locales = models.JSONField(default=list, blank=True)
    default_locale = models.CharField(
        max_length=16, default="en", validators=[validate_locale]
    )
    features = models.JSONField(default=default_features, blank=True)
    branding = models.JSONField(default=default_branding, blank=True)
    tax_inclusive = models.BooleanField(default=False)
    shipping_countries = models.JSONField(default=list, blank=True)
    payment_methods = models.JSONField(default=default_payment_methods, blank=True)
    notification_email = models.EmailField(blank=True, default="")
    storefront_url = models.URLField(
        blank=True, default="", help_text="Where login links and order pages point."
    )
    # db_default: rows written by code that predates the column (a rolling deploy, the
    # migration tests' historical models) still get "".
    bank_transfer_details = models.TextField(
        blank=True,
        default="",
        db_default="",
        help_text="What a shopper paying by bank transfer needs: account name, sort code "
        "and account number or IBAN, bank.",
    )
    bank_transfer_reference = models.CharField(
        max_length=60,
        blank=True,
        default="",
        db_default="",
        help_text="The payment reference shoppers quote, with {number} for the order "
        'number ("ACME-{number}"); empty: the order number.',
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="StoreMembership",
        related_name="stores",
        blank=True,
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def money(self, amount: int) -> Money:
        return Money(int(amount), self.currency)

    @property
    def locale(self) -> str:
        return self.default_locale or "en"

    def payment_reference(self, order_number) -> str:
        """The reference a bank transfer for order ``order_number`` should quote."""
        template = self.bank_transfer_reference or BANK_REFERENCE_NUMBER
        return template.replace(BANK_REFERENCE_NUMBER, str(order_number))

    def feature(self, name: str) -> bool:
        return bool((self.features or {}).get(name, DEFAULT_FEATURES.get(name, False)))


class StoreMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="store_memberships",
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "user"], name="uniq_store_membership"
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.store} ({self.role})"


_KEY_ALPHABET = string.ascii_letters + string.digits


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(BaseModel):
    """A publishable (``pk_``) or secret (``sk_``) key of one store, in test or live mode.

    Publishable keys are public and kept in clear. Secret keys are kept as a SHA-256 digest
    (they are 190-bit random strings, so a fast digest is enough) and shown once.
    """

    class Kind(models.TextChoices):
        PUBLISHABLE = "publishable", "Publishable"
        SECRET = "secret", "Secret"

    id = PrefixedIdField("key")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="api_keys")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    mode = models.CharField(max_length=8, choices=Mode.choices)
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    publishable_key = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    display_prefix = models.CharField(max_length=64, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["store", "kind", "mode", "-created_at"]

    def __str__(self):
        return f"{self.display_prefix}… ({self.kind}, {self.mode})"

    @staticmethod
    def generate(kind: str, mode: str) -> str:
        prefix = "pk" if kind == ApiKey.Kind.PUBLISHABLE else "sk"
        body = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(32))
        return f"{prefix}_{mode}_{body}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """The first response to a request carrying an ``Idempotency-Key``, replayed for 24 h."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", "In flight"
        COMPLETED = "completed", "Completed"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    #: The key mode of the request: a key used with a test key never replays to the live
    #: key (and the other way round).
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.LIVE)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.IN_FLIGHT
    )
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(blank=True, default="")
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    locked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "mode", "key"], name="uniq_idempotency_key_per_mode"
            )
        ]

    def __str__(self) -> str:
        return self.key


class OutboxMessage(BaseModel):
    """A task to run after the transaction that queued it commits (``core.outbox``).

    Pending until a worker finishes it, when the row is deleted; failed once its attempts
    are used up (kept for inspection: ``error`` says why).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        FAILED = "failed", "Failed"

    id = PrefixedIdField("job")
    task = models.CharField(max_length=200, help_text="The Celery task's name.")
    args = models.JSONField(default=list, blank=True)
    queue = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    scheduled_at = models.DateTimeField(help_text="Not run before this time.")
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="Last handed to the broker."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self):
        return f"{self.task}{tuple(self.args)} ({self.status})"

"""Customers of a store. A guest checkout creates an unclaimed customer; passwordless login
(or create-account) claims it. The same email in two stores is two customers."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from core.ids import PrefixedIdField
from core.models import BaseModel, StoreOwnedModel


class Customer(StoreOwnedModel):
    id = PrefixedIdField("cust")
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="", help_text="E.164")
    marketing_opt_in = models.BooleanField(default=False)
    tags = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the customer created an account or first logged in."
    )
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), "store", name="uniq_customer_email_per_store")
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
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
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
                fields=["customer"], condition=models.Q(is_default=True), name="one_default_address"
            )
        ]

    def __str__(self):
        return f"{self.line1}, {self.city} {self.postcode} {self.country_code}"


class CustomerSession(StoreOwnedModel):
    """An authenticated customer bound to a visitor's ``X-Cart-Token`` (per key mode)."""

    id = PrefixedIdField("csess")
    mode = models.CharField(max_length=8, default="test")
    cart_token = models.CharField(max_length=128)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="sessions")
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "mode", "cart_token"], name="one_session_per_cart_token"
            )
        ]

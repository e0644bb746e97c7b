"""Demo customers: a claimed account with a saved address, a guest, a wholesale buyer."""

from __future__ import annotations

from django.utils import timezone

from . import selectors, services

DEMO_CUSTOMERS = (
    {
        "email": "sam.buyer@example.com",
        "first_name": "Sam",
        "last_name": "Buyer",
        "phone": "+447700900123",
        "marketing_opt_in": True,
        "tags": ["vip"],
        "claimed": True,
        "address": {
            "first_name": "Sam",
            "last_name": "Buyer",
            "line1": "221B Baker Street",
            "city": "London",
            "postcode": "NW1 6XE",
            "country_code": "GB",
        },
    },
    {
        "email": "guest.shopper@example.com",
        "first_name": "Alex",
        "last_name": "Guest",
        "marketing_opt_in": False,
        "tags": [],
        "claimed": False,
    },
    {
        "email": "orders@wholesale.example",
        "first_name": "Jo",
        "last_name": "Trader",
        "marketing_opt_in": True,
        "tags": ["wholesale", "vip"],
        "claimed": True,
    },
)


def seed(*, store) -> None:
    """Create the demo customers once (idempotent: existing emails are left alone)."""
    for spec in DEMO_CUSTOMERS:
        if (
            selectors.customer_get_by_email(
                store=store, mode="test", email=spec["email"]
            )
            is not None
        ):
            continue
        fields = {
            k: spec[k] for k in ("first_name", "last_name", "marketing_opt_in", "tags")
        }
        if spec.get("phone"):
            fields["phone"] = spec["phone"]
        customer = services.customer_create(
            store=store, email=spec["email"], mode="test", **fields
        )
        if spec["claimed"]:
            customer.claimed_at = timezone.now()
            customer.save(update_fields=["claimed_at", "updated_at"])
        if spec.get("address"):
            services.customer_address_save_from_order(
                customer=customer, address=spec["address"]
            )

"""Demo pricing configuration: Royal Mail shipping, GB VAT, two US state rates, SPRING20."""

from __future__ import annotations

from decimal import Decimal

from .models import Discount, ShippingMethod, TaxRate

SHIPPING_METHODS = [
    {
        "name": "Royal Mail · Tracked 48",
        "description": "2-3 working days",
        "price_amount": 395,
        "countries": ["GB"],
        "estimated_min_days": 2,
        "estimated_max_days": 3,
        "free_above_amount": 5000,
        "sort_order": 0,
    },
    {
        "name": "Royal Mail · Tracked 24",
        "description": "1-2 working days",
        "price_amount": 595,
        "countries": ["GB"],
        "estimated_min_days": 1,
        "estimated_max_days": 2,
        "sort_order": 1,
    },
    {
        "name": "International Tracked",
        "description": "5-10 working days",
        "price_amount": 1495,
        "countries": [],
        "estimated_min_days": 5,
        "estimated_max_days": 10,
        "sort_order": 2,
    },
]

TAX_RATES = [
    {
        "country_code": "GB",
        "state": "",
        "postcode_prefix": "",
        "name": "VAT",
        "rate": Decimal("0.2"),
        "applies_to_shipping": True,
    },
    {
        "country_code": "US",
        "state": "CA",
        "postcode_prefix": "",
        "name": "Sales tax",
        "rate": Decimal("0.0725"),
        "applies_to_shipping": False,
    },
    {
        "country_code": "US",
        "state": "NY",
        "postcode_prefix": "",
        "name": "Sales tax",
        "rate": Decimal("0.04"),
        "applies_to_shipping": True,
    },
]


def seed(*, store) -> None:
    """Create the demo shipping methods, tax rates and discount once (idempotent)."""
    for spec in SHIPPING_METHODS:
        ShippingMethod.objects.get_or_create(
            store=store, name=spec["name"], defaults=spec
        )
    for spec in TAX_RATES:
        key = {k: spec[k] for k in ("country_code", "state", "postcode_prefix", "name")}
        TaxRate.objects.get_or_create(store=store, **key, defaults=spec)
    if not Discount.objects.filter(store=store, code__iexact="SPRING20").exists():
        Discount.objects.create(
            store=store, code="SPRING20", type=Discount.Type.PERCENTAGE, value=20
        )

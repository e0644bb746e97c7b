"""The store's shipping methods and tax rates, and the amounts carts hold in the store
currency (``core.signals.store_currency_amounts`` / ``store_currency_convert``)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from catalog.services import convert_amount_columns
from core.exceptions import ValidationFailed

from ..models import Discount, ShippingMethod, TaxRate

SHIPPING_FIELDS = (
    "name",
    "description",
    "price_amount",
    "countries",
    "estimated_min_days",
    "estimated_max_days",
    "free_above_amount",
    "min_weight_grams",
    "max_weight_grams",
    "active",
    "sort_order",
    "currency_amounts",
)


def _shipping_method_save(method: ShippingMethod, data: dict) -> ShippingMethod:
    for name in SHIPPING_FIELDS:
        if name in data:
            setattr(method, name, data[name])
    errors: dict[str, list[str]] = {}
    if (
        method.estimated_min_days is not None
        and method.estimated_max_days is not None
        and method.estimated_max_days < method.estimated_min_days
    ):
        errors["estimated_max_days"] = ["Must not be below estimatedMinDays."]
    if (
        method.min_weight_grams is not None
        and method.max_weight_grams is not None
        and method.max_weight_grams < method.min_weight_grams
    ):
        errors["max_weight_grams"] = ["Must not be below minWeightGrams."]
    if errors:
        name, messages = next(iter(errors.items()))
        raise ValidationFailed(f"{name}: {messages[0]}", fields=errors)
    method.full_clean()
    method.save()
    return method


def shipping_method_create(*, store, data: dict) -> ShippingMethod:
    """Create a shipping method (countries empty = every shipping country of the store)."""
    return _shipping_method_save(ShippingMethod(store=store), data)


def shipping_method_update(*, method: ShippingMethod, data: dict) -> ShippingMethod:
    return _shipping_method_save(method, data)


def shipping_method_delete(*, method: ShippingMethod) -> None:
    """Delete a shipping method; carts that chose it drop it with a message."""
    method.delete()


TAX_FIELDS = (
    "country_code",
    "state",
    "postcode_prefix",
    "name",
    "rate",
    "applies_to_shipping",
)


def _tax_rate_save(rate: TaxRate, data: dict) -> TaxRate:
    for name in TAX_FIELDS:
        if name in data:
            setattr(rate, name, data[name])
    duplicate = TaxRate.objects.filter(
        store_id=rate.store_id,
        country_code=rate.country_code,
        state=rate.state,
        postcode_prefix=rate.postcode_prefix,
        name__iexact=rate.name,
    ).exclude(pk=rate.pk)
    if duplicate.exists():
        message = "A rate with this name already exists for this country, state and postcode prefix."
        raise ValidationFailed(f"name: {message}", fields={"name": [message]})
    rate.full_clean()
    rate.save()
    return rate


def tax_rate_create(*, store, data: dict) -> TaxRate:
    """Create a tax rate. How rates combine: see ``carts.pricing.match_tax_rates``."""
    return _tax_rate_save(TaxRate(store=store), data)


def tax_rate_update(*, rate: TaxRate, data: dict) -> TaxRate:
    return _tax_rate_save(rate, data)


def tax_rate_delete(*, rate: TaxRate) -> None:
    rate.delete()


def _amount_discounts(store):
    return Discount.objects.filter(
        Q(type=Discount.Type.FIXED, value__gt=0)
        | Q(minimum_subtotal_amount__isnull=False),
        store=store,
    )


def _amount_shipping_methods(store):
    return ShippingMethod.objects.filter(
        Q(price_amount__gt=0) | Q(free_above_amount__isnull=False), store=store
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def store_amounts_describe(*, store, **kwargs) -> list[str]:
    """``core.signals.store_currency_amounts``: discounts with an amount (fixed value or
    minimum subtotal) and priced shipping methods."""
    found = []
    discounts = _amount_discounts(store).count()
    if discounts:
        found.append(_plural(discounts, "discount") + " with an amount")
    methods = _amount_shipping_methods(store).count()
    if methods:
        found.append(_plural(methods, "priced shipping method"))
    return found


@transaction.atomic
def store_amounts_convert(*, store, convert, **kwargs) -> None:
    """``core.signals.store_currency_convert``: fixed discount values, minimum subtotals,
    shipping prices and free-shipping thresholds, converted with ``convert`` (percentages
    stay as they are)."""
    convert_amount_columns(
        Discount.objects.filter(store=store, type=Discount.Type.FIXED).order_by("pk"),
        ("value",),
        convert,
    )
    convert_amount_columns(
        Discount.objects.filter(
            store=store, minimum_subtotal_amount__isnull=False
        ).order_by("pk"),
        ("minimum_subtotal_amount",),
        convert,
    )
    convert_amount_columns(
        ShippingMethod.objects.filter(store=store).order_by("pk"),
        ("price_amount", "free_above_amount"),
        convert,
    )

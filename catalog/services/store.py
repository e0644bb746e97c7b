"""What the catalogue answers about its store: cached pages made stale by a change, the
amounts held in the store currency and their conversion, the test-mode reset (receivers
connected in ``catalog.apps``)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.api.caching import catalog_version_bump
from core.models import Store

from ..models import BundleComponent, Product, ProductOptionValue, Variant
from .stock import test_stock_reset


def store_test_mode_reset(*, store, **kwargs) -> list[str]:
    """``core.signals.store_test_mode_reset``: the stock test orders took."""
    count = test_stock_reset(store=store)
    return [f"test-mode stock of {count} variant{'s' if count != 1 else ''}"]


def _store_id_of(instance) -> str | None:
    """The store of a catalogue row, from the rows already loaded with it when it can."""
    if isinstance(instance, Store):
        return instance.pk
    if getattr(instance, "store_id", None):
        return instance.store_id
    cached = instance._state.fields_cache
    if isinstance(instance, BundleComponent):
        if "bundle" in cached:
            return instance.bundle.store_id
        product = Product.objects.filter(pk=instance.bundle_id)
    elif isinstance(instance, ProductOptionValue):
        if "option" in cached and "product" in cached["option"]._state.fields_cache:
            return instance.option.product.store_id
        product = Product.objects.filter(options=instance.option_id)
    elif "product" in cached:
        return instance.product.store_id
    else:
        product = Product.objects.filter(pk=instance.product_id)
    return product.values_list("store_id", flat=True).first()


def catalog_changed(*, instance, **kwargs) -> None:
    """``post_save`` / ``post_delete`` of every catalogue row (and of the store, whose
    currency and tax settings the payloads show): the store's cached public pages are stale
    once this commits. Writes by ``update()`` bump the version themselves (stock)."""
    store_id = _store_id_of(instance)
    if store_id:
        catalog_version_bump(store_id)


_PRODUCT_AMOUNTS = (
    "price_amount",
    "sale_price_amount",
    "cost_amount",
    "fixed_shipping_rate_amount",
)


def _priced_products(store):
    return Product.objects.filter(
        Q(price_amount__gt=0)
        | Q(sale_price_amount__isnull=False)
        | Q(cost_amount__isnull=False)
        | Q(fixed_shipping_rate_amount__isnull=False)
        | Q(variants__price_amount__isnull=False),
        store=store,
    ).distinct()


def store_amounts_describe(*, store, **kwargs) -> list[str]:
    """``core.signals.store_currency_amounts``: the store's priced products."""
    count = _priced_products(store).count()
    return [f"{count} priced product{'s' if count != 1 else ''}"] if count else []


def convert_amount_columns(queryset, fields: tuple[str, ...], convert) -> None:
    """Rewrite the (nullable) amount ``fields`` of every row of ``queryset``."""
    rows = list(queryset.select_for_update())
    now = timezone.now()
    for row in rows:
        row.updated_at = now
        for name in fields:
            value = getattr(row, name)
            if value is not None:
                setattr(row, name, convert(value))
    queryset.model.objects.bulk_update(rows, [*fields, "updated_at"], batch_size=500)


@transaction.atomic
def store_amounts_convert(*, store, convert, **kwargs) -> None:
    """``core.signals.store_currency_convert``: product and variant prices, sale prices,
    costs and fixed shipping rates, converted with ``convert``."""
    catalog_version_bump(store.pk)
    convert_amount_columns(
        Product.objects.filter(store=store).order_by("pk"), _PRODUCT_AMOUNTS, convert
    )
    convert_amount_columns(
        Variant.objects.filter(
            product__store=store, price_amount__isnull=False
        ).order_by("pk"),
        ("price_amount",),
        convert,
    )

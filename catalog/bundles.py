"""Bundles: products sold from other products' stock.

A bundle (``productType`` bundle) is a simple product whose default variant holds no stock:
it lists component variants with quantities (:class:`~catalog.models.BundleComponent`),
has its own price, and can sell as many whole bundles as its components' stock allows
(:func:`~catalog.models.bundle_available`). Checkout takes, and releases and restocks give
back, the components' units (``catalog.services.stock_reserve`` / ``stock_release`` expand
a :class:`~catalog.services.StockLine` with ``components``), and order lines keep a
snapshot of what one bundle contained (:func:`components_snapshot`).

Reads attach a bundle's component rows to the product (and its variant) once, and only when
the products read include a bundle, so catalogue pages of ordinary products run no more
queries than before and a page with bundles runs two more (:func:`bundles_attach`).
"""

from __future__ import annotations

from django.db.models import Prefetch

from core.api.caching import catalog_version_bump
from core.exceptions import ValidationFailed, field_error

from .derived import variant_name
from .models import BundleComponent, Product, ProductOptionValue, Variant

#: The most components one bundle may list.
MAX_COMPONENTS = 50

BUNDLE = Product.ProductType.BUNDLE


# -- reads ------------------------------------------------------------------------------


def _rows_queryset():
    return (
        BundleComponent.objects.select_related("component__product")
        .prefetch_related(
            Prefetch(
                "component__option_values",
                queryset=ProductOptionValue.objects.select_related("option").order_by(
                    "option__position", "position"
                ),
            )
        )
        .order_by("position", "created_at", "id")
    )


def bundle_rows_load(product_ids) -> dict[str, list[BundleComponent]]:
    """``{bundle product id: [component rows]}``, each row with its component variant, the
    variant's product and option values (two queries)."""
    rows: dict[str, list[BundleComponent]] = {}
    for row in _rows_queryset().filter(bundle_id__in=set(product_ids)):
        rows.setdefault(row.bundle_id, []).append(row)
    return rows


def _prefetched_variants(product: Product) -> list[Variant]:
    cache = getattr(product, "_prefetched_objects_cache", {})
    return list(cache.get("variants", ()))


def bundles_attach(products) -> None:
    """Attach to every bundle among ``products`` its component rows (``_bundle_rows``, also
    on its prefetched variants, so their ``available_stock`` is the bundle's). No query
    unless a bundle is among them."""
    wanted = [
        p
        for p in products
        if p.product_type == BUNDLE and not hasattr(p, "_bundle_rows")
    ]
    if not wanted:
        return
    rows = bundle_rows_load(p.pk for p in wanted)
    for product in wanted:
        product._bundle_rows = rows.get(product.pk, [])
        for variant in _prefetched_variants(product):
            variant._bundle_rows = product._bundle_rows


def variants_attach(variants) -> None:
    """The same for variants loaded with their product (cart lines): the variants of
    bundles get their bundle's component rows. No query unless one is a bundle's."""
    wanted = [
        v
        for v in variants
        if v is not None
        and v.product.product_type == BUNDLE
        and not hasattr(v, "_bundle_rows")
    ]
    if not wanted:
        return
    rows = bundle_rows_load(v.product_id for v in wanted)
    for variant in wanted:
        variant._bundle_rows = rows.get(variant.product_id, [])


def bundle_rows(product: Product) -> list[BundleComponent]:
    """A bundle's component rows (attached, or loaded now); ``[]`` for other products."""
    if product.product_type != BUNDLE:
        return []
    bundles_attach([product])
    return product._bundle_rows


def variant_available_now(*, variant: Variant, mode: str) -> int:
    """What a key of ``mode`` can buy of ``variant`` (loaded with its product), read afresh
    from the database: its stock, or the whole bundles its components allow."""
    if variant.product.product_type == BUNDLE:
        fresh = Variant(pk=variant.pk, product=variant.product)
        fresh._bundle_rows = bundle_rows_load([variant.product_id]).get(
            variant.product_id, []
        )
        return fresh.available_stock(mode)
    return (
        Variant.objects.only("stock", "test_reserved")
        .get(pk=variant.pk)
        .available_stock(mode)
    )


def bundle_value(rows: list[BundleComponent], at=None) -> int:
    """What the components cost bought separately now (minor units)."""
    return sum(row.component.current_price_amount(at) * row.quantity for row in rows)


def stock_components(variant: Variant) -> tuple[tuple[str, int], ...]:
    """``((component variant id, units per bundle), ...)`` of a bundle's variant with its
    rows attached (``catalog.services.StockLine.components``); ``()`` for other variants."""
    rows = getattr(variant, "_bundle_rows", None) or ()
    return tuple((row.component_id, row.quantity) for row in rows)


def components_snapshot(variant: Variant) -> list[dict]:
    """What one bundle contains, for an order line to keep (names as they are now):
    ``[{"variant_id", "product_id", "product_name", "variant_name", "sku", "quantity"}]``;
    ``[]`` for other variants."""
    rows = getattr(variant, "_bundle_rows", None) or ()
    return [
        {
            "variant_id": row.component_id,
            "product_id": row.component.product_id,
            "product_name": row.component.product.name,
            "variant_name": variant_name(row.component),
            "sku": row.component.sku or row.component.product.sku,
            "quantity": row.quantity,
        }
        for row in rows
    ]


def snapshot_stock_components(snapshot) -> tuple[tuple[str, int], ...]:
    """:func:`stock_components` of an order line's snapshot (what it took, whatever the
    bundle contains today)."""
    return tuple(
        (entry["variant_id"], int(entry["quantity"]))
        for entry in snapshot or ()
        if entry.get("variant_id")
    )


# -- writes -----------------------------------------------------------------------------


def components_check(
    *, product: Product, components: list[dict], field: str = "components"
) -> list[tuple[Variant, int]]:
    """Check ``[{"variant_id", "quantity"}]`` for the bundle ``product``: variants of the
    same store, not of a bundle (nor the product itself), each listed once, quantity at
    least 1. A 422 naming every bad entry (``components[i].variantId``); returns
    ``[(variant, quantity)]`` in order."""
    if len(components) > MAX_COMPONENTS:
        raise field_error(field, f"A bundle lists at most {MAX_COMPONENTS} components.")
    ids = [c["variant_id"] for c in components]
    found = {
        v.pk: v
        for v in Variant.objects.filter(
            pk__in=set(ids), product__store_id=product.store_id
        ).select_related("product")
    }
    errors: dict = {}
    seen: set[str] = set()
    result: list[tuple[Variant, int]] = []
    for index, entry in enumerate(components):
        path = (field, index, "variant_id")
        variant = found.get(entry["variant_id"])
        quantity = entry.get("quantity", 1)
        if variant is None:
            errors[path] = ["Unknown variant: give the id of a variant of this store."]
        elif variant.pk in seen:
            errors[path] = ["This variant is listed twice: give it one quantity."]
        elif product.pk and variant.product_id == product.pk:
            errors[path] = ["A bundle cannot contain itself."]
        elif variant.product.product_type == BUNDLE:
            errors[path] = ["A bundle cannot contain another bundle."]
        elif variant.product.product_type == Product.ProductType.SUBSCRIPTION:
            errors[path] = ["A subscription cannot be part of a bundle."]
        elif (
            isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1
        ):
            errors[(field, index, "quantity")] = ["The quantity must be at least 1."]
        else:
            seen.add(variant.pk)
            result.append((variant, quantity))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, fields=errors)
    return result


def components_replace(*, product: Product, components: list[dict]) -> None:
    """Make the bundle's components exactly ``components`` (checked first)."""
    checked = components_check(product=product, components=components)
    BundleComponent.objects.filter(bundle=product).delete()
    BundleComponent.objects.bulk_create(
        [
            BundleComponent(
                bundle=product, component=variant, quantity=quantity, position=index
            )
            for index, (variant, quantity) in enumerate(checked)
        ]
    )
    if hasattr(product, "_bundle_rows"):
        del product._bundle_rows
    catalog_version_bump(product.store_id)  # bulk writes send no post_save


def bundles_containing(product: Product) -> list[str]:
    """Names of the bundles that list a variant of ``product``."""
    return list(
        Product.objects.filter(bundle_components__component__product=product)
        .exclude(pk=product.pk)
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)
    )

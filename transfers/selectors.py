"""Reads of the import/export app: imports by id, and a product in the importer's terms."""

from __future__ import annotations

from catalog import selectors as catalog_selectors
from catalog.models import Product
from core.exceptions import NotFound

from .models import Import


def import_get(*, store, mode: str, import_id: str) -> Import:
    """One import of ``store`` made in ``mode`` (another store's or mode's is not found)."""
    found = Import.objects.filter(store=store, mode=mode, pk=import_id).first()
    if found is None:
        raise NotFound("Import not found.")
    return found


def import_list(*, store, mode: str):
    return Import.objects.filter(store=store, mode=mode).order_by("-created_at")


def products_for_snapshot(*, ids) -> dict[str, Product]:
    """Products by id with what :func:`product_snapshot` reads, in a fixed number of
    queries however many there are (the import compares a whole batch at once)."""
    products = Product.objects.filter(pk__in=list(ids)).prefetch_related(
        *catalog_selectors.product_prefetches(), "categories"
    )
    return {product.pk: product for product in products}


def product_snapshot(product: Product) -> dict:
    """The product as the importer's validated input would describe it (the keys of
    ``ProductInputSerializer``), to tell whether a row changes anything. Reads the
    relations :func:`products_for_snapshot` prefetches (a product without them is read)."""
    if "variants" not in getattr(product, "_prefetched_objects_cache", {}):
        product = products_for_snapshot(ids=[product.pk])[product.pk]
    variants = list(product.variants.all())
    default = next((v for v in variants if v.is_default), None)
    options = [
        {"name": option.name, "values": [v.value for v in option.values.all()]}
        for option in product.options.all()
    ]
    snapshot = {
        "name": product.name,
        "slug": product.slug,
        "description": product.description,
        "status": product.status,
        "brand": product.brand,
        "price": product.price_amount,
        "sale_price": product.sale_price_amount,
        "cost": product.cost_amount,
        "track_inventory": product.track_inventory,
        "sku": product.sku,
        "barcode": product.barcode,
        "weight_grams": product.weight_grams,
        "metadata": product.metadata,
        "category_ids": sorted(c.pk for c in product.categories.all()),
        "options": options,
        "variants": [
            {
                "option_values": {
                    v.option.name: v.value for v in variant.option_values.all()
                },
                "sku": variant.sku,
                "barcode": variant.barcode,
                "price": variant.price_amount,
                "stock": variant.stock,
                "weight_grams": variant.weight_grams,
            }
            for variant in variants
            if not variant.is_default
        ],
    }
    if default is not None:
        snapshot["stock"] = default.stock
    return snapshot


def snapshot_differs(current: dict, wanted: dict) -> list[str]:
    """The keys of ``wanted`` whose value differs from ``current`` (variants compared on
    the keys each wanted variant gives)."""
    changed = []
    for key, value in wanted.items():
        have = current.get(key)
        if key == "category_ids":
            same = sorted(value) == have
        elif key == "variants":
            same = len(value) == len(have or []) and all(
                all(w[k] == h.get(k) for k in w)
                for w, h in zip(value, have, strict=False)
            )
        elif key == "options":
            same = [
                {"name": o["name"], "values": list(o["values"])} for o in value
            ] == have
        else:
            same = value == have
        if not same:
            changed.append(key)
    return changed

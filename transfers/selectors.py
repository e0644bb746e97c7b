"""Reads of the import/export app: imports by id, and a product in the importer's terms."""

from __future__ import annotations

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


def product_snapshot(product: Product) -> dict:
    """The product as the importer's validated input would describe it (the keys of
    ``ProductInputSerializer``), to tell whether a row changes anything."""
    variants = list(
        product.variants.order_by("position", "created_at").prefetch_related(
            "option_values__option"
        )
    )
    default = next((v for v in variants if v.is_default), None)
    options = [
        {"name": option.name, "values": [v.value for v in option.values.all()]}
        for option in product.options.prefetch_related("values")
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
        "category_ids": sorted(product.categories.values_list("pk", flat=True)),
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

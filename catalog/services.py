"""Catalog writes. Stock changes go through the three functions at the top, which lock variant
rows (in id order, so concurrent multi-line reservations cannot deadlock) and write an
:class:`~catalog.models.InventoryAdjustment` for every change."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from core.exceptions import Conflict, Unprocessable

from .models import InventoryAdjustment, Variant


@dataclass(frozen=True)
class StockLine:
    """``quantity`` units of ``variant_id``; ``label`` names the line in error messages."""

    variant_id: str
    quantity: int
    label: str = ""


def _locked_variants(variant_ids) -> dict[str, Variant]:
    ids = sorted(set(variant_ids))
    variants = Variant.objects.select_for_update().select_related("product").filter(pk__in=ids).order_by("pk")
    return {v.pk: v for v in variants}


def _audit(variant: Variant, before: int, after: int, *, reason: str, source: str,
           reference: str = "", actor: str = "") -> InventoryAdjustment:
    return InventoryAdjustment.objects.create(
        store_id=variant.product.store_id,
        product_id=variant.product_id,
        variant=variant,
        stock_before=before,
        stock_after=after,
        reason=reason,
        source=source,
        reference=reference,
        actor=actor,
    )


@transaction.atomic
def stock_adjust(*, variant: Variant, operation: str, quantity: int, reason: str = "",
                 source: str = InventoryAdjustment.Source.API, reference: str = "",
                 actor: str = "") -> InventoryAdjustment:
    """Set, increment or decrement one variant's stock atomically.

    A decrement below zero is a 409 and changes nothing.
    """
    if quantity < 0:
        raise Unprocessable("Quantity must not be negative.", fields={"quantity": ["Must be 0 or more."]})
    locked = _locked_variants([variant.pk])[variant.pk]
    before = locked.stock
    if operation == "set":
        after = quantity
    elif operation == "increment":
        after = before + quantity
    elif operation == "decrement":
        after = before - quantity
        if after < 0:
            raise Conflict(
                f"Cannot decrement stock by {quantity}: only {before} in stock.",
                code="insufficient_stock",
            )
    else:
        raise Unprocessable(
            "Operation must be one of set, increment, decrement.",
            fields={"operation": ["Must be one of set, increment, decrement."]},
        )
    Variant.objects.filter(pk=locked.pk).update(stock=after)
    variant.stock = after
    return _audit(locked, before, after, reason=reason, source=source, reference=reference, actor=actor)


@transaction.atomic
def stock_reserve(*, lines: list[StockLine], source: str = InventoryAdjustment.Source.CHECKOUT,
                  reference: str = "", reason: str = "Reserved at checkout") -> None:
    """Take stock for every line or for none: a line that cannot be satisfied is a 409
    naming it (``fields`` carries its label). Untracked products are not counted."""
    variants = _locked_variants(line.variant_id for line in lines)
    wanted: dict[str, int] = {}
    for line in lines:
        wanted[line.variant_id] = wanted.get(line.variant_id, 0) + line.quantity
    for line in lines:
        variant = variants.get(line.variant_id)
        label = line.label or line.variant_id
        if variant is None:
            raise Conflict(f"{label} is no longer available.", code="out_of_stock", fields={label: ["No longer available."]})
        if variant.product.track_inventory and variant.stock < wanted[line.variant_id]:
            raise Conflict(
                f"Only {variant.stock} of {label} left in stock.",
                code="out_of_stock",
                fields={label: [f"Only {variant.stock} left in stock."]},
            )
    for variant_id, quantity in wanted.items():
        variant = variants[variant_id]
        if not variant.product.track_inventory:
            continue
        before = variant.stock
        Variant.objects.filter(pk=variant_id).update(stock=before - quantity)
        _audit(variant, before, before - quantity, reason=reason, source=source, reference=reference)


@transaction.atomic
def stock_release(*, lines: list[StockLine], source: str, reference: str = "",
                  reason: str = "") -> None:
    """Put stock back (expired or failed payment, cancellation, refund restock)."""
    variants = _locked_variants(line.variant_id for line in lines)
    for line in lines:
        variant = variants.get(line.variant_id)
        if variant is None or not variant.product.track_inventory or line.quantity <= 0:
            continue
        before = variant.stock
        variant.stock = before + line.quantity
        Variant.objects.filter(pk=variant.pk).update(stock=variant.stock)
        _audit(variant, before, variant.stock, reason=reason, source=source, reference=reference)

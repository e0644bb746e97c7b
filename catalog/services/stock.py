"""Stock: every change of a variant's stock, audited.

Stock changes go through :func:`stock_adjust`, :func:`stock_reserve` and :func:`stock_release`,
which lock variant rows (only the variant rows, in id order, so concurrent multi-line
reservations cannot deadlock; a bundle line's components are among them), write an
:class:`~catalog.models.InventoryAdjustment` for every change and record ``inventory.low``
when a tracked variant falls to its product's threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.api.caching import catalog_version_bump
from core.exceptions import Conflict, NotFound, ValidationFailed, field_error

from .. import events
from ..models import MAX_STOCK, InventoryAdjustment, Product, Variant


class OutOfStock(Conflict):
    """A line of a reservation that stock cannot satisfy: ``variant_id`` names it and
    ``available`` says how many units are left (0 when the variant is gone). ``fields``
    has the reason under ``variant_id``; a caller that knows the line better (checkout's
    ``items[i]``) says so itself."""

    code = "out_of_stock"

    def __init__(self, message: str, *, variant_id: str, available: int, reason: str):
        super().__init__(message, fields={"variant_id": [reason]})
        self.variant_id = variant_id
        self.available = available
        self.reason = reason


@dataclass(frozen=True)
class StockLine:
    """``quantity`` units of ``variant_id``; ``label`` names the line in error messages.

    A bundle line gives ``components``, ``((component variant id, units per bundle), ...)``
    (``catalog.bundles.stock_components``, or an order line's snapshot): its stock is taken
    from, and given back to, those variants, never the bundle's own (which holds none)."""

    variant_id: str
    quantity: int
    label: str = ""
    components: tuple[tuple[str, int], ...] = ()

    def demand(self) -> dict[str, int]:
        """Units of each variant this line moves."""
        if not self.components:
            return {self.variant_id: self.quantity}
        units: dict[str, int] = {}
        for variant_id, per_bundle in self.components:
            units[variant_id] = units.get(variant_id, 0) + per_bundle * self.quantity
        return units


def _line_variant_ids(lines) -> set[str]:
    """Every variant the lines name: their own and their bundles' components (locked
    together, in id order)."""
    ids: set[str] = set()
    for line in lines:
        ids.add(line.variant_id)
        ids.update(variant_id for variant_id, _ in line.components)
    return ids


def _locked_variants(variant_ids) -> dict[str, Variant]:
    ids = sorted(set(variant_ids))
    variants = (
        Variant.objects.select_for_update(of=("self",))
        .select_related("product", "product__store")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {v.pk: v for v in variants}


def _write_stock(variant: Variant, after: int) -> None:
    Variant.objects.filter(pk=variant.pk).update(stock=after, updated_at=timezone.now())
    variant.stock = after
    catalog_version_bump(variant.product.store_id)  # inStock, inventoryCount


def _audit_row(
    variant: Variant,
    before: int,
    after: int,
    *,
    reason: str,
    source: str,
    reference: str = "",
    actor: str = "",
    mode: str = "live",
) -> InventoryAdjustment:
    """An unsaved audit row of one stock change (test mode: before and after are test
    availability)."""
    return InventoryAdjustment(
        store_id=variant.product.store_id,
        product_id=variant.product_id,
        variant=variant,
        mode=mode,
        stock_before=before,
        stock_after=after,
        reason=reason[:255],
        source=source,
        reference=reference[:64],
        actor=actor[:150],
    )


def _audit(variant: Variant, before: int, after: int, **fields) -> InventoryAdjustment:
    adjustment = _audit_row(variant, before, after, **fields)
    adjustment.save()
    return adjustment


def _crossed_low(variant: Variant, before: int, after: int) -> bool:
    product = variant.product
    threshold = product.effective_low_stock_threshold
    return product.track_inventory and before > threshold >= after


def _low_stock_events(products: dict[str, Product], *, mode: str) -> None:
    for product in products.values():
        events.product_event(product=product, type="inventory.low", mode=mode)


@transaction.atomic
def stock_adjust(
    *,
    variant: Variant,
    operation: str,
    quantity: int,
    reason: str = "",
    source: str = InventoryAdjustment.Source.API,
    reference: str = "",
    actor: str = "",
    mode: str,
) -> InventoryAdjustment:
    """Set, increment or decrement one variant's stock atomically.

    A decrement below zero is a 409 and a result above :data:`~catalog.models.MAX_STOCK`
    a 422, both changing nothing. ``variant.stock`` is updated.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise field_error("quantity", "Quantity must be an integer of 0 or more.")
    if operation not in ("set", "increment", "decrement"):
        raise field_error(
            "operation", "Operation must be one of set, increment, decrement."
        )
    locked = _locked_variants([variant.pk]).get(variant.pk)
    if locked is None:
        raise NotFound("Variant not found.")
    before = locked.stock
    if operation == "set":
        after = quantity
    elif operation == "increment":
        after = before + quantity
    else:
        after = before - quantity
        if after < 0:
            raise Conflict(
                f"Cannot decrement stock by {quantity}: only {before} in stock.",
                code="insufficient_stock",
            )
    if after > MAX_STOCK and after > before:
        message = (
            f"Stock cannot exceed {MAX_STOCK:,} units: {before:,} in stock, so at most "
            f"{max(MAX_STOCK - before, 0):,} more can be added."
            if operation == "increment"
            else f"Stock cannot exceed {MAX_STOCK:,} units."
        )
        raise ValidationFailed(
            message, code="stock_limit_exceeded", fields={"quantity": [message]}
        )
    _write_stock(locked, after)
    variant.stock = after
    adjustment = _audit(
        locked,
        before,
        after,
        reason=reason,
        source=source,
        reference=reference,
        actor=actor,
    )
    if _crossed_low(locked, before, after):
        _low_stock_events({locked.product_id: locked.product}, mode=mode)
    return adjustment


def _test_reserved_write(variant: Variant, after: int) -> None:
    Variant.objects.filter(pk=variant.pk).update(
        test_reserved=after, updated_at=timezone.now()
    )
    variant.test_reserved = after
    catalog_version_bump(variant.product.store_id)


def _audit_test(variant: Variant, before: int, after: int, **fields) -> None:
    """The audit row of a test-mode change: before and after are test availability."""
    _audit(variant, before, after, mode="test", **fields)


def stock_reserve(
    *,
    lines: list[StockLine],
    mode: str,
    source: str = InventoryAdjustment.Source.CHECKOUT,
    reference: str = "",
    reason: str = "Reserved at checkout",
) -> None:
    """Take stock for every line or for none: a line that cannot be satisfied raises
    :class:`OutOfStock` naming its variant (``label`` only words the message). Untracked
    products are not counted.

    A bundle line (``components``) takes its components' units, added to what the other
    lines take of the same variants (a bundle and its candle bought together need both);
    every variant named, components included, is locked in one statement in id order.
    Audit rows of components taken for bundles say so in their reason.

    ``mode`` is the key mode of the order. Test mode is a sandbox: it never changes
    ``stock``; it takes units from what test mode can buy (``Variant.available_stock``) by
    raising ``test_reserved``, so stock checks still apply within test mode.
    """
    # No savepoint (checkout calls this inside its transaction): every check is made
    # before anything is written, and a refusal is raised outside the block, so a caller
    # that catches it (a late payment taking its stock again) goes on; any other error
    # fails the caller's transaction anyway.
    refusal = None
    with transaction.atomic(savepoint=False):
        try:
            _stock_take(
                lines=lines,
                mode=mode,
                source=source,
                reference=reference,
                reason=reason,
            )
        except OutOfStock as exc:
            refusal = exc
    if refusal is not None:
        raise refusal


def _stock_take(
    *, lines: list[StockLine], mode: str, source: str, reference: str, reason: str
) -> None:
    variants = _locked_variants(_line_variant_ids(lines))
    demands = [line.demand() for line in lines]
    wanted: dict[str, int] = {}
    bundles: dict[str, list[str]] = {}  # component -> labels of the bundles taking it
    for line, demand in zip(lines, demands, strict=True):
        for variant_id, units in demand.items():
            wanted[variant_id] = wanted.get(variant_id, 0) + units
            if line.components:
                bundles.setdefault(variant_id, []).append(line.label or line.variant_id)
    for line, demand in zip(lines, demands, strict=True):
        _reserve_check(line, demand, variants, wanted, mode)
    low: dict[str, Product] = {}
    changed: list[Variant] = []
    audit: list[InventoryAdjustment] = []
    now = timezone.now()
    for variant_id, quantity in wanted.items():
        variant = variants[variant_id]
        if not variant.product.track_inventory or quantity <= 0:
            continue
        before = variant.available_stock(mode)
        if mode == "test":
            variant.test_reserved += quantity
        else:
            variant.stock = before - quantity
            if _crossed_low(variant, before, before - quantity):
                low[variant.product_id] = variant.product
        variant.updated_at = now
        changed.append(variant)
        audit.append(
            _audit_row(
                variant,
                before,
                before - quantity,
                mode=mode,
                reason=_bundle_reason(reason, bundles.get(variant_id)),
                source=source,
                reference=reference,
            )
        )
    if changed:
        # One UPDATE and one INSERT for the whole order, whatever its number of lines.
        column = "test_reserved" if mode == "test" else "stock"
        Variant.objects.bulk_update(changed, [column, "updated_at"])
        InventoryAdjustment.objects.bulk_create(audit)
        for store_id in {v.product.store_id for v in changed}:
            catalog_version_bump(store_id)
    _low_stock_events(low, mode=mode)


def _bundle_reason(reason: str, labels: list[str] | None) -> str:
    """The audit reason of a component moved for bundles: ``... (bundle: Gift set)``."""
    if not labels:
        return reason
    names = ", ".join(dict.fromkeys(labels))
    return f"{reason} (bundle: {names})" if reason else f"Bundle: {names}"


def _reserve_check(line: StockLine, demand, variants, wanted, mode: str) -> None:
    """Raise :class:`OutOfStock` naming ``line`` when the units it needs are gone or short
    (what it could have is what is left after the other lines' demand)."""
    label = line.label or line.variant_id
    variant = variants.get(line.variant_id)
    bundle_without = (
        variant is not None
        and variant.product.product_type == Product.ProductType.BUNDLE
        and not line.components
    )
    if variant is None or bundle_without or any(v not in variants for v in demand):
        raise OutOfStock(
            f"{label} is no longer available.",
            variant_id=line.variant_id,
            available=0,
            reason="No longer available.",
        )

    def left(variant_id: str) -> int:
        # What the other lines leave of this variant.
        others = wanted[variant_id] - demand[variant_id]
        return variants[variant_id].available_stock(mode) - others

    tracked = [v for v in demand if variants[v].product.track_inventory]
    if not any(variants[v].available_stock(mode) < wanted[v] for v in tracked):
        return
    if line.components:
        per_bundle = dict(line.components)
        available = max(min(left(v) // per_bundle[v] for v in tracked), 0)
    else:
        available = max(left(line.variant_id), 0)
    raise OutOfStock(
        f"Only {available} of {label} left in stock.",
        variant_id=line.variant_id,
        available=available,
        reason=f"Only {available} left in stock.",
    )


def _expand_release(lines: list[StockLine]) -> list[tuple[str, int, str]]:
    """``(variant id, units, bundle label or "")`` of every variant the lines give back."""
    moves = []
    for line in lines:
        bundle = (line.label or line.variant_id) if line.components else ""
        for variant_id, units in line.demand().items():
            moves.append((variant_id, units, bundle))
    return moves


@transaction.atomic
def stock_release(
    *,
    lines: list[StockLine],
    source: str,
    mode: str,
    reference: str = "",
    reason: str = "",
) -> None:
    """Put stock back (expired or failed payment, cancellation, refund restock).

    Units taken earlier always fit back, unless the merchant raised the stock to
    :data:`~catalog.models.MAX_STOCK` meanwhile: the stock then stops at that bound. In test
    mode the units go back to what test mode can buy (``test_reserved`` falls, never below
    0); live stock is untouched."""
    variants = _locked_variants(_line_variant_ids(lines))
    for variant_id, quantity, bundle in _expand_release(lines):
        variant = variants.get(variant_id)
        if variant is None or not variant.product.track_inventory or quantity <= 0:
            continue
        if variant.product.product_type == Product.ProductType.BUNDLE:
            continue  # a bundle's own variant holds nothing to give back
        why = _bundle_reason(reason, [bundle] if bundle else None)
        if mode == "test":
            before = variant.available_stock(mode)
            _test_reserved_write(variant, max(variant.test_reserved - quantity, 0))
            _audit_test(
                variant,
                before,
                variant.available_stock(mode),
                reason=why,
                source=source,
                reference=reference,
            )
            continue
        before = variant.stock
        _write_stock(variant, max(before, min(before + quantity, MAX_STOCK)))
        _audit(
            variant,
            before,
            variant.stock,
            reason=why,
            source=source,
            reference=reference,
        )


@transaction.atomic
def test_stock_reset(*, store) -> int:
    """Give test mode the whole stock again (``test_reserved`` back to 0 on every variant
    of the store); returns how many variants had test reservations."""
    catalog_version_bump(store.pk)
    return Variant.objects.filter(product__store=store, test_reserved__gt=0).update(
        test_reserved=0, updated_at=timezone.now()
    )


@dataclass(frozen=True)
class InventoryResult:
    product_id: str
    variant_id: str
    stock_before: int
    stock_after: int
    updated_at: object


def product_inventory_adjust(
    *,
    product: Product,
    variant_id: str | None,
    operation: str,
    quantity: int,
    reason: str = "",
    mode: str,
    source: str = InventoryAdjustment.Source.API,
    actor: str = "",
) -> InventoryResult:
    """Adjust the stock of a simple product (its default variant) or of one of its variants.

    A variant-based product needs ``variant_id`` (422 without it); a bundle has no stock
    of its own (422: adjust its components)."""
    if product.product_type == Product.ProductType.BUNDLE:
        raise ValidationFailed(
            "A bundle has no stock of its own: adjust the stock of its components.",
            code="bundle_has_no_stock",
        )
    if variant_id:
        variant = Variant.objects.filter(product=product, pk=variant_id).first()
        if variant is None:
            raise field_error("variant_id", "This product has no such variant.")
    else:
        variant = Variant.objects.filter(product=product, is_default=True).first()
        if variant is None:
            raise field_error(
                "variant_id", "This product has variants: say which one with variantId."
            )
    adjustment = stock_adjust(
        variant=variant,
        operation=operation,
        quantity=quantity,
        reason=reason,
        source=source,
        actor=actor,
        mode=mode,
    )
    return InventoryResult(
        product_id=product.pk,
        variant_id=variant.pk,
        stock_before=adjustment.stock_before,
        stock_after=adjustment.stock_after,
        updated_at=adjustment.created_at,
    )

"""Catalog writes.

Stock changes go through :func:`stock_adjust`, :func:`stock_reserve` and :func:`stock_release`,
which lock variant rows (only the variant rows, in id order, so concurrent multi-line
reservations cannot deadlock; a bundle line's components are among them), write an
:class:`~catalog.models.InventoryAdjustment` for every change and record ``inventory.low``
when a tracked variant falls to its product's threshold.

Product writes keep the catalogue's invariant: a simple product has exactly one default
variant (no option values) carrying its sku, barcode, weight and stock, and inheriting its
price; a variant-based product has options and one variant per distinct combination of their
values, and no default variant.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from core.api.caching import catalog_version_bump
from core.exceptions import Conflict, NotFound, ValidationFailed, field_error
from core.models import Store

from . import bundles, events, signals
from .images import image_aspect_ratio
from .models import (
    MAX_STOCK,
    BundleComponent,
    Category,
    InventoryAdjustment,
    Media,
    Product,
    ProductOption,
    ProductOptionValue,
    Review,
    Variant,
)

SLUG_MAX = 200
MAX_GENERATED_VARIANTS = 250


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


# -- stock ------------------------------------------------------------------------------


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


def store_test_mode_reset(*, store, **kwargs) -> list[str]:
    """``core.signals.store_test_mode_reset``: the stock test orders took."""
    count = test_stock_reset(store=store)
    return [f"test-mode stock of {count} variant{'s' if count != 1 else ''}"]


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


# -- slugs ------------------------------------------------------------------------------


def _slug_base(name: str, fallback: str) -> str:
    base = slugify(name).replace("_", "-").strip("-")
    while "--" in base:
        base = base.replace("--", "-")
    return base[: SLUG_MAX - 8].strip("-") or fallback


def unique_slug(
    *, model, store, name: str, fallback: str, exclude_pk: str | None = None
) -> str:
    """A slug from ``name`` free in ``store``: ``candle``, then ``candle-2``, ``candle-3``..."""
    base = _slug_base(name, fallback)
    taken_qs = model.objects.filter(store=store).filter(
        Q(slug=base) | Q(slug__startswith=f"{base}-")
    )
    if exclude_pk:
        taken_qs = taken_qs.exclude(pk=exclude_pk)
    taken = set(taken_qs.values_list("slug", flat=True))
    if base not in taken:
        return base
    for n in itertools.count(2):
        candidate = f"{base}-{n}"
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")


def _check_slug_free(*, model, store, slug: str, exclude_pk: str | None = None) -> None:
    queryset = model.objects.filter(store=store, slug=slug)
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    if queryset.exists():
        raise field_error(
            "slug",
            f"The slug {slug!r} is already used by another {model._meta.verbose_name}.",
        )


# -- products ---------------------------------------------------------------------------

#: Input key -> model field, for fields copied as they are.
PRODUCT_FIELDS = {
    "name": "name",
    "summary": "summary",
    "description": "description",
    "status": "status",
    "product_type": "product_type",
    "price": "price_amount",
    "sale_price": "sale_price_amount",
    "sale_name": "sale_name",
    "sale_starts_at": "sale_starts_at",
    "sale_ends_at": "sale_ends_at",
    "cost": "cost_amount",
    "sku": "sku",
    "barcode": "barcode",
    "brand": "brand",
    "weight_grams": "weight_grams",
    "track_inventory": "track_inventory",
    "low_stock_threshold": "low_stock_threshold",
    "min_order_quantity": "min_order_quantity",
    "max_order_quantity": "max_order_quantity",
    "shipping_type": "shipping_type",
    "require_delivery_or_collection": "require_delivery_or_collection",
    "fixed_shipping_rate_cents": "fixed_shipping_rate_amount",
    "featured": "featured",
    "sort_order": "sort_order",
    "metadata": "metadata",
    "slug": "slug",
    "translations": "translations",
}


def product_check_rules(product: Product) -> None:
    """Cross-field rules; a break is a 422 naming the (wire) field."""
    if product.is_subscription and not product.subscription_interval:
        raise field_error(
            ("subscription", "interval"),
            "A subscription product needs a billing interval (day, week, month or year).",
        )
    if (
        product.sale_price_amount is not None
        and product.sale_price_amount >= product.price_amount
    ):
        raise field_error("sale_price", "The sale price must be lower than the price.")
    if (
        product.max_order_quantity is not None
        and product.max_order_quantity < product.min_order_quantity
    ):
        raise field_error(
            "max_order_quantity",
            "The maximum order quantity must be at least the minimum.",
        )
    if (
        product.sale_starts_at
        and product.sale_ends_at
        and product.sale_ends_at <= product.sale_starts_at
    ):
        raise field_error("sale_ends_at", "The sale must end after it starts.")


def _store_categories(*, store, ids: list[str]) -> list[Category]:
    ids = list(dict.fromkeys(ids))
    found = {c.pk: c for c in Category.objects.filter(store=store, pk__in=ids)}
    unknown = [pk for pk in ids if pk not in found]
    if unknown:
        raise field_error("category_ids", f"Unknown category: {', '.join(unknown)}.")
    return [found[pk] for pk in ids]


def sku_check_unique(*, store, product: Product, skus: dict[str, str]) -> None:
    """Skus are unique per store (across every variant of every product). ``skus`` maps a
    wire field name to the sku it would set."""
    seen: dict[str, str] = {}
    for field, sku in skus.items():
        if not sku:
            continue
        if sku in seen:
            raise field_error(field, f"The sku {sku!r} appears twice.")
        seen[sku] = field
    if not seen:
        return
    clash = (
        Variant.objects.filter(product__store=store, sku__in=list(seen))
        .exclude(product_id=product.pk)
        .values_list("sku", flat=True)
        .first()
    )
    if clash:
        raise field_error(
            seen[clash], f"The sku {clash!r} is already used by another product."
        )


def _remove_variant(variant: Variant, *, actor: str, source: str, reason: str) -> None:
    containing = list(
        Product.objects.filter(bundle_components__component=variant)
        .order_by("name")
        .values_list("name", flat=True)
    )
    if containing:
        raise field_error(
            "options",
            f"The variant {variant.sku or variant.pk} is a component of "
            f"{', '.join(containing)}: take it out of the bundle first.",
            code="bundle_component",
        )
    if variant.stock:
        _audit(variant, variant.stock, 0, reason=reason, source=source, actor=actor)
    variant.delete()


def _create_variant(
    *, product: Product, stock: int, actor: str, source: str, **fields
) -> Variant:
    variant = Variant(product=product, stock=stock, **fields)
    variant.full_clean(exclude=["product", "option_values"])
    variant.save()
    if stock:
        _audit(variant, 0, stock, reason="Initial stock", source=source, actor=actor)
    return variant


def _set_stock(
    variant: Variant, stock: int, *, actor: str, source: str, mode: str
) -> None:
    if stock != variant.stock:
        stock_adjust(
            variant=variant,
            operation="set",
            quantity=stock,
            reason="Product update",
            source=source,
            actor=actor,
            mode=mode,
        )


def _option_name_translations(texts: dict) -> dict:
    """``{locale: {"name": ...}}`` of an option's input translations."""
    return {
        locale: {"name": entry["name"]}
        for locale, entry in texts.items()
        if entry.get("name")
    }


def _option_value_translations(texts: dict, value: str) -> dict:
    """``{locale: {"value": ...}}`` of one value in an option's input translations
    (matched without regard to case)."""
    result = {}
    for locale, entry in texts.items():
        for key, text in (entry.get("values") or {}).items():
            if key.lower() == value.lower():
                result[locale] = {"value": text}
    return result


def _sync_options(
    product: Product, options: list[dict]
) -> dict[str, dict[str, ProductOptionValue]]:
    """Make the product's options exactly ``options`` (kept rows keep their ids); return
    ``{option name: {value: ProductOptionValue}}``."""
    existing = {o.name.lower(): o for o in product.options.prefetch_related("values")}
    wanted = {o["name"].lower() for o in options}
    for key, option in existing.items():
        if key not in wanted:
            option.delete()
    result: dict[str, dict[str, ProductOptionValue]] = {}
    for position, data in enumerate(options):
        option = existing.get(data["name"].lower())
        # Sent translations replace the option's; without them it keeps what it had.
        texts = data.get("translations")
        names = None if texts is None else _option_name_translations(texts)
        if option is None:
            option = ProductOption.objects.create(
                product=product,
                name=data["name"],
                position=position,
                translations=names or {},
            )
            current = {}
        else:
            changed = []
            if option.name != data["name"] or option.position != position:
                option.name, option.position = data["name"], position
                changed += ["name", "position"]
            if names is not None and option.translations != names:
                option.translations = names
                changed.append("translations")
            if changed:
                option.save(update_fields=[*changed, "updated_at"])
            current = {v.value.lower(): v for v in option.values.all()}
        keep = {v.lower() for v in data["values"]}
        for key, value in current.items():
            if key not in keep:
                value.delete()
        values = {}
        for vpos, text in enumerate(data["values"]):
            value = current.get(text.lower())
            value_texts = (
                None if texts is None else _option_value_translations(texts, text)
            )
            if value is None:
                value = ProductOptionValue.objects.create(
                    option=option,
                    value=text,
                    position=vpos,
                    translations=value_texts or {},
                )
            else:
                changed = []
                if value.value != text or value.position != vpos:
                    value.value, value.position = text, vpos
                    changed += ["value", "position"]
                if value_texts is not None and value.translations != value_texts:
                    value.translations = value_texts
                    changed.append("translations")
                if changed:
                    value.save(update_fields=[*changed, "updated_at"])
            values[text] = value
        result[data["name"]] = values
    return result


def _combination_key(pairs: dict[str, str]) -> frozenset:
    return frozenset((k.lower(), v.lower()) for k, v in pairs.items())


def variant_combinations(values: dict[str, dict]) -> list[dict]:
    """One variant input per combination of the options' values (``{option name: {value
    text: value}}``), for a product whose variants are not given; at most
    ``MAX_GENERATED_VARIANTS``."""
    combos = list(itertools.product(*[list(v.items()) for v in values.values()]))
    if len(combos) > MAX_GENERATED_VARIANTS:
        raise field_error("options", f"At most {MAX_GENERATED_VARIANTS} combinations.")
    return [
        {
            "option_values": {
                name: text for name, (text, _) in zip(values, combo, strict=True)
            }
        }
        for combo in combos
    ]


def _validate_variants(
    variants: list[dict], options: dict[str, dict[str, ProductOptionValue]]
) -> list:
    """Each variant names exactly one known value of every option; combinations are unique.
    Returns the option value rows of each variant."""
    by_lower = {name.lower(): (name, values) for name, values in options.items()}
    seen: dict[frozenset, int] = {}
    rows = []
    for index, data in enumerate(variants):
        field = ("variants", index, "option_values")
        given = data["option_values"]
        lowered = {k.lower(): (k, v) for k, v in given.items()}
        if len(lowered) != len(given):
            raise field_error(field, "Each option may appear once.")
        missing = [name for key, (name, _) in by_lower.items() if key not in lowered]
        unknown = [k for k in given if k.lower() not in by_lower]
        if unknown:
            raise field_error(field, f"Unknown option: {', '.join(unknown)}.")
        if missing:
            raise field_error(field, f"Missing a value for: {', '.join(missing)}.")
        values = []
        for key, (_, text) in lowered.items():
            name, known = by_lower[key]
            match = next(
                (v for t, v in known.items() if t.lower() == text.strip().lower()), None
            )
            if match is None:
                raise field_error(field, f"{text!r} is not a value of {name}.")
            values.append(match)
        combo = frozenset(v.pk for v in values)
        if combo in seen:
            raise field_error(field, f"Same option values as variants[{seen[combo]}].")
        seen[combo] = index
        rows.append(values)
    return rows


def _existing_variant_keys(product: Product) -> dict[frozenset, Variant]:
    variants = product.variants.filter(is_default=False).prefetch_related(
        "option_values__option"
    )
    return {
        _combination_key(
            {v.option.name: v.value for v in variant.option_values.all()}
        ): variant
        for variant in variants
    }


def _make_simple(
    product: Product, *, stock: int | None, actor: str, source: str, mode: str
) -> None:
    for variant in product.variants.filter(is_default=False):
        _remove_variant(variant, actor=actor, source=source, reason="Variant removed")
    product.options.all().delete()
    default = product.variants.filter(is_default=True).first()
    fields = {
        "sku": product.sku,
        "barcode": product.barcode,
        "weight_grams": product.weight_grams,
    }
    if default is None:
        _create_variant(
            product=product,
            stock=stock or 0,
            actor=actor,
            source=source,
            is_default=True,
            price_amount=None,
            position=0,
            **fields,
        )
        return
    changed = [k for k, v in fields.items() if getattr(default, k) != v]
    if changed or default.price_amount is not None:
        for key in changed:
            setattr(default, key, fields[key])
        default.price_amount = None
        default.save(update_fields=[*changed, "price_amount", "updated_at"])
    if stock is not None:
        _set_stock(default, stock, actor=actor, source=source, mode=mode)


def _make_variant_based(
    product: Product,
    *,
    options: list[dict] | None,
    variants: list[dict] | None,
    actor: str,
    source: str,
    mode: str,
) -> None:
    old = _existing_variant_keys(product)
    default = product.variants.filter(is_default=True).first()
    if options is not None:
        values = _sync_options(product, options)
    else:
        values = {
            o.name: {v.value: v for v in o.values.all()}
            for o in product.options.prefetch_related("values")
        }
    if variants is None:
        variants = variant_combinations(values)
    rows = _validate_variants(variants, values)
    skus = {
        ("variants", i, "sku"): v.get("sku", "")
        for i, v in enumerate(variants)
        if "sku" in v
    }
    sku_check_unique(store=product.store, product=product, skus=skus)
    if default is not None:
        _remove_variant(
            default, actor=actor, source=source, reason="Product now has variants"
        )
    through = Variant.option_values.through
    media_ids = set(product.media.values_list("id", flat=True))
    kept: set[str] = set()
    final: list[tuple[Variant, list[ProductOptionValue]]] = []
    for position, (data, option_values) in enumerate(zip(variants, rows, strict=True)):
        key = _combination_key({v.option.name: v.value for v in option_values})
        variant = old.get(key)
        fields = {
            k: data[k]
            for k in ("sku", "barcode", "weight_grams", "media_id")
            if k in data
        }
        if fields.get("media_id") and fields["media_id"] not in media_ids:
            raise field_error(
                ("variants", position, "media_id"), "Not one of this product's media."
            )
        if "price" in data:
            fields["price_amount"] = data["price"]
        if "prices" in data:
            fields["currency_prices"] = data["prices"]
        if variant is None:
            variant = _create_variant(
                product=product,
                stock=data.get("stock", 0),
                actor=actor,
                source=source,
                position=position,
                **fields,
            )
        else:
            kept.add(variant.pk)
            fields["position"] = position
            changed = [k for k, v in fields.items() if getattr(variant, k) != v]
            for k in changed:
                setattr(variant, k, fields[k])
            if changed:
                variant.save(update_fields=[*changed, "updated_at"])
            if "stock" in data:
                _set_stock(
                    variant, data["stock"], actor=actor, source=source, mode=mode
                )
        final.append((variant, option_values))
    for variant in old.values():
        if variant.pk not in kept:
            _remove_variant(
                variant, actor=actor, source=source, reason="Variant removed"
            )
    through.objects.filter(variant__product=product).delete()
    through.objects.bulk_create(
        [
            through(variant_id=v.pk, productoptionvalue_id=ov.pk)
            for v, ovs in final
            for ov in ovs
        ]
    )


def _apply_structure(
    product: Product,
    data: dict,
    *,
    creating: bool,
    actor: str,
    source: str,
    mode: str,
) -> None:
    options = data.get("options")
    variants = data.get("variants")
    stock = data.get("stock")
    currently_variant_based = not creating and product.options.exists()
    if options is not None:
        becomes_variant_based = bool(options)
    else:
        becomes_variant_based = currently_variant_based
    if not becomes_variant_based:
        if variants:
            raise field_error("variants", "Define options before variants.")
        _make_simple(product, stock=stock, actor=actor, source=source, mode=mode)
        return
    if stock is not None:
        raise field_error(
            "stock", "Set stock on each variant of a variant-based product."
        )
    if options is not None or variants is not None:
        _make_variant_based(
            product,
            options=options,
            variants=variants,
            actor=actor,
            source=source,
            mode=mode,
        )


def product_currency_prices_set(*, product: Product, prices: dict) -> None:
    """A simple product's explicit prices in other currencies (the dashboard's field);
    ignored for a variant-based product, whose variants carry their own."""
    _currency_prices_apply(product, {"prices": prices}, strict=False)


def _currency_prices_apply(
    product: Product, data: dict, *, strict: bool = True
) -> None:
    """A simple product's explicit prices in other currencies (``prices``) go on its
    default variant; a variant-based product takes them per variant."""
    if "prices" not in data:
        return
    default = product.variants.filter(is_default=True).first()
    if default is None:
        if data["prices"] and strict:
            raise field_error(
                "prices", "Set prices on each variant of a variant-based product."
            )
        return
    if default.currency_prices != data["prices"]:
        default.currency_prices = data["prices"]
        default.save(update_fields=["currency_prices", "updated_at"])


#: ``subscription`` input key -> model field.
SUBSCRIPTION_FIELDS = {
    "interval": "subscription_interval",
    "interval_count": "subscription_interval_count",
    "trial_days": "subscription_trial_days",
}


def _assign(product: Product, data: dict) -> None:
    terms = data.get("subscription")
    if terms is not None:
        for key, field in SUBSCRIPTION_FIELDS.items():
            if key in terms:
                setattr(product, field, terms[key])
    for key, field in PRODUCT_FIELDS.items():
        if key in data:
            value = data[key]
            if (
                key
                in ("sku", "barcode", "brand", "summary", "description", "sale_name")
                and value is None
            ):
                value = ""
            setattr(product, field, value)


def _save_product(product: Product, *, auto_slug: bool) -> None:
    """Save, retrying an auto-generated slug that a concurrent write took meanwhile."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                product.save()
            return
        except IntegrityError:
            if not auto_slug or attempt == 2:
                raise
            product.slug = unique_slug(
                model=Product,
                store=product.store,
                name=product.name,
                fallback="product",
                exclude_pk=product.pk,
            )


def _bundle_check(product: Product, data: dict, *, creating: bool) -> None:
    """The rules of bundles, before anything is written: a bundle is a simple product
    (no options), holds no stock of its own (its stock is always counted, through its
    components: ``track_inventory`` is kept on) and is no other bundle's component;
    only bundles list ``components``."""
    if product.product_type != Product.ProductType.BUNDLE:
        if data.get("components"):
            raise field_error(
                "components", "Only bundles have components: set productType to bundle."
            )
        return
    product.track_inventory = True
    if data.get("options"):
        raise field_error(
            "options",
            "A bundle has no options: list the variants it contains as its components.",
        )
    if not creating and data.get("options") is None and product.options.exists():
        raise field_error(
            "product_type",
            "A product with options cannot become a bundle: remove its options first.",
        )
    if data.get("stock"):
        raise field_error(
            "stock",
            "A bundle has no stock of its own: it sells as many as its components allow.",
        )
    if not creating:
        containing = bundles.bundles_containing(product)
        if containing:
            raise field_error(
                "product_type",
                f"This product is a component of {', '.join(containing)}: a bundle "
                "cannot contain another bundle.",
            )


def _bundle_apply(
    product: Product,
    data: dict,
    *,
    was_bundle: bool,
    actor: str,
    source: str,
    mode: str,
) -> None:
    """Write a bundle's components (when sent), empty the stock of a product that became
    a bundle (audited), and forget the components of one that stopped being a bundle."""
    if product.product_type != Product.ProductType.BUNDLE:
        if was_bundle:
            BundleComponent.objects.filter(bundle=product).delete()
        return
    if "components" in data:
        bundles.components_replace(product=product, components=data["components"])
    if not was_bundle:
        for variant in product.variants.filter(is_default=True, stock__gt=0):
            stock_adjust(
                variant=variant,
                operation="set",
                quantity=0,
                reason="Now a bundle: sold from its components' stock",
                source=source,
                actor=actor,
                mode=mode,
            )


@transaction.atomic
def product_bundle_settle(
    *,
    product: Product,
    was_bundle: bool,
    components: list[dict] | None = None,
    mode: str,
    actor: str = "",
    source: str = InventoryAdjustment.Source.DASHBOARD,
) -> None:
    """After a product was saved outside the API (dashboard): write a bundle's
    ``components`` when given, and keep the bundle rules (no own stock, components only
    on bundles) as :func:`product_update` does."""
    data = {} if components is None else {"components": components}
    _bundle_apply(
        product, data, was_bundle=was_bundle, actor=actor, source=source, mode=mode
    )


@transaction.atomic
def product_create(
    *,
    store,
    data: dict,
    mode: str,
    actor: str = "",
    source: str = InventoryAdjustment.Source.API,
) -> Product:
    """Create a product from validated input (see ``ProductInputSerializer``)."""
    product = Product(store=store)
    _assign(product, data)
    _bundle_check(product, data, creating=True)
    auto_slug = not data.get("slug")
    if auto_slug:
        product.slug = unique_slug(
            model=Product, store=store, name=product.name, fallback="product"
        )
    else:
        _check_slug_free(model=Product, store=store, slug=product.slug)
    product_check_rules(product)
    categories = _store_categories(store=store, ids=data.get("category_ids") or [])
    if not data.get("options"):
        sku_check_unique(store=store, product=product, skus={"sku": product.sku})
    product.full_clean(validate_unique=False, validate_constraints=False)
    _save_product(product, auto_slug=auto_slug)
    if categories:
        product.categories.set(categories)
    _apply_structure(
        product, data, creating=True, actor=actor, source=source, mode=mode
    )
    _bundle_apply(
        product, data, was_bundle=False, actor=actor, source=source, mode=mode
    )
    _currency_prices_apply(product, data)
    events.product_event(product=product, type="product.created", mode=mode)
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    data: dict,
    mode: str,
    actor: str = "",
    source: str = InventoryAdjustment.Source.API,
    publish: bool = True,
) -> Product:
    """Change only the fields in ``data``; ``options``/``variants`` replace when sent.
    ``publish=False``: the caller publishes ``product.updated`` itself (the import, for
    a whole batch with :func:`events.products_event`)."""
    product = (
        Product.objects.select_for_update(of=("self",))
        .select_related("store")
        .get(pk=product.pk)
    )
    was_bundle = product.product_type == Product.ProductType.BUNDLE
    _assign(product, data)
    _bundle_check(product, data, creating=False)
    if "slug" in data:
        _check_slug_free(
            model=Product, store=product.store, slug=product.slug, exclude_pk=product.pk
        )
    product_check_rules(product)
    if "category_ids" in data:
        product.categories.set(
            _store_categories(store=product.store, ids=data["category_ids"])
        )
    simple_after = not (
        data["options"] if data.get("options") is not None else product.options.exists()
    )
    if simple_after and "sku" in data:
        sku_check_unique(
            store=product.store, product=product, skus={"sku": product.sku}
        )
    product.full_clean(validate_unique=False, validate_constraints=False)
    product.save()
    structural = {"options", "variants", "stock"} & set(data)
    mirrored = {"sku", "barcode", "weight_grams"} & set(data)
    if structural or (mirrored and simple_after):
        _apply_structure(
            product, data, creating=False, actor=actor, source=source, mode=mode
        )
    _bundle_apply(
        product, data, was_bundle=was_bundle, actor=actor, source=source, mode=mode
    )
    _currency_prices_apply(product, data)
    if publish:
        events.product_event(product=product, type="product.updated", mode=mode)
    return product


@transaction.atomic
def product_archive(*, product: Product, mode: str) -> Product:
    """Soft-delete: off the storefront, kept for past orders. Archiving twice is a no-op."""
    product = (
        Product.objects.select_for_update(of=("self",))
        .select_related("store")
        .get(pk=product.pk)
    )
    if product.status == Product.Status.ARCHIVED:
        return product
    product.status = Product.Status.ARCHIVED
    product.save(update_fields=["status", "updated_at"])
    events.product_event(product=product, type="product.deleted", mode=mode)
    return product


def product_notify_saved(*, product: Product, created: bool, mode: str) -> None:
    """Record product.created / product.updated for a change made outside the API (dashboard)."""
    events.product_event(
        product=product,
        type="product.created" if created else "product.updated",
        mode=mode,
    )


@transaction.atomic
def product_options_replace(
    *,
    product: Product,
    options: list[dict],
    mode: str,
    actor: str = "",
    source: str = InventoryAdjustment.Source.DASHBOARD,
) -> None:
    """Set a product's options (``[{"name", "values"}]``) and restore the invariant: no
    options, one default variant mirroring the product's sku, barcode and weight; with
    options, one variant per combination (existing combinations keep their id, sku, price and
    stock; removed ones are deleted with an audit row for their stock)."""
    options = [o for o in options if o.get("values")]
    if not options:
        _make_simple(product, stock=None, actor=actor, source=source, mode=mode)
        return
    _make_variant_based(
        product, options=options, variants=None, actor=actor, source=source, mode=mode
    )


# -- media ------------------------------------------------------------------------------


@transaction.atomic
def media_save(*, media: Media) -> Media:
    """Store a product image or video through Django's storage, with its aspect ratio read
    from the image (videos keep whatever ratio was given)."""
    if not media.is_video and media.file:
        ratio = image_aspect_ratio(media.file)
        if ratio is not None:
            media.aspect_ratio = ratio
    media.save()
    # Reading the ratio opened the stored file; release it now rather than at collection.
    media.file.close()
    return media


def media_create(
    *,
    product: Product,
    file,
    alt: str = "",
    position: int = 0,
    is_video: bool = False,
    aspect_ratio: float | None = None,
) -> Media:
    media = Media(
        product=product,
        alt=alt,
        position=position,
        is_video=is_video,
        aspect_ratio=aspect_ratio,
    )
    media.file.save(file.name, file, save=False)
    return media_save(media=media)


# -- categories -------------------------------------------------------------------------

CATEGORY_FIELDS = (
    "name",
    "slug",
    "description",
    "meta_title",
    "meta_description",
    "published",
    "sort_order",
    "translations",
)


def category_parent_check(
    *, category: Category, parent_id: str | None
) -> Category | None:
    if not parent_id:
        return None
    parent = Category.objects.filter(store=category.store, pk=parent_id).first()
    if parent is None:
        raise field_error("parent_id", "Unknown parent category.")
    node, seen = parent, set()
    while node is not None:
        if node.pk == category.pk:
            raise field_error(
                "parent_id",
                "A category cannot be placed under itself or its own children.",
            )
        if node.pk in seen:
            break
        seen.add(node.pk)
        node = node.parent
    return parent


@transaction.atomic
def category_create(*, store, data: dict) -> Category:
    category = Category(store=store)
    for key in CATEGORY_FIELDS:
        if key in data:
            setattr(category, key, data[key])
    if data.get("slug"):
        _check_slug_free(model=Category, store=store, slug=category.slug)
    else:
        category.slug = unique_slug(
            model=Category, store=store, name=category.name, fallback="category"
        )
    category.parent = category_parent_check(
        category=category, parent_id=data.get("parent_id")
    )
    category.full_clean(validate_unique=False, validate_constraints=False)
    category.save()
    return category


@transaction.atomic
def category_update(*, category: Category, data: dict) -> Category:
    if "parent_id" in data:
        # Serialise tree changes of the store so two moves cannot build a cycle together.
        list(
            Category.objects.select_for_update()
            .filter(store=category.store)
            .order_by("pk")
            .values_list("pk")
        )
        category.refresh_from_db()
    for key in CATEGORY_FIELDS:
        if key in data:
            setattr(category, key, data[key])
    if "slug" in data:
        _check_slug_free(
            model=Category,
            store=category.store,
            slug=category.slug,
            exclude_pk=category.pk,
        )
    if "parent_id" in data:
        category.parent = category_parent_check(
            category=category, parent_id=data["parent_id"]
        )
    category.full_clean(validate_unique=False, validate_constraints=False)
    category.save()
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Delete a category (products lose it); one with children is a 409."""
    if Category.objects.filter(parent=category).exists():
        raise Conflict(
            "This category has child categories: move or delete them first.",
            code="category_has_children",
        )
    category.delete()


# -- reviews ----------------------------------------------------------------------------


def review_verified_purchase(
    *, product: Product, email: str, customer=None, mode: str
) -> bool:
    """True when ``email`` (or ``customer``) bought ``product`` in key ``mode`` (asked of
    the apps above through ``catalog.signals.purchase_verify``)."""
    if not email and customer is None:
        return False
    answers = signals.purchase_verify.send(
        sender=Product, product=product, email=email, customer=customer, mode=mode
    )
    return any(answer for _, answer in answers)


@transaction.atomic
def review_create(
    *,
    product: Product,
    rating: int,
    body: str,
    title: str = "",
    author_name: str = "",
    author_email: str = "",
    customer=None,
    mode: str,
) -> Review:
    """A review awaiting moderation. A guest must give an email; a logged-in customer's name
    and email fill the blanks. A second review of the same product by the same email is a 409."""
    email = (author_email or (customer.email if customer is not None else "")).strip()
    if not email:
        raise field_error("author_email", "The authorEmail field is required.")
    name = (author_name or (customer.full_name if customer is not None else "")).strip()
    # Per mode: a test review never stands in the way of the real one.
    duplicate = Review.objects.filter(
        product=product, author_email__iexact=email, mode=mode
    ).exclude(status=Review.Status.REJECTED)
    if duplicate.exists():
        raise Conflict(
            "You have already reviewed this product.", code="already_reviewed"
        )
    review = Review(
        store_id=product.store_id,
        mode=mode,
        product=product,
        customer=customer,
        rating=rating,
        title=title.strip(),
        body=body,
        author_name=name[:100],
        author_email=email,
        verified_purchase=review_verified_purchase(
            product=product, email=email, customer=customer, mode=mode
        ),
        status=Review.Status.PENDING,
    )
    review.full_clean(exclude=["store", "product", "customer"])
    review.save()
    events.review_created(review=review, mode=mode)
    return review


@transaction.atomic
def review_moderate(*, review: Review, status: str) -> Review:
    if status not in (Review.Status.APPROVED, Review.Status.REJECTED):
        raise field_error("status", "Status must be approved or rejected.")
    if review.status != status:
        review.status = status
        review.save(update_fields=["status", "updated_at"])
    return review


def review_totals_columns(review_model=Review) -> dict:
    """``Product.reviews_*`` as SQL over the product's approved reviews (also used by the
    migration that fills them, with its historical ``Review``)."""
    approved = (
        review_model.objects.filter(product=OuterRef("pk"), status="approved")
        .order_by()
        .values("product")
    )

    def total(mode: str, aggregate) -> Coalesce:
        rows = approved.filter(mode=mode).annotate(v=aggregate).values("v")[:1]
        return Coalesce(Subquery(rows), Value(0))

    return {
        "reviews_live_count": total("live", Count("pk")),
        "reviews_live_rating_sum": total("live", Sum("rating")),
        "reviews_test_count": total("test", Count("pk")),
        "reviews_test_rating_sum": total("test", Sum("rating")),
    }


@transaction.atomic
def product_review_totals_refresh(*, products: QuerySet) -> None:
    """Recount the approved-review totals of ``products`` from their reviews.

    The rows are locked first, so that a concurrent review write waits and then recounts
    with this one committed (a recount, not an increment: always right, whatever changed)."""
    locked = products.select_for_update().order_by("pk").values_list("store_id")
    stores = {store_id for (store_id,) in locked}
    products.update(**review_totals_columns())
    for store_id in stores:  # reviewCount and averageRating are on the public pages
        catalog_version_bump(store_id)


def review_totals_on_change(*, instance: Review, **kwargs) -> None:
    """``post_save`` / ``post_delete`` of a review, wherever it is written (services, the
    dashboard's change form and delete, a product's cascade)."""
    product_review_totals_refresh(
        products=Product.objects.filter(pk=instance.product_id)
    )


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


# -- store currency ---------------------------------------------------------------------

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

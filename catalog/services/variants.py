"""Options, variants and their prices: the shape of a product.

A simple product has exactly one default variant (no option values) carrying its sku,
barcode, weight and stock, and inheriting its price; a variant-based product has options and
one variant per distinct combination of their values, and no default variant. Skus are
unique per store across every variant.
"""

from __future__ import annotations

import itertools

from django.db import transaction

from core.exceptions import field_error

from ..models import (
    InventoryAdjustment,
    Product,
    ProductOption,
    ProductOptionValue,
    Variant,
)
from .stock import _audit, stock_adjust

MAX_GENERATED_VARIANTS = 250


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


def _currency_prices_apply(product: Product, data: dict) -> None:
    """A simple product's explicit prices in other currencies (``prices``) go on its
    default variant; a variant-based product takes them per variant."""
    if "prices" not in data:
        return
    default = product.variants.filter(is_default=True).first()
    if default is None:
        if data["prices"]:
            raise field_error(
                "prices", "Set prices on each variant of a variant-based product."
            )
        return
    if default.currency_prices != data["prices"]:
        default.currency_prices = data["prices"]
        default.save(update_fields=["currency_prices", "updated_at"])


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

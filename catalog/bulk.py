"""Creating many new products at once (the catalogue import's fast path).

:func:`product_build` checks one product's validated input (``ProductInputSerializer``) by
the rules :func:`~catalog.services.product_create` applies (slug free, cross-field rules,
known categories, skus unique in the store, options and variants well formed, field
validators) and makes it in memory: the product, its options and values, its variants (a
simple product's default one) and the ``Initial stock`` audit rows. It raises what
``product_create`` raises, and saves nothing. :func:`products_insert` then writes a whole
set of built products with one ``INSERT`` per table.

The rules that need the database (slugs and skus already taken, categories of the store)
are read once for the whole set by :func:`bulk_context`; every product built claims its slug
and skus in the context, so a later product of the same set clashes as it would with a saved
one. Nothing is published: the caller publishes ``product.created`` for the saved set with
:func:`catalog.events.products_event`. ``bulk_create`` sends no ``post_save``, so
:func:`products_insert` bumps the store's catalogue version itself, once.

Products needing anything ``product_create`` does beyond this (a variant's ``media_id``, a
bundle or a subscription)
are refused with :class:`Unsupported`; create those with ``product_create``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from core.api.caching import catalog_version_bump
from core.exceptions import field_error

from .models import (
    Category,
    InventoryAdjustment,
    Product,
    ProductOption,
    ProductOptionValue,
    Variant,
)
from .services.products import _assign, product_check_rules
from .services.slugs import _slug_base, unique_slug
from .services.stock import _audit_row
from .services.variants import _validate_variants, variant_combinations

#: Product types this module builds; a bundle's components and a subscription's terms are
#: product_create's alone.
SIMPLE_TYPES = (Product.ProductType.PHYSICAL, Product.ProductType.DIGITAL)


class Unsupported(Exception):
    """Input this module does not build (use ``product_create``)."""


@dataclass
class BulkContext:
    """What the rules of a set of new products need from the database, read once."""

    store: object
    slugs_taken: set[str]
    skus_taken: set[str]
    category_ids: set[str]


def _item_skus(data: dict) -> list[str]:
    skus = [data.get("sku")] + [v.get("sku") for v in data.get("variants") or []]
    return [sku for sku in skus if sku]


def bulk_context(*, store, items: list[dict]) -> BulkContext:
    """The slugs, skus and categories of ``store`` that ``items`` name (three queries)."""
    slugs = {data["slug"] for data in items if data.get("slug")}
    skus = {sku for data in items for sku in _item_skus(data)}
    categories = {pk for data in items for pk in data.get("category_ids") or []}
    return BulkContext(
        store=store,
        slugs_taken=set(
            Product.objects.filter(store=store, slug__in=slugs).values_list(
                "slug", flat=True
            )
        )
        if slugs
        else set(),
        skus_taken=set(
            Variant.objects.filter(product__store=store, sku__in=skus).values_list(
                "sku", flat=True
            )
        )
        if skus
        else set(),
        category_ids=set(
            Category.objects.filter(store=store, pk__in=categories).values_list(
                "pk", flat=True
            )
        )
        if categories
        else set(),
    )


@dataclass
class BuiltProduct:
    """A new product checked and made in memory, not saved."""

    product: Product
    category_ids: list[str]
    options: list[ProductOption] = field(default_factory=list)
    values: list[ProductOptionValue] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    option_links: list[tuple[Variant, ProductOptionValue]] = field(default_factory=list)
    audits: list[InventoryAdjustment] = field(default_factory=list)


def _free_slug(context: BulkContext, name: str) -> str:
    slug = unique_slug(
        model=Product, store=context.store, name=name, fallback="product"
    )
    base = _slug_base(name, "product")
    for n in itertools.count(2):
        if slug not in context.slugs_taken:
            return slug
        slug = f"{base}-{n}"
    raise AssertionError("unreachable")


def _check_skus(context: BulkContext, skus: dict) -> None:
    """``sku_check_unique`` against the context (the store's skus and the set's)."""
    seen: dict[str, object] = {}
    for name, sku in skus.items():
        if not sku:
            continue
        if sku in seen:
            raise field_error(name, f"The sku {sku!r} appears twice.")
        seen[sku] = name
    for sku, name in seen.items():
        if sku in context.skus_taken:
            raise field_error(
                name, f"The sku {sku!r} is already used by another product."
            )


def _variant(
    built: BuiltProduct, *, stock: int, actor: str, source: str, **fields
) -> Variant:
    variant = Variant(product=built.product, stock=stock, **fields)
    # Uniqueness and constraints are the context's checks and the serializer's bounds.
    variant.full_clean(
        exclude=["product", "option_values"],
        validate_unique=False,
        validate_constraints=False,
    )
    built.variants.append(variant)
    if stock:
        built.audits.append(
            _audit_row(
                variant, 0, stock, reason="Initial stock", source=source, actor=actor
            )
        )
    return variant


def product_build(
    *,
    context: BulkContext,
    data: dict,
    actor: str = "",
    source: str = InventoryAdjustment.Source.IMPORT,
) -> BuiltProduct:
    """One new product from validated input, as ``product_create`` would make it, unsaved;
    raises what ``product_create`` raises for the same input and context."""
    store = context.store
    product = Product(store=store)
    _assign(product, data)
    if data.get("components") or product.product_type not in SIMPLE_TYPES:
        raise Unsupported("Bundles and subscriptions are created by product_create.")
    if data.get("slug"):
        if product.slug in context.slugs_taken:
            raise field_error(
                "slug", f"The slug {product.slug!r} is already used by another product."
            )
    else:
        product.slug = _free_slug(context, product.name)
    product_check_rules(product)
    category_ids = list(dict.fromkeys(data.get("category_ids") or []))
    unknown = [pk for pk in category_ids if pk not in context.category_ids]
    if unknown:
        raise field_error("category_ids", f"Unknown category: {', '.join(unknown)}.")
    options = data.get("options") or []
    if not options:
        _check_skus(context, {"sku": product.sku})
    # The store is the caller's (product_create's full_clean reads it back).
    product.full_clean(
        exclude=["store"], validate_unique=False, validate_constraints=False
    )
    built = BuiltProduct(product=product, category_ids=category_ids)
    variants = data.get("variants")
    if not options:
        if variants:
            raise field_error("variants", "Define options before variants.")
        _variant(
            built,
            stock=data.get("stock") or 0,
            actor=actor,
            source=source,
            is_default=True,
            price_amount=None,
            position=0,
            sku=product.sku,
            barcode=product.barcode,
            weight_grams=product.weight_grams,
        )
    else:
        if data.get("stock") is not None:
            raise field_error(
                "stock", "Set stock on each variant of a variant-based product."
            )
        _build_variants(built, options, variants, actor=actor, source=source)
        _check_skus(
            context,
            {
                ("variants", i, "sku"): v.get("sku", "")
                for i, v in enumerate(variants or [])
                if "sku" in v
            },
        )
    context.slugs_taken.add(product.slug)
    context.skus_taken.update(v.sku for v in built.variants if v.sku)
    return built


def _build_variants(
    built: BuiltProduct, options: list[dict], variants, *, actor: str, source: str
) -> None:
    """``_sync_options`` and ``_make_variant_based`` for a new product, in memory."""
    values: dict[str, dict[str, ProductOptionValue]] = {}
    for position, data in enumerate(options):
        option = ProductOption(
            product=built.product, name=data["name"], position=position
        )
        built.options.append(option)
        by_text: dict[str, ProductOptionValue] = {}
        for vpos, text in enumerate(data["values"]):
            value = ProductOptionValue(option=option, value=text, position=vpos)
            built.values.append(value)
            by_text[text] = value
        values[data["name"]] = by_text
    if variants is None:
        variants = variant_combinations(values)
    rows = _validate_variants(variants, values)
    for position, (data, option_values) in enumerate(zip(variants, rows, strict=True)):
        if data.get("media_id"):
            raise Unsupported("A new product's variant cannot name a media.")
        fields = {k: data[k] for k in ("sku", "barcode", "weight_grams") if k in data}
        if "price" in data:
            fields["price_amount"] = data["price"]
        variant = _variant(
            built,
            stock=data.get("stock", 0),
            actor=actor,
            source=source,
            position=position,
            **fields,
        )
        built.option_links.extend((variant, value) for value in option_values)


def products_insert(*, store, built: list[BuiltProduct]) -> list[Product]:
    """Save built products: one ``INSERT`` per table (a database error saves none of them
    when the caller holds a transaction). Bumps the store's catalogue version once."""
    if not built:
        return []
    products = Product.objects.bulk_create([b.product for b in built])
    Product.categories.through.objects.bulk_create(
        [
            Product.categories.through(product_id=b.product.pk, category_id=pk)
            for b in built
            for pk in b.category_ids
        ]
    )
    ProductOption.objects.bulk_create([o for b in built for o in b.options])
    ProductOptionValue.objects.bulk_create([v for b in built for v in b.values])
    Variant.objects.bulk_create([v for b in built for v in b.variants])
    through = Variant.option_values.through
    through.objects.bulk_create(
        [
            through(variant_id=variant.pk, productoptionvalue_id=value.pk)
            for b in built
            for variant, value in b.option_links
        ]
    )
    InventoryAdjustment.objects.bulk_create([a for b in built for a in b.audits])
    catalog_version_bump(store.pk)
    return products

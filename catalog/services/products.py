"""Product writes: create, update, archive, and the rules of a product's fields.

They keep the catalogue's invariant (see :mod:`catalog.services.variants`): a simple
product has one default variant, a variant-based product one variant per combination of
its options' values. A bundle's rules (no options, no own stock, components only on
bundles) are checked here; its components are written by :mod:`catalog.bundles`.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core.exceptions import field_error

from .. import bundles, events
from ..models import BundleComponent, Category, InventoryAdjustment, Product
from .slugs import _check_slug_free, unique_slug
from .stock import stock_adjust
from .variants import _apply_structure, _currency_prices_apply, sku_check_unique

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
def product_create(
    *,
    store,
    data: dict,
    mode: str,
    actor: str = "",
    source: str = InventoryAdjustment.Source.API,
    publish: bool = True,
) -> Product:
    """Create a product from validated input (see ``ProductInputSerializer``).
    ``publish=False``: the caller publishes ``product.created`` itself, once it has
    written what else belongs to the product (the dashboard, its media)."""
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
    if publish:
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
    """Record ``product.created`` / ``product.updated`` for a write made with
    ``publish=False`` once all of it is written (the dashboard: after the media)."""
    events.product_event(
        product=product,
        type="product.created" if created else "product.updated",
        mode=mode,
    )

"""Reads for carts and pricing configuration, with the joins their outputs need."""

from __future__ import annotations

from functools import cache

from django.db.models import (
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)

from catalog import bundles
from catalog.models import Category, Media, Product, ProductOptionValue, Variant
from catalog.selectors import product_get_purchasable
from core.exceptions import NotFound
from core.ids import has_prefix
from customers.models import CustomerSession
from orders.models import Order, OrderItem

from .models import Discount, DiscountRedemption, ShippingMethod, TaxRate

# -- carts ----------------------------------------------------------------------------------


def carts_with_customer(queryset: QuerySet[Order]) -> QuerySet[Order]:
    """Carts with what pricing reads of their row: the discount, the shipping method and
    the customer signed in on the cart token, in the same query when the cart is linked
    to that customer (a login links the open cart): ``session_customer_id`` is the
    session's customer (None without a session), ``customer`` the linked one."""
    session = CustomerSession.objects.filter(
        store_id=OuterRef("store_id"),
        mode=OuterRef("mode"),
        cart_token=OuterRef("cart_token"),
    )
    return queryset.select_related("discount", "shipping_method", "customer").annotate(
        session_customer_id=Subquery(session.values("customer_id")[:1])
    )


def cart_find(*, store, mode: str, cart_token: str) -> Order | None:
    """The open cart of a visitor token in ``store`` and key ``mode``, or None."""
    cart = (
        carts_with_customer(Order.objects.all())
        .filter(store=store, mode=mode, cart_token=cart_token, type=Order.Type.CART)
        .first()
    )
    if cart is not None:
        cart.store = store
    return cart


@cache
def _first_image(product_ref: str) -> dict:
    """Annotations with the id, file and alt text of the product's first image (a
    subquery each, in the row's own query instead of a prefetch). Built once: ``annotate``
    resolves copies of them, and every cart write used to build six."""
    images = Media.objects.filter(
        product_id=OuterRef(product_ref), is_video=False
    ).order_by("position", "created_at")
    return {
        f"first_image_{name}": Subquery(images.values(name)[:1])
        for name in ("id", "file", "alt")
    }


def _image_attach(product: Product, row) -> None:
    """``product.cart_image``: what a cart line shows of the first image, or None."""
    product.cart_image = (
        {
            "id": row.first_image_id,
            "path": row.first_image_file,
            "alt": row.first_image_alt or product.name,
        }
        if row.first_image_id
        else None
    )


def cart_items(*, cart: Order, extras: bool = True) -> list[OrderItem]:
    """The cart's lines with their variant, product, first image and option values.

    A constant number of queries whatever the number of lines: 2, and 2 more when a line
    is a bundle. ``extras=False``: one, without the option values and bundle components
    (the caller loads them with :func:`cart_line_extras`, for lines it adds too).
    """
    if cart.pk is None or cart._state.adding:
        return []
    items = list(
        OrderItem.objects.filter(order=cart)
        .select_related("variant__product")
        .annotate(**_first_image("variant__product_id"))
        .order_by("created_at", "id")
    )
    for item in items:
        if item.variant_id:
            _image_attach(item.variant.product, item)
    if extras:
        cart_line_extras([item.variant for item in items if item.variant_id])
    return items


def cart_line_extras(variants) -> None:
    """Load what cart lines of ``variants`` (with their product, its first image
    attached) show besides: the variants' option values (one query) and the components
    of bundles (two queries, only with bundles)."""
    variants = [variant for variant in variants if variant is not None]
    if not variants:
        return
    prefetch_related_objects(
        variants,
        Prefetch(
            "option_values",
            queryset=ProductOptionValue.objects.select_related("option").order_by(
                "option__position", "option__created_at", "position"
            ),
        ),
    )
    # A bundle's variant sells what its components allow (two queries, only with bundles).
    bundles.variants_attach(variants)


def product_variants_purchasable(*, store, ref: str) -> tuple[Product, list[Variant]]:
    """A published product of ``store`` by id or slug and its variants, in one query
    (anything else is a 404, as ``catalog.selectors.product_get_purchasable`` says); the
    product's first image is attached as a cart line shows it."""
    lookup = "product__pk" if has_prefix(ref, "prod") else "product__slug"
    variants = list(
        Variant.objects.select_related("product")
        .filter(
            product__store=store,
            product__status=Product.Status.PUBLISHED,
            **{lookup: ref},
        )
        .annotate(**_first_image("product_id"))
        .order_by("position", "created_at", "id")
    )
    if not variants:  # unknown (a 404), or a product without variants
        return product_get_purchasable(store=store, ref=ref), []
    product = variants[0].product
    _image_attach(product, variants[0])
    for variant in variants:
        variant.product = product
    return product, variants


def cart_item_get(*, cart: Order, item_id: str) -> OrderItem:
    """A line of ``cart`` by id; any other line (another cart's, another store's) is a 404."""
    item = OrderItem.objects.filter(order=cart, pk=item_id).first()
    if item is None:
        raise NotFound("Cart item not found.")
    return item


def product_category_ids(*, product_ids) -> dict[str, frozenset[str]]:
    """``{product_id: {category ids}}`` in one query."""
    through = Product.categories.through
    result: dict[str, set[str]] = {}
    for product_id, category_id in through.objects.filter(
        product_id__in=set(product_ids)
    ).values_list("product_id", "category_id"):
        result.setdefault(product_id, set()).add(category_id)
    return {key: frozenset(value) for key, value in result.items()}


def category_ids_with_descendants(*, store, category_ids) -> frozenset[str]:
    """The given categories and every category below them (one query for the store's tree)."""
    wanted = set(category_ids)
    if not wanted:
        return frozenset()
    children: dict[str | None, list[str]] = {}
    for pk, parent_id in Category.objects.filter(store=store).values_list(
        "id", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    result: set[str] = set()
    stack = list(wanted)
    while stack:
        current = stack.pop()
        if current in result:
            continue
        result.add(current)
        stack.extend(children.get(current, ()))
    return frozenset(result)


# -- discounts ------------------------------------------------------------------------------


def discount_get_by_code(*, store, code: str) -> Discount | None:
    """The store's discount with this code, case-insensitively, or None."""
    code = (code or "").strip()
    if not code:
        return None
    return Discount.objects.filter(store=store, code__iexact=code).first()


def discount_redemption_count(
    *, discount: Discount, customer=None, email: str = "", mode: str | None = None
) -> int:
    """How many times this customer (by customer record or by email) has used ``discount``,
    counting only orders of ``mode`` when given (test mode counts apart from live)."""
    condition = Q()
    if customer is not None:
        condition |= Q(customer=customer)
    if email:
        condition |= Q(email__iexact=email)
    if not condition:
        return 0
    redemptions = DiscountRedemption.objects.filter(condition, discount=discount)
    if mode is not None:
        redemptions = redemptions.filter(order__mode=mode)
    return redemptions.count()


def discount_list(*, store) -> QuerySet[Discount]:
    """The store's discounts, newest first (the API filters them with
    ``carts.filters.DiscountFilter``)."""
    queryset = Discount.objects.filter(store=store).prefetch_related(
        Prefetch("products", queryset=Product.objects.only("id").order_by("id")),
        Prefetch("categories", queryset=Category.objects.only("id").order_by("id")),
    )
    return queryset.order_by("-created_at", "id")


def discount_get(*, store, discount_id: str) -> Discount:
    discount = discount_list(store=store).filter(pk=discount_id).first()
    if discount is None:
        raise NotFound("Discount not found.")
    return discount


# -- shipping and tax -----------------------------------------------------------------------


def shipping_methods_active(*, store) -> list[ShippingMethod]:
    return list(
        ShippingMethod.objects.filter(store=store, active=True).order_by(
            "sort_order", "price_amount", "name", "id"
        )
    )


def shipping_method_list(*, store) -> QuerySet[ShippingMethod]:
    queryset = ShippingMethod.objects.filter(store=store)
    return queryset.order_by("sort_order", "price_amount", "name", "id")


def shipping_method_get(*, store, method_id: str) -> ShippingMethod:
    method = ShippingMethod.objects.filter(store=store, pk=method_id).first()
    if method is None:
        raise NotFound("Shipping method not found.")
    return method


def tax_rates_for_country(*, store, country_code: str) -> list[TaxRate]:
    return list(TaxRate.objects.filter(store=store, country_code=country_code))


def tax_rate_list(*, store) -> QuerySet[TaxRate]:
    queryset = TaxRate.objects.filter(store=store)
    return queryset.order_by("country_code", "state", "postcode_prefix", "name", "id")


def tax_rate_get(*, store, rate_id: str) -> TaxRate:
    rate = TaxRate.objects.filter(store=store, pk=rate_id).first()
    if rate is None:
        raise NotFound("Tax rate not found.")
    return rate

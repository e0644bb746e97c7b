"""Catalog and configuration rows for the carts tests.

(``tests/factories.py`` named in the brief is not in the foundation; these build the same rows
directly from the shared models.)
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.utils import timezone

from catalog.models import (
    Category,
    Media,
    Product,
    ProductOption,
    ProductOptionValue,
    Variant,
)
from customers.models import Customer, CustomerSession

from ..models import Discount, ShippingMethod, TaxRate

_seq = itertools.count(1)


def make_category(
    store, *, name: str | None = None, parent: Category | None = None
) -> Category:
    n = next(_seq)
    name = name or f"Category {n}"
    return Category.objects.create(
        store=store, name=name, slug=f"cat-{n}", parent=parent
    )


def make_product(
    store,
    *,
    name: str | None = None,
    price: int = 2400,
    stock: int = 100,
    status: str = Product.Status.PUBLISHED,
    product_type: str = "physical",
    variants: list[dict] | None = None,
    slug: str | None = None,
    weight_grams: int | None = None,
    categories=(),
    track_inventory: bool = True,
    min_order_quantity: int = 1,
    max_order_quantity: int | None = None,
    shipping_type: str = "required",
    image: bool = False,
    **fields,
) -> Product:
    """A product; simple (one default variant) unless ``variants`` is given as
    ``[{"values": {"Size": "L"}, "price": 2600 or None, "stock": 5, "sku": ...}, ...]``."""
    n = next(_seq)
    name = name or f"Product {n}"
    product = Product.objects.create(
        store=store,
        name=name,
        slug=slug or f"product-{n}",
        status=status,
        product_type=product_type,
        price_amount=price,
        weight_grams=weight_grams,
        track_inventory=track_inventory,
        min_order_quantity=min_order_quantity,
        max_order_quantity=max_order_quantity,
        shipping_type=shipping_type,
        **fields,
    )
    if categories:
        product.categories.set(categories)
    if image:
        Media.objects.create(
            product=product, file=f"uploads/{product.slug}.jpg", alt=name
        )
    if not variants:
        Variant.objects.create(
            product=product, is_default=True, sku=f"SKU-{n}", stock=stock
        )
        return product
    options: dict[str, ProductOption] = {}
    values: dict[tuple[str, str], ProductOptionValue] = {}
    for position, spec in enumerate(variants):
        variant = Variant.objects.create(
            product=product,
            sku=spec.get("sku", f"SKU-{n}-{position}"),
            price_amount=spec.get("price"),
            stock=spec.get("stock", stock),
            position=position,
            weight_grams=spec.get("weight_grams"),
        )
        for option_name, value in spec.get("values", {}).items():
            if option_name not in options:
                options[option_name] = ProductOption.objects.create(
                    product=product, name=option_name, position=len(options)
                )
            key = (option_name, value)
            if key not in values:
                values[key] = ProductOptionValue.objects.create(
                    option=options[option_name], value=value, position=len(values)
                )
            variant.option_values.add(values[key])
    return product


def default_variant(product: Product) -> Variant:
    return product.variants.get(is_default=True)


def make_discount(
    store,
    *,
    code: str = "SPRING20",
    type: str = "percentage",
    value: int = 20,
    products=(),
    categories=(),
    **fields,
) -> Discount:
    discount = Discount.objects.create(
        store=store, code=code, type=type, value=value, **fields
    )
    if products:
        discount.products.set(products)
    if categories:
        discount.categories.set(categories)
    return discount


def make_shipping_method(
    store, *, name: str = "Royal Mail · Tracked 48", price: int = 395, **fields
) -> ShippingMethod:
    return ShippingMethod.objects.create(
        store=store, name=name, price_amount=price, **fields
    )


def make_tax_rate(
    store, *, country_code: str = "GB", rate: str = "0.2", name: str = "VAT", **fields
) -> TaxRate:
    return TaxRate.objects.create(
        store=store, country_code=country_code, rate=Decimal(rate), name=name, **fields
    )


def make_customer(store, *, email: str = "sam@example.com", **fields) -> Customer:
    return Customer.objects.create(store=store, email=email, **fields)


def log_in(
    store, customer: Customer, *, cart_token: str, mode: str = "test"
) -> CustomerSession:
    """Bind ``customer`` to a visitor token, as verify-auth does."""
    return CustomerSession.objects.create(
        store=store,
        mode=mode,
        cart_token=cart_token,
        customer=customer,
        verified_at=timezone.now(),
    )

"""catalog.bulk builds and writes what product_create writes, and refuses what it refuses."""

from __future__ import annotations

import pytest

from catalog import bulk, services
from catalog.models import InventoryAdjustment, Product
from catalog.serializers import ProductInputSerializer
from catalog.tests.factories import make_category, make_product
from core.exceptions import DomainError

pytestmark = pytest.mark.django_db


def _valid(data: dict) -> dict:
    serializer = ProductInputSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _unnumbered(sku: str) -> str:
    """``TEE-S-2`` -> ``TEE-S``: the two sets differ by their skus' number only."""
    return sku.rsplit("-", 1)[0] if sku else sku


def _shape(product: Product) -> dict:
    """A product and everything under it, without ids and times."""
    skip = {"id", "created_at", "updated_at", "slug", "store"}
    fields = {
        f.name: getattr(product, f.attname)
        for f in Product._meta.concrete_fields
        if f.name not in skip
    }
    fields["sku"] = _unnumbered(fields["sku"])
    return {
        "fields": fields,
        "categories": sorted(c.name for c in product.categories.all()),
        "options": [
            (o.name, o.position, [(v.value, v.position) for v in o.values.all()])
            for o in product.options.all()
        ],
        "variants": [
            (
                v.is_default,
                _unnumbered(v.sku),
                v.barcode,
                v.price_amount,
                v.stock,
                v.weight_grams,
                v.position,
                sorted(ov.value for ov in v.option_values.all()),
            )
            for v in product.variants.order_by("position")
        ],
        "audits": sorted(
            (a.stock_before, a.stock_after, a.reason, a.source, a.actor, a.mode)
            for a in InventoryAdjustment.objects.filter(product=product)
        ),
    }


def _inputs(category) -> list[dict]:
    return [
        {
            "name": "Simple mug",
            "price": 1200,
            "sale_price": 900,
            "sku": "MUG-{n}",
            "barcode": "501",
            "weight_grams": 400,
            "stock": 7,
            "status": "published",
            "category_ids": [category.pk],
            "metadata": {"tags": ["kitchen"]},
        },
        {
            "name": "Tee",
            "price": 2000,
            "options": [
                {"name": "Size", "values": ["S", "M"]},
                {"name": "Colour", "values": ["Red"]},
            ],
            "variants": [
                {
                    "option_values": {"Size": "S", "Colour": "Red"},
                    "sku": "TEE-S-{n}",
                    "stock": 3,
                },
                {
                    "option_values": {"Size": "M", "Colour": "Red"},
                    "sku": "TEE-M-{n}",
                    "stock": 0,
                    "price": 2200,
                },
            ],
        },
        {
            "name": "Generated",
            "price": 500,
            "options": [{"name": "Size", "values": ["A", "B"]}],
        },
    ]


def _numbered(data: dict, n: int) -> dict:
    text = repr(data).replace("{n}", str(n))
    return eval(text)


def test_bulk_writes_what_product_create_writes(shop):
    store = shop.store
    category = make_category(store, name="Kitchen")
    inputs = _inputs(category)
    one_by_one = [
        services.product_create(
            store=store,
            data=_valid({**_numbered(d, 1), "slug": f"a-{i}"}),
            mode="live",
            actor="me",
            source="import",
        )
        for i, d in enumerate(inputs)
    ]
    items = [
        _valid({**_numbered(d, 2), "slug": f"b-{i}"}) for i, d in enumerate(inputs)
    ]
    context = bulk.bulk_context(store=store, items=items)
    built = [
        bulk.product_build(context=context, data=d, actor="me", source="import")
        for d in items
    ]
    bulk.products_insert(store=store, built=built)

    for created, made in zip(one_by_one, built, strict=True):
        a, b = _shape(created), _shape(Product.objects.get(pk=made.product.pk))
        assert a == b


@pytest.mark.parametrize(
    "change, field",
    [
        ({"sale_price": 5000}, "sale_price"),
        ({"slug": "taken"}, "slug"),
        ({"sku": "OLD-1"}, "sku"),
        ({"category_ids": ["cat_nope"]}, "category_ids"),
    ],
)
def test_bulk_refuses_what_product_create_refuses(shop, change, field):
    store = shop.store
    make_product(store, slug="taken", sku="OLD-1")
    data = _valid({"name": "Mug", "price": 1200, "stock": 1, **change})
    with pytest.raises(DomainError) as by_service:
        services.product_create(store=store, data=dict(data), mode="live")
    context = bulk.bulk_context(store=store, items=[data])
    with pytest.raises(DomainError) as by_bulk:
        bulk.product_build(context=context, data=dict(data))
    assert by_bulk.value.fields == by_service.value.fields
    assert field in by_bulk.value.fields


def test_a_later_product_of_the_set_clashes_with_an_earlier_one(shop):
    items = [
        _valid({"name": "A", "price": 100, "sku": "SAME", "slug": "a"}),
        _valid({"name": "B", "price": 100, "sku": "SAME", "slug": "a"}),
    ]
    context = bulk.bulk_context(store=shop.store, items=items)
    bulk.product_build(context=context, data=items[0])
    with pytest.raises(DomainError) as refused:
        bulk.product_build(context=context, data=items[1])
    assert "slug" in refused.value.fields
    items[1]["slug"] = "b"
    with pytest.raises(DomainError) as refused:
        bulk.product_build(context=context, data=items[1])
    assert "sku" in refused.value.fields


@pytest.mark.parametrize("product_type", ["bundle", "subscription"])
def test_bundles_and_subscriptions_are_left_to_product_create(shop, product_type):
    data = _valid({"name": "Kit", "price": 1200, "product_type": product_type})
    context = bulk.bulk_context(store=shop.store, items=[data])
    with pytest.raises(bulk.Unsupported):
        bulk.product_build(context=context, data=dict(data))

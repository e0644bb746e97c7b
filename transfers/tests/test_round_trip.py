"""Export -> import into a new store gives the same catalogue, in both formats."""

from __future__ import annotations

import pytest

from catalog.models import Product
from transfers import exports

from .helpers import run_import

pytestmark = pytest.mark.django_db


def catalogue(store) -> dict:
    """Everything an import carries, per product handle, without ids or times."""
    result = {}
    for product in Product.objects.filter(store=store).order_by("slug"):
        options = [o.name for o in product.options.all()]
        result[product.slug] = {
            "name": product.name,
            "description": product.description,
            "status": product.status,
            "brand": product.brand,
            "price": product.price_amount,
            "sale_price": product.sale_price_amount,
            "current_price": product.current_price_amount(),
            "cost": product.cost_amount,
            "track_inventory": product.track_inventory,
            "categories": sorted(c.name for c in product.categories.all()),
            "tags": product.metadata.get("tags"),
            "options": [
                (o.name, [v.value for v in o.values.all()])
                for o in product.options.all()
            ],
            "variants": [
                (
                    tuple(
                        sorted(
                            (v.option.name, v.value)
                            for v in variant.option_values.all()
                        )
                    ),
                    variant.sku,
                    variant.current_price_amount(),
                    variant.stock,
                    variant.barcode,
                    variant.weight_grams,
                    variant.is_default,
                )
                for variant in product.variants.order_by("position")
            ],
            "has_options": bool(options),
            "media": [
                (m.alt, m.aspect_ratio, m.file.size) for m in product.media.all()
            ],
        }
    return result


@pytest.mark.parametrize("format", ["native", "shopify"])
def test_export_then_import_into_a_new_store_gives_the_same_catalogue(
    make_store, shop, shopify_csv, images, format
):
    run_import(shop.store, shopify_csv)
    port = images.server_address[1]
    lines = exports.product_csv_lines(
        store=shop.store,
        format=format,
        media_url=lambda name: f"http://127.0.0.1:{port}/media/{name}",
    )
    exported = "".join(lines).encode("utf-8")
    new_store = make_store(name="New home").store

    run = run_import(new_store, exported)

    assert run.products_refused == 0, list(run.lines.values_list("message", flat=True))
    assert run.images_failed == 0
    original, copy = catalogue(shop.store), catalogue(new_store)
    assert set(copy) == {"linen-shirt", "cafe-creme-mug", "gift-wrap", "old-candle"}
    for handle in original:
        assert copy[handle] == original[handle], handle
    # And the copy, exported again, is the same file but for the image host paths.
    again = "".join(exports.product_csv_lines(store=new_store, format=format))
    assert again.count("\n") == exported.decode().count("\n")

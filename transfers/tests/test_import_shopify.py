"""Importing a representative Shopify product export: mapping, report, idempotency."""

from __future__ import annotations

import pytest

from catalog.models import InventoryAdjustment, Media, Product
from transfers.models import Import, ImportedImage, ImportLine

from .helpers import run_import

pytestmark = pytest.mark.django_db


def _lines(run):
    """The product lines of the report by handle (image failures apart)."""
    return {
        line.handle: line
        for line in run.lines.exclude(action=ImportLine.Action.IMAGE_FAILED)
    }


def test_shopify_file_imports_products_variants_prices_stock_images(shop, shopify_csv):
    run = run_import(shop.store, shopify_csv)

    assert run.status == Import.Status.DONE
    assert (run.rows_total, run.rows_done) == (11, 11)
    assert (run.products_created, run.products_refused) == (4, 2)
    lines = _lines(run)
    assert lines["broken-price"].action == ImportLine.Action.REFUSED
    assert lines["broken-price"].row == 10
    assert "more than 2 decimal places" in lines["broken-price"].message
    assert lines["sku-clash"].action == ImportLine.Action.REFUSED
    assert "MUG-350" in lines["sku-clash"].message
    assert not Product.objects.filter(slug__in=["broken-price", "sku-clash"]).exists()

    shirt = Product.objects.get(store=shop.store, slug="linen-shirt")
    assert shirt.name == "Linen shirt, relaxed fit"
    assert '<li>"Relaxed" cut</li>' in shirt.description
    assert "\n" in shirt.description
    assert shirt.brand == "Atelier Ö"
    assert shirt.status == Product.Status.PUBLISHED
    assert shirt.price_amount == 4500
    assert [o.name for o in shirt.options.all()] == ["Size", "Colour"]
    variants = {v.sku: v for v in shirt.variants.all()}
    assert set(variants) == {"LS-S-SAND", "LS-S-NAVY", "LS-M-SAND", "LS-M-NAVY"}
    assert variants["LS-S-SAND"].price_amount is None
    assert variants["LS-M-SAND"].price_amount == 4750
    assert variants["LS-M-SAND"].stock == 12
    assert variants["LS-M-NAVY"].stock == 0  # -2 in the file
    assert "imported as 0" in lines["linen-shirt"].message
    assert variants["LS-S-SAND"].barcode == "5012345678900"
    assert variants["LS-S-SAND"].weight_grams == 220
    assert [c.name for c in shirt.categories.all()] == ["Shirts"]
    assert shirt.metadata["tags"] == ["summer", "linen", "Sale"]
    audit = InventoryAdjustment.objects.filter(variant=variants["LS-M-SAND"]).get()
    assert (audit.source, audit.stock_after) == ("import", 12)

    # Two images fetched through the guard; the missing one is reported, not fatal.
    assert list(shirt.media.values_list("alt", flat=True)) == ["Front, sand", "Back"]
    assert shirt.media.first().aspect_ratio == pytest.approx(0.8)
    failed = run.lines.get(action=ImportLine.Action.IMAGE_FAILED)
    assert failed.handle == "linen-shirt" and "HTTP 404" in failed.message
    assert (run.images_imported, run.images_failed) == (3, 1)

    mug = Product.objects.get(store=shop.store, slug="cafe-creme-mug")
    assert mug.name == "Café crème mug — 350 ml"
    assert (mug.price_amount, mug.sale_price_amount, mug.cost_amount) == (
        1500,
        1200,
        420,
    )
    assert mug.current_price_amount() == 1200
    assert mug.options.count() == 0
    default = mug.variants.get()
    assert (default.is_default, default.sku, default.stock) == (True, "MUG-350", 30)

    wrap = Product.objects.get(store=shop.store, slug="gift-wrap")
    assert wrap.status == Product.Status.DRAFT
    assert wrap.track_inventory is False
    assert wrap.variants.count() == 2

    old = Product.objects.get(store=shop.store, slug="old-candle")
    assert old.status == Product.Status.ARCHIVED


def test_dry_run_reports_without_changing_anything(shop, shopify_csv, images):
    run = run_import(shop.store, shopify_csv, dry_run=True)

    assert run.status == Import.Status.DONE
    assert (run.products_created, run.products_refused) == (4, 2)
    assert {handle: line.action for handle, line in _lines(run).items()} == {
        "linen-shirt": "created",
        "cafe-creme-mug": "created",
        "gift-wrap": "created",
        "old-candle": "created",
        "broken-price": "refused",
        "sku-clash": "refused",
    }
    assert not Product.objects.filter(store=shop.store).exists()
    assert not InventoryAdjustment.objects.filter(store=shop.store).exists()
    assert not Media.objects.exists()
    assert images.requests == []
    assert all(not line.product_id for line in run.lines.all())


def test_reimport_of_the_same_file_changes_nothing(shop, shopify_csv, images):
    run_import(shop.store, shopify_csv)
    fetched = len(images.requests)
    before = {
        p.pk: (p.updated_at, sorted(p.variants.values_list("pk", "stock")))
        for p in Product.objects.filter(store=shop.store)
    }
    audits = InventoryAdjustment.objects.count()

    again = run_import(shop.store, shopify_csv)

    assert (again.products_created, again.products_updated) == (0, 0)
    assert again.products_unchanged == 4
    after = {
        p.pk: (p.updated_at, sorted(p.variants.values_list("pk", "stock")))
        for p in Product.objects.filter(store=shop.store)
    }
    assert after == before
    assert InventoryAdjustment.objects.count() == audits
    assert Media.objects.count() == ImportedImage.objects.count() == 3
    # Only the image that failed before is asked for again.
    assert images.requests[fetched:] == ["/img/missing.png"]


def test_a_changed_row_updates_the_matched_product(shop, shopify_csv):
    run_import(shop.store, shopify_csv)
    shirt = Product.objects.get(slug="linen-shirt")
    changed = shopify_csv.replace(
        b"LS-M-SAND,230,shopify,12", b"LS-M-SAND,230,shopify,7"
    )

    run = run_import(shop.store, changed)

    assert run.products_updated == 1
    line = _lines(run)["linen-shirt"]
    assert line.action == "updated" and "variants" in line.message
    variant = shirt.variants.get(sku="LS-M-SAND")
    assert variant.stock == 7
    audit = InventoryAdjustment.objects.filter(variant=variant).first()
    assert (audit.source, audit.stock_before, audit.stock_after) == ("import", 12, 7)
    assert shirt.variants.count() == 4


def test_matched_by_sku_when_the_handle_differs(shop, shopify_csv):
    run_import(shop.store, shopify_csv)
    renamed = shopify_csv.replace(b"cafe-creme-mug", b"coffee-mug")

    run = run_import(shop.store, renamed)

    assert run.lines.get(handle="coffee-mug").action == "unchanged"
    assert not Product.objects.filter(slug="coffee-mug").exists()


def test_unknown_header_is_refused(shop):
    from core.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        run_import(shop.store, b"name;price\nx;1\n")
    assert "header" in caught.value.fields["file"][0]

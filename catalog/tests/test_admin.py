"""The dashboard: products with options, variants and media inline, stock adjustments,
categories as a tree, review moderation; all scoped to the merchant's stores."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import (
    Category,
    InventoryAdjustment,
    Media,
    Product,
    Review,
    Variant,
)
from catalog.tests.factories import (
    default_variant,
    make_category,
    make_media,
    make_product,
    make_review,
    png_bytes,
)

pytestmark = pytest.mark.django_db


def _inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _product_form(shop, **overrides):
    data = {
        "store": shop.store.pk,
        "name": "Linen apron",
        "slug": "linen-apron",
        "status": "published",
        "product_type": "physical",
        "price_amount": "32.00",
        "min_order_quantity": "1",
        "shipping_type": "required",
        "sort_order": "0",
        "metadata": "{}",
        "track_inventory": "on",
        "sku": "",
        "barcode": "",
        "brand": "",
        "summary": "",
        "description": "",
        "sale_name": "",
    }
    data.update(_inline_management("options"))
    data.update(_inline_management("variants"))
    data.update(_inline_management("media"))
    data.update(overrides)
    return data


def test_product_list_shows_only_own_store(merchant, shop, other_shop, candle):
    theirs = make_product(other_shop.store, "Their candle")
    response = merchant.get(reverse("admin:catalog_product_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hand-poured candle" in content and "Their candle" not in content
    assert "£24.00" in content
    url = reverse("admin:catalog_product_change", args=[theirs.pk])
    assert merchant.get(url).status_code == 404


def test_product_list_search_and_stock_filter(merchant, shop, candle):
    make_product(shop.store, "Matches", stock=0)
    url = reverse("admin:catalog_product_changelist")
    content = merchant.get(url, {"q": "CANDLE-001"}).content.decode()
    assert "Hand-poured candle" in content and "Matches" not in content
    content = merchant.get(url, {"stock": "out"}).content.decode()
    assert "Matches" in content and "Hand-poured candle" not in content


def test_add_product_with_options_creates_every_combination(merchant, shop, events):
    data = _product_form(shop)
    data.update(_inline_management("options", total=2))
    data.update(
        {
            "options-0-name": "Size",
            "options-0-values_text": "S, M, L",
            "options-0-position": "0",
            "options-1-name": "Colour",
            "options-1-values_text": "Natural, Charcoal",
            "options-1-position": "1",
        }
    )
    response = merchant.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else ""
    )
    product = Product.objects.get(slug="linen-apron")
    assert product.price_amount == 3200  # typed as 32.00
    assert product.variants.count() == 6
    assert not product.variants.filter(is_default=True).exists()
    assert [o.name for o in product.options.all()] == ["Size", "Colour"]
    [event] = events("product.created")
    assert event["variantCount"] == 6


def test_add_simple_product_gets_a_default_variant(merchant, shop):
    response = merchant.post(
        reverse("admin:catalog_product_add"),
        _product_form(shop, sku="APRON-1", name="Apron", slug="apron"),
    )
    assert response.status_code == 302
    product = Product.objects.get(slug="apron")
    variant = default_variant(product)
    assert variant.sku == "APRON-1" and variant.stock == 0


def test_product_form_refuses_a_sale_price_above_price(merchant, shop):
    response = merchant.post(
        reverse("admin:catalog_product_add"),
        _product_form(shop, sale_price_amount="5000"),
    )
    assert response.status_code == 200
    assert "sale price must be lower" in response.content.decode()
    assert not Product.objects.exists()


def test_media_upload_stores_the_file_and_its_aspect_ratio(merchant, shop, candle):
    url = reverse("admin:catalog_product_change", args=[candle.pk])
    data = _product_form(
        shop, name=candle.name, slug=candle.slug, sku="CANDLE-001", price_amount="2400"
    )
    data.update(_inline_management("media", total=1))
    data.update(
        {
            "media-0-alt": "Front",
            "media-0-position": "0",
            "media-0-file": SimpleUploadedFile(
                "front.png", png_bytes(300, 400), content_type="image/png"
            ),
        }
    )
    response = merchant.post(url, data)
    assert response.status_code == 302
    media = Media.objects.get(product=candle)
    assert media.aspect_ratio == 0.75 and media.alt == "Front"
    assert media.file.storage.exists(media.file.name)


def test_media_upload_refuses_a_non_image(merchant, shop, candle):
    url = reverse("admin:catalog_product_change", args=[candle.pk])
    data = _product_form(
        shop, name=candle.name, slug=candle.slug, sku="CANDLE-001", price_amount="2400"
    )
    data.update(_inline_management("media", total=1))
    data.update(
        {
            "media-0-alt": "Doc",
            "media-0-position": "0",
            "media-0-file": SimpleUploadedFile(
                "notes.png", b"not an image", content_type="image/png"
            ),
        }
    )
    response = merchant.post(url, data)
    assert response.status_code == 200
    assert not Media.objects.exists()


def test_stock_adjustment_page(merchant, candle):
    url = reverse("admin:catalog_product_stock", args=[candle.pk])
    variant = default_variant(candle)
    assert merchant.get(url).status_code == 200
    response = merchant.post(
        url,
        {
            "variant": variant.pk,
            "operation": "increment",
            "quantity": "5",
            "reason": "Delivery",
        },
    )
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.stock == 15
    row = InventoryAdjustment.objects.get(source="dashboard")
    assert (row.stock_before, row.stock_after, row.reason) == (10, 15, "Delivery")
    assert row.actor == "dashboard:owner@acme.test"

    response = merchant.post(
        url,
        {
            "variant": variant.pk,
            "operation": "decrement",
            "quantity": "99",
            "reason": "Broken",
        },
    )
    assert response.status_code == 200
    assert "Cannot decrement stock" in response.content.decode()
    variant.refresh_from_db()
    assert variant.stock == 15
    response = merchant.post(
        url, {"variant": variant.pk, "operation": "set", "quantity": "1", "reason": ""}
    )
    assert response.status_code == 200  # a reason is required
    assert InventoryAdjustment.objects.filter(source="dashboard").count() == 1


def test_stock_page_of_another_store_is_404(merchant, other_shop):
    theirs = make_product(other_shop.store, "Theirs")
    url = reverse("admin:catalog_product_stock", args=[theirs.pk])
    assert merchant.get(url).status_code == 404
    assert (
        merchant.post(
            url,
            {
                "variant": default_variant(theirs).pk,
                "operation": "set",
                "quantity": "0",
                "reason": "x",
            },
        ).status_code
        == 404
    )
    assert default_variant(theirs).stock == 10


def test_archive_action(merchant, candle, events):
    response = merchant.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "archive", "_selected_action": [candle.pk]},
    )
    assert response.status_code == 302
    candle.refresh_from_db()
    assert candle.status == "archived"
    assert len(events("product.deleted")) == 1


def test_category_tree_order_and_indent(merchant, shop):
    root = make_category(shop.store, "Zeta root", sort_order=0)
    make_category(shop.store, "Alpha root", sort_order=1)
    make_category(shop.store, "Child", parent=root)
    content = merchant.get(
        reverse("admin:catalog_category_changelist")
    ).content.decode()
    assert (
        content.index("Zeta root")
        < content.index("Child")
        < content.index("Alpha root")
    )
    assert "padding-left:1.5em" in content


def test_category_parent_cycle_refused(merchant, shop):
    root = make_category(shop.store, "Root")
    child = make_category(shop.store, "Child", parent=root)
    response = merchant.post(
        reverse("admin:catalog_category_change", args=[root.pk]),
        {
            "store": shop.store.pk,
            "name": "Root",
            "slug": "root",
            "parent": child.pk,
            "published": "on",
            "sort_order": "0",
            "description": "",
            "meta_title": "",
            "meta_description": "",
        },
    )
    assert response.status_code == 200
    root.refresh_from_db()
    assert root.parent_id is None
    assert Category.objects.count() == 2


def test_review_bulk_moderation(merchant, candle):
    pending = [make_review(candle, status=Review.Status.PENDING) for _ in range(3)]
    url = reverse("admin:catalog_review_changelist")
    merchant.post(
        url, {"action": "approve", "_selected_action": [r.pk for r in pending[:2]]}
    )
    merchant.post(url, {"action": "reject", "_selected_action": [pending[2].pk]})
    statuses = sorted(Review.objects.values_list("status", flat=True))
    assert statuses == ["approved", "approved", "rejected"]


def test_inventory_audit_is_read_only(merchant, candle):
    response = merchant.get(reverse("admin:catalog_inventoryadjustment_changelist"))
    assert response.status_code == 200
    assert "Initial stock" in response.content.decode()
    assert (
        merchant.get(reverse("admin:catalog_inventoryadjustment_add")).status_code
        == 403
    )


def test_change_page_shows_options_variants_and_stock(merchant, shirt):
    content = merchant.get(
        reverse("admin:catalog_product_change", args=[shirt.pk])
    ).content.decode()
    assert 'value="S, M"' in content  # option values, comma-separated
    assert "Size: S / Colour: Red" in content  # variant inline
    assert "S / Red (stock 3)" in content and "Adjust stock" in content


def test_a_variant_image_is_one_of_its_products_images(merchant, shirt, candle):
    from django import forms

    from catalog.admin import VariantForm

    own = make_media(shirt, alt="Shirt in red")
    other = make_media(candle, alt="Candle")
    content = merchant.get(
        reverse("admin:catalog_product_change", args=[shirt.pk])
    ).content.decode()
    assert "Shirt in red" in content and ">Candle<" not in content

    variant = shirt.variants.filter(is_default=False).first()
    form_class = forms.modelform_factory(Variant, form=VariantForm, fields=["media"])
    refused = form_class({"media": other.pk}, instance=variant)
    assert not refused.is_valid() and "media" in refused.errors
    chosen = form_class({"media": own.pk}, instance=variant)
    assert chosen.is_valid(), chosen.errors
    chosen.save()
    variant.refresh_from_db()
    assert variant.media_id == own.pk


def test_deleting_every_option_makes_the_product_simple_again(merchant, shop, shirt):
    options = list(shirt.options.all())
    data = _product_form(shop, name=shirt.name, slug=shirt.slug, price_amount="2400")
    data.update(_inline_management("options", total=2, initial=2))
    for i, option in enumerate(options):
        data.update(
            {
                f"options-{i}-id": option.pk,
                f"options-{i}-product": shirt.pk,
                f"options-{i}-name": option.name,
                f"options-{i}-position": str(i),
                f"options-{i}-values_text": ", ".join(
                    v.value for v in option.values.all()
                ),
                f"options-{i}-DELETE": "on",
            }
        )
    variants = list(shirt.variants.all())
    data.update(
        _inline_management("variants", total=len(variants), initial=len(variants))
    )
    for i, variant in enumerate(variants):
        data.update(
            {
                f"variants-{i}-id": variant.pk,
                f"variants-{i}-product": shirt.pk,
                f"variants-{i}-sku": variant.sku,
                f"variants-{i}-barcode": "",
                f"variants-{i}-price_amount": (
                    f"{variant.price_amount / 100:.2f}" if variant.price_amount else ""
                ),
                f"variants-{i}-weight_grams": "",
            }
        )
    response = merchant.post(
        reverse("admin:catalog_product_change", args=[shirt.pk]), data
    )
    assert response.status_code == 302
    [default] = shirt.variants.all()
    assert default.is_default and not shirt.options.exists()


def test_stock_adjustment_page_refuses_more_than_the_column_holds(merchant, candle):
    url = reverse("admin:catalog_product_stock", args=[candle.pk])
    variant = default_variant(candle)
    Variant.objects.filter(pk=variant.pk).update(stock=2_000_000_000)

    response = merchant.post(
        url,
        {
            "variant": variant.pk,
            "operation": "increment",
            "quantity": "1000000000",
            "reason": "Typo",
        },
    )

    assert response.status_code == 200
    assert "Stock cannot exceed 2,147,483,647 units" in response.content.decode()
    variant.refresh_from_db()
    assert variant.stock == 2_000_000_000
    assert not InventoryAdjustment.objects.filter(source="dashboard").exists()


def test_stock_messages_and_history_name_the_variant_changed(merchant, shirt):
    variant = next(
        v
        for v in shirt.variants.prefetch_related("option_values")
        if {o.value for o in v.option_values.all()} == {"M", "Blue"}
    )
    url = reverse("admin:catalog_product_stock", args=[shirt.pk])
    response = merchant.post(
        url,
        {"variant": variant.pk, "operation": "set", "quantity": "7", "reason": "Count"},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any(
        m.startswith("Stock of Linen shirt — M / Blue") and "is now 7 (was 3)" in m
        for m in messages
    ), messages
    history = merchant.get(url).content.decode()
    assert "Linen shirt — M / Blue" in history
    audit = merchant.get(reverse("admin:catalog_inventoryadjustment_changelist"))
    body = audit.content.decode()
    assert "Linen shirt — M / Blue" in body
    assert f">{variant.pk}<" not in body


def test_inventory_page_lists_every_variant_and_adjusts_with_an_audit_row(
    merchant, shop, other_shop, shirt, candle
):
    theirs = make_product(other_shop.store, "Their lamp")
    url = reverse("admin:catalog_product_inventory")
    listing = merchant.get(reverse("admin:catalog_product_changelist"))
    assert f'href="{url}"' in listing.content.decode()
    response = merchant.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="inventory-row') == 5  # 4 shirt variants + the candle
    assert "Linen shirt — S / Red" in body and "Their lamp" not in body
    assert 'class="inventory-row low-stock"' in body  # 3 is at or below 5

    variant = default_variant(candle)
    response = merchant.post(
        url,
        {"variant": variant.pk, "operation": "set", "quantity": "2", "reason": "Count"},
        follow=True,
    )
    assert response.status_code == 200
    variant.refresh_from_db()
    assert variant.stock == 2
    row = InventoryAdjustment.objects.get(variant=variant, source="dashboard")
    assert (row.stock_before, row.stock_after, row.reason) == (10, 2, "Count")

    # A refusal stays on its row with what was typed; another store's variant is a 404.
    response = merchant.post(
        url,
        {
            "variant": variant.pk,
            "operation": "decrement",
            "quantity": "9",
            "reason": "Oops",
        },
    )
    assert response.status_code == 200
    assert "Cannot decrement stock" in response.content.decode()
    assert 'value="Oops"' in response.content.decode()
    response = merchant.post(
        url,
        {
            "variant": default_variant(theirs).pk,
            "operation": "set",
            "quantity": "0",
            "reason": "x",
        },
    )
    assert response.status_code == 404
    low = merchant.get(url, {"low": "1"}).content.decode()
    assert low.count('class="inventory-row') == 5


def test_a_bundles_components_are_edited_inline(merchant, shop, candle):
    holder = make_product(shop.store, "Holder", sku="HOLDER", stock=3)
    lamp = make_product(shop.store, "Lamp", sku="LAMP", stock=4)
    url = reverse("admin:catalog_product_change", args=[lamp.pk])
    base = _product_form(shop, name="Lamp", slug=lamp.slug, price_amount="50.00")
    base["sku"] = "LAMP"
    # The page of an ordinary product has no components inline; saved as a bundle it
    # gives up its own stock (audited) ...
    assert "bundle_components-TOTAL_FORMS" not in merchant.get(url).content.decode()
    response = merchant.post(url, {**base, "product_type": "bundle"})
    assert response.status_code == 302
    assert default_variant(lamp).stock == 0
    page = merchant.get(url).content.decode()
    assert "bundle_components-TOTAL_FORMS" in page and "whole bundle" in page

    # ... and lists its components, checked by the API's rules.
    data = {**base, "product_type": "bundle"}
    data.update(_inline_management("bundle_components", total=2))
    data.update(
        {
            "bundle_components-0-component": default_variant(candle).pk,
            "bundle_components-0-quantity": "2",
            "bundle_components-0-position": "0",
            "bundle_components-1-component": default_variant(candle).pk,
            "bundle_components-1-quantity": "1",
            "bundle_components-1-position": "1",
        }
    )
    response = merchant.post(url, data)
    assert response.status_code == 200
    assert "duplicate data for component" in response.content.decode()
    data["bundle_components-1-component"] = default_variant(holder).pk
    response = merchant.post(url, data)
    assert response.status_code == 302
    assert [
        (c.component_id, c.quantity)
        for c in lamp.bundle_components.order_by("position")
    ] == [(default_variant(candle).pk, 2), (default_variant(holder).pk, 1)]
    assert "3 whole bundle(s)" in merchant.get(url).content.decode()
    # Its stock page sends the merchant to the components.
    stock = merchant.get(reverse("admin:catalog_product_stock", args=[lamp.pk]))
    assert stock.status_code == 302

"""The product page writes through the API's services: ``product_create`` /
``product_update`` with the API's input (inlines included), ``product_inventory_adjust``,
``media_delete``; so the dashboard refuses what the API refuses, with the API's message on
the field, and records one event per save."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog import services
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

from .test_admin import _inline_management, _product_form

pytestmark = pytest.mark.django_db


def _errors(response) -> dict:
    return response.context["adminform"].form.errors


def _shirt_form(shop, shirt, **overrides) -> dict:
    """The shirt's change page as posted unchanged (options and variants inline)."""
    data = _product_form(
        shop, name=shirt.name, slug=shirt.slug, price_amount="24.00", **overrides
    )
    options = list(shirt.options.prefetch_related("values"))
    data.update(_inline_management("options", total=len(options), initial=len(options)))
    for i, option in enumerate(options):
        data.update(
            {
                f"options-{i}-id": option.pk,
                f"options-{i}-product": shirt.pk,
                f"options-{i}-name": option.name,
                f"options-{i}-position": str(option.position),
                f"options-{i}-values_text": ", ".join(
                    v.value for v in option.values.all()
                ),
                f"options-{i}-translations_text": "",
            }
        )
    variants = list(shirt.variants.filter(is_default=False).order_by("position", "id"))
    data.update(
        _inline_management("variants", total=len(variants), initial=len(variants))
    )
    for i, variant in enumerate(variants):
        data.update(
            {
                f"variants-{i}-id": variant.pk,
                f"variants-{i}-product": shirt.pk,
                f"variants-{i}-sku": variant.sku,
                f"variants-{i}-barcode": variant.barcode,
                f"variants-{i}-price_amount": (
                    f"{variant.price_amount / 100:.2f}" if variant.price_amount else ""
                ),
                f"variants-{i}-currency_prices": "",
                f"variants-{i}-weight_grams": variant.weight_grams or "",
                f"variants-{i}-media": "",
            }
        )
    return data, variants


def _combination(variant: Variant) -> set[str]:
    return {v.value for v in variant.option_values.all()}


def test_a_new_product_without_a_slug_gets_one_from_its_name(merchant, shop):
    make_product(shop.store, "Linen apron")  # takes "linen-apron"
    response = merchant.post(
        reverse("admin:catalog_product_add"), _product_form(shop, slug="")
    )
    assert response.status_code == 302, _errors(response)
    assert Product.objects.filter(name="Linen apron").count() == 2
    assert Product.objects.filter(slug="linen-apron-2").exists()


def test_a_taken_slug_is_refused_with_the_apis_message_on_the_field(merchant, shop):
    make_product(shop.store, "Linen apron")
    response = merchant.post(
        reverse("admin:catalog_product_add"), _product_form(shop, name="Other apron")
    )
    assert response.status_code == 200
    assert _errors(response)["slug"] == [
        "The slug 'linen-apron' is already used by another product."
    ]
    assert not Product.objects.filter(name="Other apron").exists()


def test_a_rule_broken_names_the_form_field(merchant, shop):
    response = merchant.post(
        reverse("admin:catalog_product_add"),
        _product_form(shop, min_order_quantity="3", max_order_quantity="2"),
    )
    assert response.status_code == 200
    assert _errors(response)["max_order_quantity"] == [
        "The maximum order quantity must be at least the minimum."
    ]
    assert not Product.objects.exists()


def test_a_variant_sku_of_another_product_is_refused_and_nothing_changes(
    merchant, shop, shirt, candle
):
    data, variants = _shirt_form(shop, shirt)
    data["variants-0-sku"] = "CANDLE-001"  # the candle's
    data["variants-1-barcode"] = "5012345678900"
    response = merchant.post(
        reverse("admin:catalog_product_change", args=[shirt.pk]), data
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "The sku 'CANDLE-001' is already used by another product."
    ]
    assert Variant.objects.get(pk=variants[0].pk).sku == variants[0].sku
    assert Variant.objects.get(pk=variants[1].pk).barcode == ""


def test_variant_edits_and_an_option_change_in_one_save(merchant, shop, shirt, events):
    data, variants = _shirt_form(shop, shirt)
    s_red = next(v for v in variants if _combination(v) == {"S", "Red"})
    m_blue = next(v for v in variants if _combination(v) == {"M", "Blue"})
    index = variants.index(s_red)
    data[f"variants-{index}-price_amount"] = "30.00"
    data[f"variants-{index}-sku"] = "SHIRT-S-RED"
    size = next(
        i for i in range(2) if data[f"options-{i}-name"] == "Size"
    )  # S, M -> S, L: the M variants go, the L ones come
    data[f"options-{size}-values_text"] = "S, L"
    response = merchant.post(
        reverse("admin:catalog_product_change", args=[shirt.pk]), data
    )
    assert response.status_code == 302, _errors(response)
    kept = Variant.objects.get(pk=s_red.pk)
    assert (kept.sku, kept.price_amount, kept.stock) == ("SHIRT-S-RED", 3000, 3)
    combos = [_combination(v) for v in shirt.variants.prefetch_related("option_values")]
    assert sorted(map(sorted, combos)) == [
        ["Blue", "L"],
        ["Blue", "S"],
        ["L", "Red"],
        ["Red", "S"],
    ]
    audit = InventoryAdjustment.objects.filter(
        product=shirt, reason="Variant removed", source="dashboard"
    )
    assert audit.count() == 2  # the M variants' stock, to 0
    assert {a.actor for a in audit} == {"dashboard:owner@acme.test"}
    assert not Variant.objects.filter(pk=m_blue.pk).exists()
    [event] = events("product.updated")
    assert event["variantCount"] == 4


def test_one_event_per_save_with_the_media_in_it(merchant, shop, events):
    data = _product_form(shop)
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
    response = merchant.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 302, _errors(response)
    [created] = events("product.created")
    assert [m["alt"] for m in created["media"]] == ["Front"]
    assert events("product.updated") == []


def test_other_prices_on_a_variant_based_product_are_refused_as_on_the_api(
    merchant, shop, shirt
):
    shop.store.supported_currencies = ["GBP", "EUR"]
    shop.store.save(update_fields=["supported_currencies"])
    data, _ = _shirt_form(shop, shirt, other_prices="EUR 30.00")
    response = merchant.post(
        reverse("admin:catalog_product_change", args=[shirt.pk]), data
    )
    assert response.status_code == 200
    assert _errors(response)["other_prices"] == [
        "Set prices on each variant of a variant-based product."
    ]


def test_the_store_of_a_product_is_not_changed_on_its_page(
    merchant, shop, other_shop, candle
):
    page = merchant.get(reverse("admin:catalog_product_change", args=[candle.pk]))
    assert "store" not in page.context["adminform"].form.fields
    data = _product_form(
        shop, name=candle.name, slug=candle.slug, sku="CANDLE-001", price_amount="24"
    )
    data["store"] = other_shop.store.pk
    response = merchant.post(
        reverse("admin:catalog_product_change", args=[candle.pk]), data
    )
    assert response.status_code == 302
    assert Product.objects.get(pk=candle.pk).store_id == shop.store.pk


def test_the_inventory_page_refuses_a_bundles_own_stock(merchant, shop, candle):
    bundle = make_product(
        shop.store,
        "Gift set",
        product_type="bundle",
        stock=0,
        components=[{"variant_id": default_variant(candle).pk, "quantity": 2}],
    )
    variant = default_variant(bundle)
    response = merchant.post(
        reverse("admin:catalog_product_inventory"),
        {"variant": variant.pk, "operation": "set", "quantity": "5", "reason": "Count"},
    )
    assert response.status_code == 200
    assert "A bundle has no stock of its own" in response.content.decode()
    assert Variant.objects.get(pk=variant.pk).stock == 0
    assert not InventoryAdjustment.objects.filter(variant=variant).exists()


def test_a_media_deleted_inline_loses_its_file_once_committed(
    merchant, shop, candle, django_capture_on_commit_callbacks
):
    media = make_media(candle, alt="Old")
    name, storage = media.file.name, media.file.storage
    data = _product_form(
        shop, name=candle.name, slug=candle.slug, sku="CANDLE-001", price_amount="24"
    )
    data.update(_inline_management("media", total=1, initial=1))
    data.update(
        {
            "media-0-id": media.pk,
            "media-0-product": candle.pk,
            "media-0-alt": "Old",
            "media-0-position": "0",
            "media-0-DELETE": "on",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant.post(
            reverse("admin:catalog_product_change", args=[candle.pk]), data
        )
    assert response.status_code == 302, _errors(response)
    assert not Media.objects.filter(pk=media.pk).exists()
    assert not storage.exists(name)


def _category_form(shop, **overrides) -> dict:
    return {
        "store": shop.store.pk,
        "name": "Candles",
        "slug": "candles",
        "published": "on",
        "sort_order": "0",
        "description": "",
        "meta_title": "",
        "meta_description": "",
        **overrides,
    }


def test_a_new_category_without_a_slug_gets_one_from_its_name(merchant, shop):
    make_category(shop.store, "Candles")
    response = merchant.post(
        reverse("admin:catalog_category_add"),
        _category_form(
            shop,
            slug="",
            image=SimpleUploadedFile("c.png", png_bytes(), content_type="image/png"),
        ),
    )
    assert response.status_code == 302, _errors(response)
    category = Category.objects.get(slug="candles-2")
    assert category.image and category.image.storage.exists(category.image.name)


def test_a_category_refusal_is_the_apis_on_the_field(merchant, shop):
    root = make_category(shop.store, "Root")
    child = make_category(shop.store, "Child", parent=root)
    taken = merchant.post(
        reverse("admin:catalog_category_add"), _category_form(shop, slug="root")
    )
    assert _errors(taken)["slug"] == [
        "The slug 'root' is already used by another category."
    ]
    cycle = merchant.post(
        reverse("admin:catalog_category_change", args=[root.pk]),
        _category_form(shop, name="Root", slug="root", parent=child.pk),
    )
    assert _errors(cycle)["parent"] == [
        "A category cannot be placed under itself or its own children."
    ]
    assert Category.objects.get(pk=root.pk).parent_id is None
    assert Category.objects.count() == 2


def test_a_review_status_is_moderated_as_on_the_api(merchant, candle):
    review = make_review(candle, status=Review.Status.PENDING)
    url = reverse("admin:catalog_review_change", args=[review.pk])
    form = {
        "status": "approved",
        "rating": "4",
        "title": "Lovely",
        "body": "Smells of fig.",
        "author_name": "Sam",
    }
    response = merchant.post(url, form)
    assert response.status_code == 302, _errors(response)
    review.refresh_from_db()
    assert (review.status, review.title) == ("approved", "Lovely")
    candle.refresh_from_db()
    assert candle.reviews_test_count == 1  # the totals follow (a test-mode review)

    response = merchant.post(url, {**form, "status": "pending_moderation"})
    assert response.status_code == 200
    assert _errors(response)["status"] == ["Status must be approved or rejected."]
    assert Review.objects.get(pk=review.pk).status == "approved"


def test_the_dashboard_deletes_a_category_through_category_delete(merchant, shop):
    """Its delete page and "Delete selected" both run the API's ``category_delete``."""
    one, two = make_category(shop.store, "One"), make_category(shop.store, "Two")
    deleted = []

    def recording(*, category):
        deleted.append(category.pk)  # before the delete clears the pk
        return services.categories.category_delete(category=category)

    with mock.patch.object(services, "category_delete", side_effect=recording):
        page = merchant.post(
            reverse("admin:catalog_category_delete", args=[one.pk]), {"post": "yes"}
        )
        assert page.status_code == 302 and deleted == [one.pk]
        bulk = merchant.post(
            reverse("admin:catalog_category_changelist"),
            {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"},
        )
        assert bulk.status_code == 302 and deleted == [one.pk, two.pk]
    assert not Category.objects.filter(pk__in=[one.pk, two.pk]).exists()

"""Private product endpoints: list, create, read, update, archive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import InventoryAdjustment, Product, ProductOption, Variant
from catalog.tests.factories import (
    make_category,
    make_media,
    make_product,
    make_variant_product,
)

pytestmark = pytest.mark.django_db


def _create(private, **body):
    return private.post(
        "/products", {"name": "Hand-poured candle", "price": 2400, **body}
    )


# -- list -----------------------------------------------------------------------------


def test_list_includes_every_status_and_filters(private, shop):
    live = make_product(shop.store, "Live")
    draft = make_product(shop.store, "Draft", status="draft")
    old = make_product(shop.store, "Old")
    Product.objects.filter(pk=old.pk).update(status="archived")

    body = private.get("/products").json()
    assert {p["id"] for p in body["data"]} == {live.pk, draft.pk, old.pk}
    assert body["meta"]["total"] == 3
    item = body["data"][0]
    for field in (
        "id",
        "slug",
        "name",
        "status",
        "price",
        "inStock",
        "inventoryCount",
        "createdAt",
        "updatedAt",
        "cost",
        "sku",
        "metadata",
    ):
        assert field in item
    only_draft = private.get("/products", query={"status": "draft"}).json()["data"]
    assert [p["id"] for p in only_draft] == [draft.pk]
    assert private.get("/products", query={"status": "gone"}).status_code == 422


def test_list_search_and_updated_after(private, shop):
    first = make_product(shop.store, "Lavender spray")
    second = make_product(shop.store, "Pillar candle")
    assert [
        p["id"]
        for p in private.get("/products", query={"q": "lavender"}).json()["data"]
    ] == [first.pk]

    past = timezone.now() - timedelta(hours=1)
    Product.objects.update(updated_at=past)
    Variant.objects.update(updated_at=past)
    cutoff = timezone.now() - timedelta(minutes=1)
    assert (
        private.get("/products", query={"updatedAfter": cutoff.isoformat()}).json()[
            "data"
        ]
        == []
    )
    # A stock change alone makes the product show up in an incremental sync.
    private.patch(
        f"/products/{second.pk}/inventory", {"operation": "increment", "quantity": 1}
    )
    synced = private.get(
        "/products", query={"updatedAfter": cutoff.isoformat()}
    ).json()["data"]
    assert [p["id"] for p in synced] == [second.pk]
    assert (
        private.get("/products", query={"updatedAfter": "yesterday"}).status_code == 422
    )


def test_private_list_is_store_scoped(private, other_shop):
    make_product(other_shop.store, "Theirs")
    assert private.get("/products").json()["data"] == []


# -- create ---------------------------------------------------------------------------


def test_create_minimal_reference_example(private, shop, events):
    response = _create(private, stock=50, status="published")

    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("prod_") and data["slug"] == "hand-poured-candle"
    assert data["status"] == "published"
    assert data["price"]["amount"] == 2400 and data["price"]["formatted"] == "£24.00"
    assert data["inventoryCount"] == 50 and data["createdAt"].endswith("Z")
    product = Product.objects.get(pk=data["id"])
    [variant] = product.variants.all()
    assert variant.is_default and variant.stock == 50 and variant.price_amount is None
    assert data["defaultVariantId"] == variant.pk and data["variants"] == []
    [adjustment] = InventoryAdjustment.objects.filter(product=product)
    assert (adjustment.stock_before, adjustment.stock_after, adjustment.source) == (
        0,
        50,
        "api",
    )
    [event] = events("product.created")
    assert (
        event["id"] == product.pk and event["inventoryCount"] == 50 and "cost" in event
    )


def test_create_defaults_to_draft_with_zero_stock(private):
    data = _create(private).json()["data"]
    assert (
        data["status"] == "draft"
        and data["inventoryCount"] == 0
        and data["inStock"] is False
    )
    assert not InventoryAdjustment.objects.exists()


def test_create_every_field(private, shop):
    category = make_category(shop.store, "Candles")
    starts = timezone.now() - timedelta(days=1)
    ends = timezone.now() + timedelta(days=1)
    response = _create(
        private,
        slug="my-candle",
        summary="Soy.",
        description="# Big\nText",
        status="published",
        productType="physical",
        salePrice=2000,
        saleName="Spring",
        saleStartsAt=starts.isoformat(),
        saleEndsAt=ends.isoformat(),
        cost=780,
        sku="CANDLE-001",
        barcode="5012345678900",
        brand="Acme",
        weightGrams=340,
        stock=5,
        trackInventory=True,
        lowStockThreshold=2,
        minOrderQuantity=2,
        maxOrderQuantity=6,
        shippingType="optional",
        requireDeliveryOrCollection=True,
        fixedShippingRateCents=495,
        featured=True,
        sortOrder=7,
        metadata={"supplier": "Wax Co", "nested_key": {"a": 1}},
        categoryIds=[category.pk],
    )
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert (
        data["slug"] == "my-candle"
        and data["summary"] == "Soy."
        and data["description"] == "# Big\nText"
    )
    assert data["price"]["isOnSale"] is True and data["price"]["amount"] == 2000
    assert data["salePrice"]["amount"] == 2000 and data["saleName"] == "Spring"
    assert data["cost"] == {"amount": 780, "currency": "GBP", "formatted": "£7.80"}
    assert (
        data["sku"] == "CANDLE-001"
        and data["barcode"] == "5012345678900"
        and data["brand"] == "Acme"
    )
    assert data["weightGrams"] == 340 and data["lowStockThreshold"] == 2
    assert data["minOrderQuantity"] == 2 and data["maxOrderQuantity"] == 6
    assert data["quickAddEligible"] is False  # a minimum of 2 cannot be quick-added
    assert (
        data["shippingType"] == "optional"
        and data["requireDeliveryOrCollection"] is True
    )
    assert (
        data["fixedShippingRateCents"] == 495
        and data["featured"] is True
        and data["sortOrder"] == 7
    )
    assert data["metadata"] == {"supplier": "Wax Co", "nested_key": {"a": 1}}
    assert data["categories"] == [
        {"id": category.pk, "name": "Candles", "slug": "candles"}
    ]
    variant = Variant.objects.get(pk=data["defaultVariantId"])
    assert (variant.sku, variant.barcode, variant.weight_grams) == (
        "CANDLE-001",
        "5012345678900",
        340,
    )


def test_slug_collisions_get_suffixes(private, shop):
    slugs = [_create(private).json()["data"]["slug"] for _ in range(3)]
    assert slugs == [
        "hand-poured-candle",
        "hand-poured-candle-2",
        "hand-poured-candle-3",
    ]
    assert _create(private, name="!!!").json()["data"]["slug"] == "product"
    assert _create(private, name="prod_secret").json()["data"]["slug"] == "prod-secret"


def test_slugs_are_per_store(private, other_shop):
    make_product(other_shop.store, "Hand-poured candle")
    assert _create(private).json()["data"]["slug"] == "hand-poured-candle"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": None}, "name"),
        ({"name": "  "}, "name"),
        ({"price": None}, "price"),
        ({"price": -1}, "price"),
        ({"price": 12.5}, "price"),
        ({"status": "archived"}, "status"),
        ({"status": "live"}, "status"),
        ({"productType": "service"}, "productType"),
        ({"shippingType": "maybe"}, "shippingType"),
        ({"slug": "Has Spaces"}, "slug"),
        ({"slug": "prod_x"}, "slug"),
        ({"stock": -1}, "stock"),
        ({"stock": "5"}, "stock"),
        ({"trackInventory": "yes"}, "trackInventory"),
        ({"minOrderQuantity": 0}, "minOrderQuantity"),
        ({"minOrderQuantity": 5, "maxOrderQuantity": 2}, "maxOrderQuantity"),
        ({"salePrice": 2400}, "salePrice"),
        ({"salePrice": 3000}, "salePrice"),
        (
            {
                "saleStartsAt": "2026-05-02T00:00:00Z",
                "saleEndsAt": "2026-05-01T00:00:00Z",
                "salePrice": 1,
            },
            "saleEndsAt",
        ),
        ({"metadata": ["a"]}, "metadata"),
        ({"metadata": {f"k{i}": i for i in range(51)}}, "metadata"),
        ({"metadata": {"k" * 41: 1}}, "metadata"),
        ({"categoryIds": "cat_1"}, "categoryIds"),
        ({"categoryIds": ["cat_unknown"]}, "categoryIds"),
        ({"weightGrams": -5}, "weightGrams"),
        ({"cost": -1}, "cost"),
    ],
)
def test_create_validation_errors(private, body, field):
    response = _create(private, **body)
    assert response.status_code == 422, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error
    assert not Product.objects.exists()


def test_name_and_price_are_required(private):
    response = private.post("/products", {})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields["name"] == ["The name field is required."]
    assert fields["price"] == ["The price field is required."]


def test_explicit_slug_taken_is_422(private, shop):
    make_product(shop.store, "Existing", slug="taken")
    response = _create(private, slug="taken")
    assert response.status_code == 422 and "slug" in response.json()["error"]["fields"]


def test_category_of_another_store_is_422(private, other_shop):
    theirs = make_category(other_shop.store, "Theirs")
    response = _create(private, categoryIds=[theirs.pk])
    assert response.status_code == 422
    assert "categoryIds" in response.json()["error"]["fields"]
    assert not Product.objects.exists()


def test_sku_is_unique_per_store(private, shop, other_shop):
    make_product(shop.store, "First", sku="SKU-1")
    make_variant_product(shop.store, "Vest")  # skus Ves-S-R ...
    make_product(other_shop.store, "Theirs", sku="SKU-2")
    assert _create(private, sku="SKU-1").status_code == 422
    assert _create(private, sku="Ves-S-R").status_code == 422
    assert (
        _create(private, sku="SKU-2").status_code == 201
    )  # another store's sku is fine
    assert _create(private, name="Blank sku 1").status_code == 201
    assert _create(private, name="Blank sku 2").status_code == 201


# -- variants on create -----------------------------------------------------------------

OPTIONS = [
    {"name": "Size", "values": ["S", "M"]},
    {"name": "Colour", "values": ["Red", "Blue"]},
]


def test_create_with_options_and_variants(private):
    response = _create(
        private,
        options=OPTIONS,
        variants=[
            {"optionValues": {"Size": "S", "Colour": "Red"}, "sku": "S-R", "stock": 2},
            {
                "optionValues": {"Size": "M", "Colour": "Blue"},
                "sku": "M-B",
                "stock": 5,
                "price": 2600,
                "barcode": "123",
                "weightGrams": 200,
            },
        ],
    )
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["defaultVariantId"] is None and data["variantCount"] == 2
    assert data["inventoryCount"] == 7 and data["priceMax"] == 2600
    second = data["variants"][1]
    assert second["optionValues"] == {"Size": "M", "Colour": "Blue"}
    assert (second["stock"], second["barcode"], second["weightGrams"]) == (
        5,
        "123",
        200,
    )
    assert second["price"]["amount"] == 2600
    product = Product.objects.get(pk=data["id"])
    assert not product.variants.filter(is_default=True).exists()
    assert InventoryAdjustment.objects.filter(product=product).count() == 2


def test_options_without_variants_generate_every_combination(private):
    data = _create(private, options=OPTIONS).json()["data"]
    assert sorted(v["name"] for v in data["variants"]) == [
        "M / Blue",
        "M / Red",
        "S / Blue",
        "S / Red",
    ]
    assert data["inventoryCount"] == 0


@pytest.mark.parametrize(
    "variants,message",
    [
        ([{"optionValues": {"Size": "S"}}], "Missing a value for: Colour"),
        (
            [{"optionValues": {"Size": "S", "Colour": "Red", "Fit": "Slim"}}],
            "Unknown option: Fit",
        ),
        (
            [{"optionValues": {"Size": "XL", "Colour": "Red"}}],
            "'XL' is not a value of Size",
        ),
        (
            [
                {"optionValues": {"Size": "S", "Colour": "Red"}},
                {"optionValues": {"Size": "S", "Colour": "Red"}},
            ],
            "Same option values as variants[0]",
        ),
        (
            [
                {"optionValues": {"Size": "S", "Colour": "Red"}, "sku": "X"},
                {"optionValues": {"Size": "M", "Colour": "Red"}, "sku": "X"},
            ],
            "appears twice",
        ),
    ],
)
def test_variant_validation(private, variants, message):
    response = _create(private, options=OPTIONS, variants=variants)
    assert response.status_code == 422
    error = response.json()["error"]
    assert any(
        message in m for messages in error["fields"].values() for m in messages
    ), error
    assert not Product.objects.exists() and not ProductOption.objects.exists()


@pytest.mark.parametrize(
    "body,field",
    [
        ({"variants": [{"optionValues": {"Size": "S"}}]}, "variants"),
        ({"options": OPTIONS, "stock": 4}, "stock"),
        (
            {
                "options": OPTIONS,
                "variants": [{"optionValues": {"Size": "S", "Colour": "Red"}}],
                "stock": 4,
            },
            "stock",
        ),
        ({"options": [{"name": "Size", "values": []}]}, "options[0].values"),
        ({"options": [{"name": "Size", "values": ["S", "s"]}]}, "options[0].values"),
        (
            {
                "options": [
                    {"name": "Size", "values": ["S"]},
                    {"name": "size", "values": ["M"]},
                ]
            },
            "options",
        ),
        (
            {
                "options": OPTIONS,
                "variants": [
                    {"optionValues": {"Size": "S", "Colour": "Red"}, "stock": -1}
                ],
            },
            "variants[0].stock",
        ),
        (
            {"options": OPTIONS, "variants": [{"optionValues": "S"}]},
            "variants[0].optionValues",
        ),
    ],
)
def test_structure_validation(private, body, field):
    response = _create(private, **body)
    assert response.status_code == 422, response.json()
    assert field in response.json()["error"]["fields"], response.json()
    assert not Product.objects.exists()


# -- read -------------------------------------------------------------------------------


def test_get_by_id_or_slug_any_status(private, shop):
    product = make_product(
        shop.store, "Draft candle", status="draft", cost_amount=None, sku="D-1"
    )
    for ref in (product.pk, "draft-candle"):
        response = private.get(f"/products/{ref}")
        assert response.status_code == 200
        data = response.json()["data"]
        assert (
            data["id"] == product.pk
            and data["status"] == "draft"
            and data["sku"] == "D-1"
        )


def test_private_view_adds_internal_fields(private, shop):
    product = make_variant_product(
        shop.store,
        "Vest",
        cost=500,
        barcode="501",
        weight_grams=90,
        metadata={"supplier": "X"},
    )
    make_media(product)
    data = private.get(f"/products/{product.pk}").json()["data"]
    assert (
        data["cost"]["amount"] == 500
        and data["barcode"] == "501"
        and data["weightGrams"] == 90
    )
    assert data["metadata"] == {"supplier": "X"}
    assert data["variants"][0]["stock"] == 3
    assert set(data["media"][0]) >= {"id", "path", "alt"}


def test_private_view_lists_unpublished_categories(private, shop, candle):
    hidden = make_category(shop.store, "Hidden", published=False)
    candle.categories.add(hidden)
    assert (
        private.get(f"/products/{candle.pk}").json()["data"]["categories"][0]["id"]
        == hidden.pk
    )


def test_other_stores_product_is_404_everywhere(private, other_shop):
    theirs = make_product(other_shop.store, "Theirs")
    for ref in (theirs.pk, theirs.slug):
        assert private.get(f"/products/{ref}").status_code == 404
        assert private.patch(f"/products/{ref}", {"price": 1}).status_code == 404
        assert private.delete(f"/products/{ref}").status_code == 404
        assert (
            private.patch(
                f"/products/{ref}/inventory", {"operation": "set", "quantity": 1}
            ).status_code
            == 404
        )
    theirs.refresh_from_db()
    assert theirs.price_amount == 2400 and theirs.status == "published"


def test_store_path_alias(api_client_for, shop, candle):
    client = api_client_for("private", shop.sk)
    response = client.get(f"/stores/{shop.store.pk}/products/{candle.pk}")
    assert response.status_code == 200
    assert client.get(f"/stores/str_other/products/{candle.pk}").status_code == 404


# -- update -----------------------------------------------------------------------------


def test_patch_changes_only_sent_fields(private, shop, events):
    product = make_product(
        shop.store, "Candle", summary="Soy.", sku="C-1", metadata={"a": 1, "b": 2}
    )
    response = private.patch(
        f"/products/{product.pk}", {"price": 2600, "metadata": {"c": 3}}
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert (
        data["price"]["amount"] == 2600
        and data["summary"] == "Soy."
        and data["sku"] == "C-1"
    )
    assert data["metadata"] == {"c": 3}  # replaced, not merged
    assert data["inventoryCount"] == 10 and data["slug"] == "candle"
    [event] = events("product.updated")
    assert event["price"]["amount"] == 2600


def test_patch_name_keeps_slug_unless_sent(private, candle):
    data = private.patch(f"/products/{candle.pk}", {"name": "New name"}).json()["data"]
    assert data["name"] == "New name" and data["slug"] == "hand-poured-candle"
    data = private.patch(f"/products/{candle.pk}", {"slug": "new-name"}).json()["data"]
    assert data["slug"] == "new-name"
    assert private.get("/products/new-name").status_code == 200


def test_patch_can_archive_and_republish(private, public, candle):
    assert (
        private.patch(f"/products/{candle.pk}", {"status": "archived"}).json()["data"][
            "status"
        ]
        == "archived"
    )
    assert public.get(f"/products/{candle.pk}").status_code == 404
    private.patch(f"/products/{candle.pk}", {"status": "published"})
    assert public.get(f"/products/{candle.pk}").status_code == 200


@pytest.mark.parametrize(
    "body,field",
    [
        ({"salePrice": 5000}, "salePrice"),
        ({"maxOrderQuantity": 0}, "maxOrderQuantity"),
        ({"name": ""}, "name"),
        ({"slug": "other"}, "slug"),
        ({"sku": "OTHER-SKU"}, "sku"),
        ({"categoryIds": ["cat_nope"]}, "categoryIds"),
        ({"price": 100, "salePrice": 150}, "salePrice"),
    ],
)
def test_patch_validation_changes_nothing(private, shop, candle, body, field):
    make_product(shop.store, "Other", sku="OTHER-SKU")
    before = private.get(f"/products/{candle.pk}").json()["data"]
    response = private.patch(f"/products/{candle.pk}", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert private.get(f"/products/{candle.pk}").json()["data"] == before


def test_patch_sku_of_simple_product_moves_to_default_variant(private, candle):
    private.patch(
        f"/products/{candle.pk}", {"sku": "NEW-1", "barcode": "999", "weightGrams": 10}
    )
    variant = candle.variants.get()
    assert (variant.sku, variant.barcode, variant.weight_grams) == ("NEW-1", "999", 10)


def test_patch_stock_of_simple_product_is_audited(private, candle):
    data = private.patch(f"/products/{candle.pk}", {"stock": 4}).json()["data"]
    assert data["inventoryCount"] == 4
    assert (
        InventoryAdjustment.objects.filter(product=candle)
        .latest("created_at")
        .stock_after
        == 4
    )


def test_patch_stock_of_variant_product_is_422(private, shirt):
    response = private.patch(f"/products/{shirt.pk}", {"stock": 4})
    assert response.status_code == 422 and "stock" in response.json()["error"]["fields"]


def test_patch_categories_replace(private, shop, candle):
    a, b = make_category(shop.store, "A"), make_category(shop.store, "B")
    private.patch(f"/products/{candle.pk}", {"categoryIds": [a.pk, b.pk]})
    data = private.patch(f"/products/{candle.pk}", {"categoryIds": [b.pk]}).json()[
        "data"
    ]
    assert [c["id"] for c in data["categories"]] == [b.pk]
    assert (
        private.patch(f"/products/{candle.pk}", {"categoryIds": []}).json()["data"][
            "categories"
        ]
        == []
    )


def test_patch_variants_replace_keeps_matching_rows(private, shirt):
    before = {v.sku: v.pk for v in shirt.variants.all()}
    response = private.patch(
        f"/products/{shirt.pk}",
        {
            "variants": [
                {
                    "optionValues": {"Size": "S", "Colour": "Red"},
                    "sku": "Lin-S-R",
                    "stock": 9,
                },
                {"optionValues": {"Size": "M", "Colour": "Blue"}, "sku": "NEW-MB"},
            ]
        },
    )
    assert response.status_code == 200, response.json()
    variants = response.json()["data"]["variants"]
    assert [v["sku"] for v in variants] == ["Lin-S-R", "NEW-MB"]
    assert variants[0]["id"] == before["Lin-S-R"] and variants[0]["stock"] == 9
    assert (
        variants[1]["id"] == before["Lin-M-B"] and variants[1]["stock"] == 3
    )  # stock kept
    assert Variant.objects.filter(product=shirt).count() == 2
    removed = InventoryAdjustment.objects.filter(
        product=shirt, stock_after=0, variant__isnull=True
    )
    assert removed.count() == 2  # the audit rows of removed variants survive them


def test_patch_options_regenerates_combinations(private, shirt):
    kept = shirt.variants.get(sku="Lin-S-R")
    response = private.patch(
        f"/products/{shirt.pk}",
        {
            "options": [
                {"name": "Size", "values": ["S", "L"]},
                {"name": "Colour", "values": ["Red"]},
            ]
        },
    )
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    assert [v["name"] for v in data["variants"]] == ["S / Red", "L / Red"]
    assert data["variants"][0]["id"] == kept.pk and data["variants"][0]["stock"] == 3
    assert data["options"][0]["values"] == ["S", "L"]


def test_patch_variants_validated_against_existing_options(private, shirt):
    response = private.patch(
        f"/products/{shirt.pk}",
        {"variants": [{"optionValues": {"Size": "XL", "Colour": "Red"}}]},
    )
    assert response.status_code == 422
    assert shirt.variants.count() == 4


def test_patch_simple_to_variants_and_back(private, candle):
    data = private.patch(
        f"/products/{candle.pk}",
        {
            "options": [{"name": "Scent", "values": ["Fig", "Rose"]}],
            "variants": [
                {"optionValues": {"Scent": "Fig"}, "stock": 2},
                {"optionValues": {"Scent": "Rose"}, "stock": 1},
            ],
        },
    ).json()["data"]
    assert data["defaultVariantId"] is None and data["inventoryCount"] == 3
    assert not candle.variants.filter(is_default=True).exists()
    data = private.patch(f"/products/{candle.pk}", {"options": [], "stock": 6}).json()[
        "data"
    ]
    assert data["defaultVariantId"] and data["variants"] == [] and data["options"] == []
    assert data["variantCount"] == 1 and data["inventoryCount"] == 6
    assert not ProductOption.objects.filter(product=candle).exists()


# -- delete -----------------------------------------------------------------------------


def test_delete_archives(private, public, candle, events):
    response = private.delete(f"/products/{candle.pk}")
    assert response.status_code == 204 and response.content == b""
    candle.refresh_from_db()
    assert candle.status == "archived"
    assert candle.variants.count() == 1  # kept for past orders
    assert public.get(f"/products/{candle.pk}").status_code == 404
    assert private.get(f"/products/{candle.pk}").json()["data"]["status"] == "archived"
    assert private.delete(f"/products/{candle.pk}").status_code == 204
    assert len(events("product.deleted")) == 1


def test_idempotent_create(private):
    first = private.post("/products", {"name": "X", "price": 1}, idempotency_key="k-1")
    second = private.post("/products", {"name": "X", "price": 1}, idempotency_key="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["data"]["id"] == second.json()["data"]["id"]
    assert Product.objects.count() == 1

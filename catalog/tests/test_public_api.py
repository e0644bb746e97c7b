"""Public catalog endpoints: products, reviews, categories."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product, Review
from catalog.tests.factories import (
    make_category,
    make_media,
    make_product,
    make_review,
)

pytestmark = pytest.mark.django_db

PUBLIC_PRODUCT_FIELDS = {
    "id",
    "slug",
    "name",
    "summary",
    "description",
    "descriptionHtml",
    "status",
    "productType",
    "featured",
    "digital",
    # Issue 19: subscription products' billing ({interval, intervalCount, trialDays}), else null.
    "subscription",
    "trackInventory",
    "inStock",
    "inventoryCount",
    "shippingType",
    "requireDeliveryOrCollection",
    "fixedShippingRateCents",
    "minOrderQuantity",
    "maxOrderQuantity",
    "price",
    "priceMin",
    "priceMax",
    "hasVariants",
    "hasRequiredOptions",
    "variantCount",
    "quickAddEligible",
    "defaultVariantId",
    "media",
    "primaryMediaId",
    "options",
    "variants",
    "categories",
    "reviewCount",
    "averageRating",
    "sortOrder",
    "createdAt",
    "updatedAt",
}
# Bundles (issue 19): what a bundle contains and saves; [] / null on other products.
PUBLIC_PRODUCT_FIELDS |= {"components", "bundleValue", "bundleSaving"}
PRICE_FIELDS = {
    "amount",
    "originalAmount",
    "currency",
    "formatted",
    "originalFormatted",
    "inclusive",
    "note",
    "isOnSale",
    "salePrice",
    "salePriceFormatted",
    "discountPercentage",
    "saleName",
}
PRIVATE_ONLY = {"cost", "sku", "barcode", "weightGrams", "metadata"}


# -- GET /products/{product} ----------------------------------------------------------


def test_simple_product_has_every_reference_field(
    public, shop, candle, candles_category
):
    candle.categories.add(candles_category)
    media = make_media(candle, alt="Front")
    make_media(candle, alt="Lit", position=1)
    make_review(candle, rating=5)
    make_review(candle, rating=4)
    make_review(candle, rating=4)
    make_review(candle, rating=1, status=Review.Status.PENDING)
    make_review(candle, rating=1, status=Review.Status.REJECTED)

    response = public.get(f"/products/{candle.pk}")

    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == PUBLIC_PRODUCT_FIELDS
    assert not PRIVATE_ONLY & set(data)
    assert set(data["price"]) == PRICE_FIELDS
    assert data["price"] == {
        "amount": 2400,
        "originalAmount": 2400,
        "currency": "GBP",
        "formatted": "£24.00",
        "originalFormatted": "£24.00",
        "inclusive": False,
        "note": "+ tax at checkout",
        "isOnSale": False,
        "salePrice": None,
        "salePriceFormatted": None,
        "discountPercentage": None,
        "saleName": None,
    }
    default = candle.variants.get()
    assert default.is_default
    assert data["defaultVariantId"] == default.pk
    assert data["variants"] == [] and data["options"] == []
    assert data["variantCount"] == 1 and data["hasVariants"] is False
    assert data["hasRequiredOptions"] is False and data["quickAddEligible"] is True
    assert data["priceMin"] == data["priceMax"] == 2400
    assert data["subscription"] is None
    assert data["inStock"] is True and data["inventoryCount"] == 10
    assert data["media"][0] == {
        "id": media.pk,
        "path": media.file.name,
        "alt": "Front",
        "isVideo": False,
        "aspectRatio": 0.75,
    }
    assert not data["media"][0]["path"].startswith(("/", "http"))
    assert data["primaryMediaId"] == media.pk
    assert data["categories"] == [
        {"id": candles_category.pk, "name": "Candles", "slug": "candles"}
    ]
    assert data["reviewCount"] == 3
    assert data["averageRating"] == 4.3
    assert data["digital"] is False and data["fixedShippingRateCents"] is None
    assert data["createdAt"].endswith("Z")


def test_product_by_slug(public, candle):
    response = public.get("/products/hand-poured-candle")
    assert response.status_code == 200
    assert response.json()["data"]["id"] == candle.pk


def test_variant_product_shape(public, shirt):
    data = public.get(f"/products/{shirt.slug}").json()["data"]
    assert data["defaultVariantId"] is None
    assert data["hasVariants"] is True and data["hasRequiredOptions"] is True
    assert data["quickAddEligible"] is False
    assert data["variantCount"] == 4 and len(data["variants"]) == 4
    assert data["inventoryCount"] == 12
    assert data["priceMin"] == 2400 and data["priceMax"] == 3000
    assert [o["name"] for o in data["options"]] == ["Size", "Colour"]
    assert data["options"][0]["values"] == ["S", "M"]
    first = data["variants"][0]
    assert set(first) == {
        "id",
        "name",
        "sku",
        "price",
        "inStock",
        "inventoryCount",
        "optionValues",
        "position",
        "mediaId",
    }
    assert first["optionValues"] == {"Size": "S", "Colour": "Red"}
    assert first["name"] == "S / Red"
    assert first["price"] == {"amount": 2400, "currency": "GBP", "formatted": "£24.00"}
    assert "stock" not in first
    assert data["variants"][3]["price"]["amount"] == 3000


def test_sale_price_object(public, shop):
    product = make_product(
        shop.store, "Taper", price=1600, sale_price=1200, sale_name="Spring sale"
    )
    price = public.get(f"/products/{product.pk}").json()["data"]["price"]
    assert price["amount"] == 1200 and price["originalAmount"] == 1600
    assert price["formatted"] == "£12.00" and price["originalFormatted"] == "£16.00"
    assert price["isOnSale"] is True
    assert price["salePrice"] == 1200 and price["salePriceFormatted"] == "£12.00"
    assert price["discountPercentage"] == 25
    assert price["saleName"] == "Spring sale"


def test_scheduled_sale_is_not_on_sale_yet(public, shop):
    product = make_product(
        shop.store,
        "Taper",
        price=1600,
        sale_price=1200,
        sale_starts_at=timezone.now() + timedelta(days=2),
    )
    price = public.get(f"/products/{product.pk}").json()["data"]["price"]
    assert (
        price["isOnSale"] is False
        and price["amount"] == 1600
        and price["salePrice"] is None
    )


def test_tax_inclusive_store_notes_it(public, shop, candle):
    shop.store.tax_inclusive = True
    shop.store.save()
    price = public.get(f"/products/{candle.pk}").json()["data"]["price"]
    assert price["inclusive"] is True
    assert price["note"] == "incl. tax"


def test_digital_and_shipping_fields(public, shop):
    product = make_product(
        shop.store,
        "Guide",
        product_type="digital",
        shipping_type="none",
        track_inventory=False,
        stock=0,
        fixed_shipping_rate_cents=None,
    )
    data = public.get(f"/products/{product.pk}").json()["data"]
    assert data["digital"] is True and data["productType"] == "digital"
    assert data["shippingType"] == "none"
    assert data["inStock"] is True  # untracked stock never runs out


def test_accept_language_formats_money(public, candle):
    response = public.get(
        f"/products/{candle.pk}", headers={"Accept-Language": "fr-FR"}
    )
    assert response.json()["data"]["price"]["formatted"] == "24,00\u00a0£"


def test_out_of_stock_product(public, shop):
    product = make_product(shop.store, "Matches", stock=0)
    data = public.get(f"/products/{product.pk}").json()["data"]
    assert data["inStock"] is False and data["quickAddEligible"] is False


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_draft_and_archived_products_are_404(public, shop, status):
    product = make_product(shop.store, "Hidden", status="draft")
    Product.objects.filter(pk=product.pk).update(status=status)
    for ref in (product.pk, product.slug):
        response = public.get(f"/products/{ref}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_other_stores_product_is_404(public, other_shop):
    product = make_product(other_shop.store, "Theirs")
    assert public.get(f"/products/{product.pk}").status_code == 404
    assert public.get(f"/products/{product.slug}").status_code == 404
    assert public.get(f"/products/{product.pk}/reviews").status_code == 404


def test_unpublished_category_hidden_on_product(public, shop, candle):
    hidden = make_category(shop.store, "Secret", published=False)
    candle.categories.add(hidden)
    assert public.get(f"/products/{candle.pk}").json()["data"]["categories"] == []


# -- GET /products --------------------------------------------------------------------


def test_list_only_published_with_list_fields(public, shop, candle):
    make_product(shop.store, "Draft one", status="draft")
    archived = make_product(shop.store, "Old one")
    Product.objects.filter(pk=archived.pk).update(status="archived")
    make_media(candle)

    response = public.get("/products", query={"perPage": 2})

    assert response.status_code == 200
    body = response.json()
    assert [p["id"] for p in body["data"]] == [candle.pk]
    item = body["data"][0]
    for field in ("id", "slug", "name", "price", "inStock", "media"):
        assert field in item
    assert set(item["media"][0]) == {"id", "path", "alt", "isVideo", "aspectRatio"}
    assert body["meta"] == {"currentPage": 1, "perPage": 2, "total": 1, "lastPage": 1}


def test_list_pagination(public, shop):
    for i in range(5):
        make_product(shop.store, f"P{i}", sort_order=i)
    body = public.get("/products", query={"perPage": 2, "page": 2}).json()
    assert [p["name"] for p in body["data"]] == ["P2", "P3"]
    assert body["meta"] == {"currentPage": 2, "perPage": 2, "total": 5, "lastPage": 3}


@pytest.mark.parametrize(
    "query,field",
    [({"perPage": 101}, "perPage"), ({"page": 0}, "page"), ({"sort": "stock"}, "sort")],
)
def test_list_bad_query_is_422(public, query, field):
    response = public.get("/products", query=query)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


def test_list_filters_by_category_slug_or_id_including_descendants(public, shop):
    candles = make_category(shop.store, "Candles")
    soy = make_category(shop.store, "Soy wax", parent=candles)
    other = make_category(shop.store, "Sprays")
    in_parent = make_product(shop.store, "Pillar", categories=[candles])
    in_child = make_product(shop.store, "Soy jar", categories=[soy])
    both = make_product(shop.store, "Both", categories=[candles, soy])
    make_product(shop.store, "Spray", categories=[other])

    by_slug = public.get("/products", query={"category": "candles"}).json()
    assert {p["id"] for p in by_slug["data"]} == {in_parent.pk, in_child.pk, both.pk}
    assert (
        by_slug["meta"]["total"] == 3
    )  # no duplicates for a product in two matching categories
    by_id = public.get("/products", query={"category": soy.pk}).json()
    assert {p["id"] for p in by_id["data"]} == {in_child.pk, both.pk}
    assert public.get("/products", query={"category": "nope"}).json()["data"] == []


def test_list_search_name_and_description(public, shop):
    make_product(shop.store, "Lavender spray", description="Calming.")
    make_product(shop.store, "Pillar candle", description="Smells of lavender fields.")
    make_product(shop.store, "Matches")
    names = {
        p["name"]
        for p in public.get("/products", query={"q": "lavender"}).json()["data"]
    }
    assert names == {"Lavender spray", "Pillar candle"}
    names = {
        p["name"]
        for p in public.get("/products", query={"q": "lavender spray"}).json()["data"]
    }
    assert names == {"Lavender spray"}
    assert public.get("/products", query={"q": "zzz"}).json()["data"] == []
    # Punctuation is ignored rather than breaking the query.
    assert public.get("/products", query={"q": "'&|!:*()"}).status_code == 200


@pytest.mark.parametrize(
    "sort,expected",
    [
        ("name", ["Apple", "Banana", "Cherry"]),
        ("-name", ["Cherry", "Banana", "Apple"]),
        ("price", ["Cherry", "Apple", "Banana"]),
        ("-price", ["Banana", "Apple", "Cherry"]),
        ("createdAt", ["Banana", "Cherry", "Apple"]),
        ("-createdAt", ["Apple", "Cherry", "Banana"]),
        (None, ["Cherry", "Banana", "Apple"]),
    ],
)
def test_list_sorts(public, shop, sort, expected):
    make_product(shop.store, "Banana", price=3000, sort_order=1)
    make_product(shop.store, "Cherry", price=1000, sort_order=0)
    apple = make_product(shop.store, "Apple", price=5000, sale_price=2000, sort_order=2)
    assert apple.sale_active()  # sorts by the price a shopper pays
    query = {"sort": sort} if sort else {}
    names = [p["name"] for p in public.get("/products", query=query).json()["data"]]
    assert names == expected


# -- reviews --------------------------------------------------------------------------


def test_reviews_list_approved_newest_first_with_meta(public, candle):
    old = make_review(candle, rating=3)
    new = make_review(candle, rating=4)
    Review.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    make_review(candle, rating=1, status=Review.Status.PENDING)

    response = public.get(f"/products/{candle.slug}/reviews")

    body = response.json()
    assert response.status_code == 200
    assert [r["id"] for r in body["data"]] == [new.pk, old.pk]
    assert set(body["data"][0]) == {
        "id",
        "rating",
        "title",
        "body",
        "authorName",
        "verifiedPurchase",
        "createdAt",
    }
    assert body["meta"] == {
        "currentPage": 1,
        "perPage": 20,
        "total": 2,
        "lastPage": 1,
        "averageRating": 3.5,
        "ratingCount": 2,
    }


def test_reviews_of_draft_product_are_404(public, shop):
    product = make_product(shop.store, "Draft", status="draft")
    assert public.get(f"/products/{product.pk}/reviews").status_code == 404
    response = public.post(
        f"/products/{product.pk}/reviews",
        {"rating": 5, "body": "x", "authorEmail": "a@b.co"},
    )
    assert response.status_code == 404


def test_guest_review_is_pending_and_recorded(public, candle, events):
    response = public.post(
        f"/products/{candle.pk}/reviews",
        {
            "rating": 5,
            "title": "Love it",
            "body": "Smells incredible.",
            "authorName": "Sam B.",
            "authorEmail": "sam@example.com",
        },
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == {"id", "status", "createdAt"}
    assert data["status"] == "pending_moderation"
    review = Review.objects.get(pk=data["id"])
    assert review.author_name == "Sam B." and review.verified_purchase is False
    assert review.store_id == candle.store_id
    # Not public until approved.
    assert public.get(f"/products/{candle.pk}/reviews").json()["data"] == []
    [event] = events("review.created")
    assert event["id"] == review.pk and event["authorEmail"] == "sam@example.com"
    assert event["status"] == "pending_moderation" and event["productId"] == candle.pk


@pytest.mark.parametrize(
    "body,field",
    [
        ({"body": "x", "authorEmail": "a@b.co"}, "rating"),
        ({"rating": 6, "body": "x", "authorEmail": "a@b.co"}, "rating"),
        ({"rating": 0, "body": "x", "authorEmail": "a@b.co"}, "rating"),
        ({"rating": "5", "body": "x", "authorEmail": "a@b.co"}, "rating"),
        ({"rating": 5, "authorEmail": "a@b.co"}, "body"),
        ({"rating": 5, "body": "   ", "authorEmail": "a@b.co"}, "body"),
        ({"rating": 5, "body": "x", "authorEmail": "not-an-email"}, "authorEmail"),
        ({"rating": 5, "body": "x"}, "authorEmail"),
        (
            {"rating": 5, "body": "x", "title": "t" * 201, "authorEmail": "a@b.co"},
            "title",
        ),
    ],
)
def test_review_validation(public, candle, body, field):
    response = public.post(f"/products/{candle.pk}/reviews", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert not Review.objects.exists()


def _customer_session(shop, token, email="kim@example.com", first="Kim", last="Lee"):
    from customers.models import Customer, CustomerSession

    customer = Customer.objects.create(
        store=shop.store, email=email, first_name=first, last_name=last
    )
    CustomerSession.objects.create(
        store=shop.store,
        mode="test",
        cart_token=token,
        customer=customer,
        verified_at=timezone.now(),
    )
    return customer


def _paid_order(shop, product, *, email="", customer=None, status="paid", mode="test"):
    from orders.models import Order, OrderItem

    order = Order.objects.create(
        store=shop.store,
        mode=mode,
        type="order",
        cart_token=f"t-{email}{status}",
        currency="GBP",
        email=email,
        customer=customer,
        payment_status=status,
    )
    OrderItem.objects.create(
        order=order, product=product, quantity=1, product_name=product.name
    )
    return order


def test_authenticated_customer_needs_no_email_and_lends_their_name(
    public, shop, candle
):
    customer = _customer_session(shop, "tok-1")
    _paid_order(shop, candle, customer=customer)
    response = public.post(
        f"/products/{candle.pk}/reviews", {"rating": 4, "body": "Good."}, cart="tok-1"
    )
    assert response.status_code == 201
    review = Review.objects.get()
    assert review.customer == customer
    assert review.author_name == "Kim Lee" and review.author_email == "kim@example.com"
    assert review.verified_purchase is True


@pytest.mark.parametrize(
    "status,verified",
    [
        ("paid", True),
        ("partially_refunded", True),
        ("pending", False),
        ("refunded", False),
    ],
)
def test_verified_purchase_follows_paid_orders_of_the_email(
    public, shop, candle, status, verified
):
    _paid_order(shop, candle, email="Buyer@Example.com", status=status)
    response = public.post(
        f"/products/{candle.pk}/reviews",
        {"rating": 5, "body": "Great", "authorEmail": "buyer@example.com"},
    )
    assert response.status_code == 201
    assert Review.objects.get().verified_purchase is verified


def test_purchase_of_another_product_does_not_verify(public, shop, candle):
    other = make_product(shop.store, "Other")
    _paid_order(shop, other, email="buyer@example.com")
    public.post(
        f"/products/{candle.pk}/reviews",
        {"rating": 5, "body": "Great", "authorEmail": "buyer@example.com"},
    )
    assert Review.objects.get().verified_purchase is False


def test_second_review_by_same_email_is_409(public, candle):
    body = {"rating": 5, "body": "Great", "authorEmail": "a@example.com"}
    assert public.post(f"/products/{candle.pk}/reviews", body).status_code == 201
    response = public.post(
        f"/products/{candle.pk}/reviews", {**body, "authorEmail": "A@example.com"}
    )
    assert response.status_code == 409
    assert Review.objects.count() == 1


def test_reviews_turned_off_is_403(public, shop, candle):
    shop.store.features = {**shop.store.features, "reviews": False}
    shop.store.save()
    response = public.post(
        f"/products/{candle.pk}/reviews",
        {"rating": 5, "body": "x", "authorEmail": "a@b.co"},
    )
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_review_post_rate_limited_at_5_per_minute(public, candle):
    statuses = [
        public.post(
            f"/products/{candle.pk}/reviews",
            {"rating": 5, "body": "x", "authorEmail": f"u{i}@b.co"},
        ).status_code
        for i in range(6)
    ]
    assert statuses == [201] * 5 + [429]


# -- categories -----------------------------------------------------------------------


def test_category_tree_published_only_with_counts(public, shop):
    candles = make_category(
        shop.store, "Candles", description="All scented candles.", sort_order=0
    )
    soy = make_category(shop.store, "Soy wax", parent=candles)
    hidden = make_category(shop.store, "Hidden", parent=candles, published=False)
    make_category(shop.store, "Under hidden", parent=hidden)
    sprays = make_category(shop.store, "Sprays", sort_order=1)
    make_product(shop.store, "A", categories=[candles])
    make_product(shop.store, "B", categories=[soy, candles])
    make_product(shop.store, "C", categories=[soy])
    make_product(shop.store, "Draft", categories=[soy], status="draft")
    make_product(shop.store, "D", categories=[hidden])

    response = public.get("/categories")

    assert response.status_code == 200
    data = response.json()["data"]
    assert [c["slug"] for c in data] == ["candles", "sprays"]
    root = data[0]
    assert set(root) == {
        "id",
        "slug",
        "name",
        "description",
        "imageUrl",
        "parentId",
        "productCount",
        "children",
    }
    assert (
        root["productCount"] == 4
    )  # A, B, C and D (in a hidden child); drafts never count
    assert root["parentId"] is None and root["imageUrl"] is None
    assert [c["slug"] for c in root["children"]] == ["soy-wax"]
    child = root["children"][0]
    assert child["parentId"] == candles.pk and child["productCount"] == 2
    assert data[1]["id"] == sprays.pk and data[1]["productCount"] == 0


def test_category_detail_by_slug_and_id(public, shop):
    category = make_category(
        shop.store,
        "Candles",
        description="All.",
        meta_title="Scented candles | Acme",
        meta_description="Hand-poured.",
    )
    make_product(shop.store, "A", categories=[category])
    for ref in ("candles", category.pk):
        response = public.get(f"/categories/{ref}")
        assert response.status_code == 200
        data = response.json()["data"]
        assert data == {
            "id": category.pk,
            "slug": "candles",
            "name": "Candles",
            "description": "All.",
            "imageUrl": None,
            "parentId": None,
            "productCount": 1,
            "metaTitle": "Scented candles | Acme",
            "metaDescription": "Hand-poured.",
        }


def test_category_image_url_is_absolute(public, shop):
    from django.core.files.base import ContentFile

    from catalog.tests.factories import png_bytes

    category = make_category(shop.store, "Candles")
    category.image.save("cat.png", ContentFile(png_bytes()))
    url = public.get("/categories/candles").json()["data"]["imageUrl"]
    assert url.startswith("http://testserver/media/categories/")


def test_unpublished_and_foreign_categories_are_404(public, shop, other_shop):
    make_category(shop.store, "Hidden", published=False)
    theirs = make_category(other_shop.store, "Theirs")
    assert public.get("/categories/hidden").status_code == 404
    assert public.get(f"/categories/{theirs.pk}").status_code == 404
    assert public.get("/categories/theirs").status_code == 404


def test_public_endpoints_need_the_key(api_client_for, shop, candle):
    client = api_client_for("public", shop.pk)
    assert client.get("/products", headers={"Authorization": None}).status_code == 401
    assert client.get("/products", key=shop.sk).status_code == 401

"""Private categories and review moderation."""

from __future__ import annotations

import pytest

from catalog.models import Category, Review
from catalog.tests.factories import make_category, make_product, make_review

pytestmark = pytest.mark.django_db


# -- categories -------------------------------------------------------------------------


def test_create_category(private, shop):
    parent = make_category(shop.store, "Candles")
    response = private.post(
        "/categories",
        {
            "name": "Soy wax",
            "parentId": parent.pk,
            "description": "Soy.",
            "metaTitle": "Soy | Acme",
            "metaDescription": "Clean.",
            "published": False,
            "sortOrder": 3,
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["id"].startswith("cat_") and data["slug"] == "soy-wax"
    assert (
        data["parentId"] == parent.pk
        and data["published"] is False
        and data["sortOrder"] == 3
    )
    assert data["metaTitle"] == "Soy | Acme" and data["productCount"] == 0
    assert set(data) == {
        "id",
        "slug",
        "name",
        "description",
        "imageUrl",
        "parentId",
        "productCount",
        "metaTitle",
        "metaDescription",
        "published",
        "sortOrder",
        "translations",
        "createdAt",
        "updatedAt",
    }


def test_category_slugs_auto_suffix_and_explicit_conflict(private):
    assert (
        private.post("/categories", {"name": "Gifts"}).json()["data"]["slug"] == "gifts"
    )
    assert (
        private.post("/categories", {"name": "Gifts"}).json()["data"]["slug"]
        == "gifts-2"
    )
    response = private.post("/categories", {"name": "Other", "slug": "gifts"})
    assert response.status_code == 422 and "slug" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "X", "slug": "Bad Slug"}, "slug"),
        ({"name": "X", "parentId": "cat_nope"}, "parentId"),
        ({"name": "X", "published": "yes"}, "published"),
        ({"name": "X", "sortOrder": "1"}, "sortOrder"),
    ],
)
def test_category_validation(private, body, field):
    response = private.post("/categories", body)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert not Category.objects.exists()


def test_parent_of_another_store_is_422(private, other_shop):
    theirs = make_category(other_shop.store, "Theirs")
    response = private.post("/categories", {"name": "Mine", "parentId": theirs.pk})
    assert (
        response.status_code == 422 and "parentId" in response.json()["error"]["fields"]
    )


def test_list_get_update_delete(private, shop):
    root = make_category(shop.store, "Candles", sort_order=0)
    child = make_category(shop.store, "Soy", parent=root, sort_order=1)
    make_product(shop.store, "A", categories=[child])
    make_product(shop.store, "B", categories=[root], status="draft")

    body = private.get("/categories", query={"perPage": 10}).json()
    assert [c["id"] for c in body["data"]] == [root.pk, child.pk]
    assert [c["productCount"] for c in body["data"]] == [
        1,
        1,
    ]  # published only, descendants included
    assert body["meta"]["total"] == 2

    assert private.get("/categories/soy").json()["data"]["id"] == child.pk
    response = private.patch(
        f"/categories/{child.pk}",
        {"name": "Soy wax", "parentId": None, "published": False},
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert (
        data["name"] == "Soy wax"
        and data["parentId"] is None
        and data["published"] is False
    )
    assert data["slug"] == "soy"  # slug changes only when sent

    assert private.delete(f"/categories/{child.pk}").status_code == 204
    assert not Category.objects.filter(pk=child.pk).exists()
    assert private.get(f"/categories/{child.pk}").status_code == 404


def test_delete_with_children_is_409(private, shop):
    root = make_category(shop.store, "Candles")
    make_category(shop.store, "Soy", parent=root)
    response = private.delete(f"/categories/{root.pk}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "category_has_children"
    assert Category.objects.filter(pk=root.pk).exists()


def test_deleting_a_category_keeps_its_products(private, shop):
    category = make_category(shop.store, "Candles")
    product = make_product(shop.store, "A", categories=[category])
    private.delete(f"/categories/{category.pk}")
    product.refresh_from_db()
    assert product.categories.count() == 0


def test_parent_cycles_are_422(private, shop):
    a = make_category(shop.store, "A")
    b = make_category(shop.store, "B", parent=a)
    c = make_category(shop.store, "C", parent=b)
    for target, parent in ((a, c.pk), (a, a.pk), (b, c.pk)):
        response = private.patch(f"/categories/{target.pk}", {"parentId": parent})
        assert response.status_code == 422
        assert "parentId" in response.json()["error"]["fields"]
    a.refresh_from_db()
    assert a.parent_id is None


def test_patch_category_slug_conflict_is_422(private, shop):
    make_category(shop.store, "A")
    b = make_category(shop.store, "B")
    response = private.patch(f"/categories/{b.pk}", {"slug": "a"})
    assert response.status_code == 422
    b.refresh_from_db()
    assert b.slug == "b"


def test_other_stores_category_is_404(private, other_shop):
    theirs = make_category(other_shop.store, "Theirs")
    assert private.get(f"/categories/{theirs.pk}").status_code == 404
    assert (
        private.patch(f"/categories/{theirs.pk}", {"name": "Mine"}).status_code == 404
    )
    assert private.delete(f"/categories/{theirs.pk}").status_code == 404
    assert private.get("/categories").json()["data"] == []
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


# -- reviews ----------------------------------------------------------------------------


def test_list_reviews_with_filters(private, shop, candle, shirt):
    pending = make_review(candle, rating=2, status=Review.Status.PENDING)
    approved = make_review(candle, rating=5)
    other = make_review(shirt, rating=4, status=Review.Status.PENDING)

    body = private.get("/reviews").json()
    assert {r["id"] for r in body["data"]} == {pending.pk, approved.pk, other.pk}
    item = next(r for r in body["data"] if r["id"] == pending.pk)
    assert item["status"] == "pending_moderation" and item["productId"] == candle.pk
    assert (
        item["authorEmail"] == pending.author_email
        and item["productName"] == candle.name
    )
    by_status = private.get("/reviews", query={"status": "pending_moderation"}).json()[
        "data"
    ]
    assert {r["id"] for r in by_status} == {pending.pk, other.pk}
    by_product = private.get(
        "/reviews", query={"productId": candle.pk, "status": "pending_moderation"}
    ).json()
    assert [r["id"] for r in by_product["data"]] == [pending.pk]
    assert private.get("/reviews", query={"status": "spam"}).status_code == 422


def test_moderate_review(private, public, candle):
    review = make_review(candle, rating=3, status=Review.Status.PENDING)
    assert public.get(f"/products/{candle.pk}").json()["data"]["reviewCount"] == 0

    response = private.patch(f"/reviews/{review.pk}", {"status": "approved"})
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "approved"
    product = public.get(f"/products/{candle.pk}").json()["data"]
    assert product["reviewCount"] == 1 and product["averageRating"] == 3.0
    assert private.get(f"/reviews/{review.pk}").json()["data"]["status"] == "approved"

    private.patch(f"/reviews/{review.pk}", {"status": "rejected"})
    assert public.get(f"/products/{candle.pk}/reviews").json()["data"] == []


@pytest.mark.parametrize(
    "body", [{}, {"status": "pending_moderation"}, {"status": "spam"}]
)
def test_moderation_validation(private, candle, body):
    review = make_review(candle, status=Review.Status.PENDING)
    response = private.patch(f"/reviews/{review.pk}", body)
    assert (
        response.status_code == 422 and "status" in response.json()["error"]["fields"]
    )
    review.refresh_from_db()
    assert review.status == "pending_moderation"


def test_other_stores_review_is_404(private, other_shop):
    theirs = make_review(
        make_product(other_shop.store, "Theirs"), status=Review.Status.PENDING
    )
    assert private.get(f"/reviews/{theirs.pk}").status_code == 404
    assert (
        private.patch(f"/reviews/{theirs.pk}", {"status": "approved"}).status_code
        == 404
    )
    assert private.get("/reviews").json()["data"] == []
    theirs.refresh_from_db()
    assert theirs.status == "pending_moderation"


def test_categories_are_a_viewset_with_the_limits_of_each_route():
    from django.urls import resolve

    from catalog.api.private import CategoryViewSet

    def limits(path):
        view = resolve("/v3/private" + path).func
        assert view.cls is CategoryViewSet
        methods = [m.upper() for m in view.actions if m != "head"]
        return {m: view.cls(**view.initkwargs).rate_limits[m] for m in methods}

    assert limits("/categories") == {"GET": "240/m", "POST": "120/m"}
    for ref in ("shoes", "cat_01J9Z3K8Q4T6V0W2X5Y7A9BCDE"):
        assert limits(f"/categories/{ref}") == {
            "GET": "240/m",
            "PATCH": "120/m",
            "DELETE": "60/m",
        }

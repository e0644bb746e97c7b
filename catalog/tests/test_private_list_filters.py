"""The private product and review lists' FilterSets (``catalog/filters.py``): filters
combine, a search ranks within the other filters' matches, and a bad value is a 422 naming
its parameter."""

from __future__ import annotations

import pytest

from catalog.models import Review
from catalog.tests.factories import make_category, make_product, make_review

pytestmark = pytest.mark.django_db


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["data"]]


def test_product_filters_combine_with_a_search_and_a_sort(private, shop):
    candles = make_category(shop.store, "Candles")
    pillars = make_category(shop.store, "Pillars", parent=candles)
    tall = make_product(
        shop.store, "Tall lavender candle", price=3000, categories=[pillars]
    )
    short = make_product(
        shop.store, "Short lavender candle", price=1000, categories=[candles]
    )
    draft = make_product(
        shop.store, "Draft lavender candle", status="draft", categories=[candles]
    )
    make_product(shop.store, "Lavender spray")  # matches the search, not the category

    # A category's products include those of the categories below it, by slug or id.
    in_candles = private.get(
        "/products", query={"category": "candles", "q": "lavender"}
    )
    assert set(_ids(in_candles)) == {tall.pk, short.pk, draft.pk}
    by_id = private.get("/products", query={"category": candles.pk, "q": "lavender"})
    assert set(_ids(by_id)) == {tall.pk, short.pk, draft.pk}
    query = {"category": "candles", "q": "lavender", "status": "published"}
    assert _ids(private.get("/products", query={**query, "sort": "-price"})) == [
        tall.pk,
        short.pk,
    ]
    assert _ids(private.get("/products", query={**query, "sort": "price"})) == [
        short.pk,
        tall.pk,
    ]
    assert _ids(private.get("/products", query={"category": "pillars"})) == [tall.pk]
    assert _ids(private.get("/products", query={"category": "nothing"})) == []


def test_empty_product_filters_are_no_filter_but_an_empty_time(private, shop):
    made = {make_product(shop.store, name).pk for name in ("One", "Two")}
    query = {"q": "", "category": "", "status": "", "sort": ""}
    assert set(_ids(private.get("/products", query=query))) == made
    # As the query serializer answered: an empty timestamp is not a timestamp.
    response = private.get("/products", query={**query, "updatedAfter": ""})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["updatedAfter"]


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"status": "gone"}, "status", '"gone" is not a valid choice.'),
        ({"sort": "stock"}, "sort", '"stock" is not a valid choice.'),
        ({"updatedAfter": "yesterday"}, "updatedAfter", "Datetime has wrong format"),
        (
            {"updatedAfter": "1969-12-31T23:00:00Z"},
            "updatedAfter",
            "Enter a date and time between 1970 and 9999.",
        ),
        (
            {"q": "x" * 201},
            "q",
            "Ensure this field has no more than 200 characters.",
        ),
        (
            {"category": "x" * 201},
            "category",
            "Ensure this field has no more than 200 characters.",
        ),
    ],
)
def test_bad_product_filters_are_422_naming_the_parameter(
    private, query, field, message
):
    response = private.get("/products", query=query)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert list(fields) == [field]
    assert fields[field][0].startswith(message)


def test_review_filters_and_routes(private, shop, candle, shirt):
    pending = make_review(candle, status=Review.Status.PENDING)
    make_review(shirt, status=Review.Status.PENDING)
    assert _ids(
        private.get("/reviews", query={"productId": candle.pk, "status": ""})
    ) == [pending.pk]
    response = private.get("/reviews", query={"productId": "x" * 41})
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["productId"]
    # Reviews are posted on the public API and never deleted by a key: no such routes.
    assert private.post("/reviews", {"rating": 5, "body": "x"}).status_code == 405
    assert private.delete(f"/reviews/{pending.pk}").status_code == 405
    assert Review.objects.filter(pk=pending.pk).exists()

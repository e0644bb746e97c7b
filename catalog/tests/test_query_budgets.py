"""The product endpoints use a constant number of queries, whatever the number of products,
variants, media and categories."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.tests.factories import bulk_catalogue

pytestmark = pytest.mark.django_db

#: Private surface (``PrivateProductSerializer`` over prefetches): key lookup, page count,
#: products (review aggregates annotated), then one prefetch each for variants, their option
#: values, options, option values, media and categories.
LIST_BUDGET = 9
#: the same without the count.
DETAIL_BUDGET = 8
#: Public surface (``catalog.flat`` over ``selectors.products_read_load``): key lookup, the
#: page with its total counted in the same query, variants with their option-value links,
#: options with their values, media and categories together.
PUBLIC_LIST_BUDGET = 5
#: the same (one product, no total).
PUBLIC_DETAIL_BUDGET = 5
#: a public catalogue page already built at this catalogue version: the key lookup only.
WARM_BUDGET = 1


def _count(client, path, **kwargs) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **kwargs)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()


@pytest.mark.parametrize("per_page", [5, 100])
@pytest.mark.parametrize("surface", ["public", "private"])
def test_list_query_count_is_constant(
    request, shop, surface, per_page, django_assert_max_num_queries
):
    client = request.getfixturevalue(surface)
    budget = PUBLIC_LIST_BUDGET if surface == "public" else LIST_BUDGET
    bulk_catalogue(shop.store, 1, variants_each=4, media_each=3, categories_each=3)
    with django_assert_max_num_queries(budget):
        small, body = _count(client, "/products", query={"perPage": per_page})
    assert len(body["data"]) == 1

    bulk_catalogue(shop.store, 99, variants_each=4, media_each=3, categories_each=3)
    with django_assert_max_num_queries(budget):
        large, body = _count(client, "/products", query={"perPage": per_page})
    assert len(body["data"]) == per_page
    assert all(
        len(p["variants"]) == 4 and len(p["media"]) == 3 and len(p["categories"]) == 3
        for p in body["data"]
    )
    assert all(
        p["reviewCount"] == 1 and p["averageRating"] == 4.0 for p in body["data"]
    )
    assert large == small
    if surface == "public":  # the same page again: from the shared cache
        with django_assert_max_num_queries(WARM_BUDGET):
            _count(client, "/products", query={"perPage": per_page})


@pytest.mark.parametrize("surface", ["public", "private"])
def test_list_with_filters_query_count_is_constant(request, shop, surface):
    client = request.getfixturevalue(surface)
    bulk_catalogue(shop.store, 1, categories_each=1)
    query = {"perPage": 100, "q": "bulk", "sort": "-price"}
    small, _ = _count(client, "/products", query=query)
    bulk_catalogue(shop.store, 99, categories_each=1)
    large, body = _count(client, "/products", query=query)
    assert len(body["data"]) == 100
    assert large == small


@pytest.mark.parametrize("surface", ["public", "private"])
def test_detail_query_count_is_constant(
    request, shop, surface, django_assert_max_num_queries
):
    client = request.getfixturevalue(surface)
    budget = PUBLIC_DETAIL_BUDGET if surface == "public" else DETAIL_BUDGET
    [few] = bulk_catalogue(
        shop.store, 1, variants_each=1, media_each=1, categories_each=1
    )
    [many] = bulk_catalogue(
        shop.store, 1, variants_each=100, media_each=100, categories_each=100
    )
    with django_assert_max_num_queries(budget):
        small, _ = _count(client, f"/products/{few.pk}")
    with django_assert_max_num_queries(budget):
        large, body = _count(client, f"/products/{many.slug}")
    assert len(body["data"]["variants"]) == 100
    assert len(body["data"]["media"]) == 100 and len(body["data"]["categories"]) == 100
    assert large == small


def test_category_tree_query_count_is_constant(public, shop):
    from catalog.tests.factories import make_category

    root = make_category(shop.store, "Root")
    small, _ = _count(public, "/categories")
    parent = root
    for i in range(20):
        parent = make_category(shop.store, f"Level {i}", parent=parent)
    bulk_catalogue(shop.store, 30, categories_each=5)
    large, body = _count(public, "/categories")
    assert len(body["data"]) == 6
    assert large == small

"""The OpenAPI schema documents every catalog endpoint as it answers."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


PUBLIC = "/v3/public/{publishable_key}"


@pytest.mark.parametrize(
    "path,method,operation",
    [
        (f"{PUBLIC}/products", "get", "public_products_list"),
        (f"{PUBLIC}/products/{{product}}", "get", "public_product_get"),
        (
            f"{PUBLIC}/products/{{product}}/reviews",
            "get",
            "public_product_reviews_list",
        ),
        (
            f"{PUBLIC}/products/{{product}}/reviews",
            "post",
            "public_product_review_create",
        ),
        (f"{PUBLIC}/categories", "get", "public_categories_list"),
        (f"{PUBLIC}/categories/{{category}}", "get", "public_category_get"),
        (f"{PUBLIC}/feeds/{{platform}}.xml", "get", "public_feed_get"),
        ("/v3/private/products", "get", "products_list"),
        ("/v3/private/products", "post", "product_create"),
        ("/v3/private/products/{product}", "patch", "product_update"),
        ("/v3/private/products/{product}", "delete", "product_archive"),
        (
            "/v3/private/products/{product}/inventory",
            "patch",
            "product_inventory_update",
        ),
        ("/v3/private/categories/{category}", "delete", "category_delete"),
        ("/v3/private/reviews", "get", "reviews_list"),
        ("/v3/private/reviews/{review}", "patch", "review_moderate"),
    ],
)
def test_operations_documented(schema, path, method, operation):
    assert schema["paths"][path][method]["operationId"] == operation


def test_conflicts_and_xml_documented(schema):
    assert (
        "409"
        in schema["paths"]["/v3/private/products/{product}/inventory"]["patch"][
            "responses"
        ]
    )
    assert (
        "409"
        in schema["paths"]["/v3/private/categories/{category}"]["delete"]["responses"]
    )
    feed = schema["paths"][f"{PUBLIC}/feeds/{{platform}}.xml"]["get"]["responses"]
    assert "application/xml" in feed["200"]["content"]
    assert "404" in feed
    product = schema["components"]["schemas"]["Product"]["properties"]
    assert product["price"]["allOf"] == [{"$ref": "#/components/schemas/ProductPrice"}]
    assert product["averageRating"]["type"] == ["number", "null"]  # OpenAPI 3.1
    assert "defaultVariantId" in product and "quickAddEligible" in product
    node = schema["components"]["schemas"]["CategoryNode"]["properties"]
    assert node["children"]["items"] == {"$ref": "#/components/schemas/CategoryNode"}

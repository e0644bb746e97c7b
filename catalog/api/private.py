"""Private catalog endpoints: products, inventory, categories and review moderation."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PrivateApi

from .. import selectors, services
from ..serializers import (
    CategoryInputSerializer,
    InventoryInputSerializer,
    InventoryResultSerializer,
    PrivateCategorySerializer,
    PrivateProductListQuerySerializer,
    PrivateProductSerializer,
    PrivateReviewSerializer,
    ProductInputSerializer,
    ReviewListQuerySerializer,
    ReviewModerateSerializer,
)

PRODUCT_LIST_PARAMS = [
    OpenApiParameter(
        "status", OpenApiTypes.STR, enum=["draft", "published", "archived"]
    ),
    OpenApiParameter("q", OpenApiTypes.STR, description="Free-text search."),
    OpenApiParameter(
        "updatedAfter",
        OpenApiTypes.DATETIME,
        description="Products changed (or whose stock changed) at or after this time.",
    ),
    OpenApiParameter("category", OpenApiTypes.STR, description="Category slug or id."),
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        enum=[
            "name",
            "-name",
            "price",
            "-price",
            "createdAt",
            "-createdAt",
            "updatedAt",
            "-updatedAt",
        ],
    ),
    *page_params(),
]


class _ProductOutput:
    def product_response(self, product_id: str, *, status: int = http.HTTP_200_OK):
        product = selectors.product_get(
            store=self.store, ref=product_id, published_only=False, mode=self.mode
        )
        return self.respond(
            self.serialize(PrivateProductSerializer, product), status=status
        )

    @property
    def actor(self) -> str:
        return f"api:{self.request.auth.display_prefix}"


class ProductsApi(_ProductOutput, PrivateApi):
    rate_limits = {"GET": "240/m", "POST": "120/m"}

    @extend_schema(
        operation_id="products_list",
        summary="List products",
        parameters=PRODUCT_LIST_PARAMS,
        responses=page_envelope(PrivateProductSerializer),
    )
    def get(self, request, **kwargs):
        query = self.validate_query(PrivateProductListQuerySerializer)
        queryset = selectors.product_list(
            store=self.store,
            filters=selectors.ProductFilters(**query),
            published_only=False,
            mode=self.mode,
        )
        return self.respond_page(queryset, PrivateProductSerializer)

    @extend_schema(
        operation_id="product_create",
        summary="Create a product",
        request=ProductInputSerializer,
        responses={201: envelope(PrivateProductSerializer)},
    )
    def post(self, request, **kwargs):
        data = self.validate(ProductInputSerializer)
        product = services.product_create(
            store=self.store, data=data, mode=self.mode, actor=self.actor
        )
        return self.product_response(product.pk, status=http.HTTP_201_CREATED)


class ProductApi(_ProductOutput, PrivateApi):
    rate_limits = {"GET": "240/m", "PATCH": "120/m", "DELETE": "60/m"}

    @extend_schema(
        operation_id="product_get",
        summary="Get a product",
        responses=envelope(PrivateProductSerializer),
    )
    def get(self, request, product, **kwargs):
        found = selectors.product_get(
            store=self.store, ref=product, published_only=False, mode=self.mode
        )
        return self.respond(self.serialize(PrivateProductSerializer, found))

    @extend_schema(
        operation_id="product_update",
        summary="Update a product",
        request=ProductInputSerializer(partial=True),
        responses=envelope(PrivateProductSerializer),
    )
    def patch(self, request, product, **kwargs):
        found = selectors.product_lookup(store=self.store, ref=product)
        data = self.validate(ProductInputSerializer, partial=True)
        services.product_update(
            product=found, data=data, mode=self.mode, actor=self.actor
        )
        return self.product_response(found.pk)

    @extend_schema(
        operation_id="product_archive",
        summary="Archive a product",
        responses={204: None},
    )
    def delete(self, request, product, **kwargs):
        found = selectors.product_lookup(store=self.store, ref=product)
        services.product_archive(product=found, mode=self.mode)
        return self.no_content()


class ProductInventoryApi(_ProductOutput, PrivateApi):
    rate_limits = {"PATCH": "240/m"}
    error_statuses = (409,)

    @extend_schema(
        operation_id="product_inventory_update",
        summary="Adjust inventory",
        request=InventoryInputSerializer,
        responses=envelope(InventoryResultSerializer),
    )
    def patch(self, request, product, **kwargs):
        found = selectors.product_lookup(store=self.store, ref=product)
        data = self.validate(InventoryInputSerializer)
        result = services.product_inventory_adjust(
            product=found,
            variant_id=data.get("variant_id"),
            operation=data["operation"],
            quantity=data["quantity"],
            reason=data.get("reason", ""),
            mode=self.mode,
            actor=self.actor,
        )
        return self.respond(self.serialize(InventoryResultSerializer, result))


class CategoriesApi(PrivateApi):
    rate_limits = {"GET": "240/m", "POST": "120/m"}

    @extend_schema(
        operation_id="categories_list",
        summary="List categories",
        parameters=page_params(),
        responses=page_envelope(PrivateCategorySerializer),
    )
    def get(self, request, **kwargs):
        return self.respond_page(
            selectors.category_list(store=self.store),
            PrivateCategorySerializer,
            prepare=lambda items: selectors.category_counts_attach(
                store=self.store, categories=items
            ),
        )

    @extend_schema(
        operation_id="category_create",
        summary="Create a category",
        request=CategoryInputSerializer,
        responses={201: envelope(PrivateCategorySerializer)},
    )
    def post(self, request, **kwargs):
        data = self.validate(CategoryInputSerializer)
        category = services.category_create(store=self.store, data=data)
        found = selectors.category_get(
            store=self.store, ref=category.pk, published_only=False
        )
        return self.respond(
            self.serialize(PrivateCategorySerializer, found),
            status=http.HTTP_201_CREATED,
        )


class CategoryApi(PrivateApi):
    rate_limits = {"GET": "240/m", "PATCH": "120/m", "DELETE": "60/m"}
    error_statuses = (409,)

    @extend_schema(
        operation_id="category_get",
        summary="Get a category",
        responses=envelope(PrivateCategorySerializer),
    )
    def get(self, request, category, **kwargs):
        found = selectors.category_get(
            store=self.store, ref=category, published_only=False
        )
        return self.respond(self.serialize(PrivateCategorySerializer, found))

    @extend_schema(
        operation_id="category_update",
        summary="Update a category",
        request=CategoryInputSerializer(partial=True),
        responses=envelope(PrivateCategorySerializer),
    )
    def patch(self, request, category, **kwargs):
        found = selectors.category_lookup(store=self.store, ref=category)
        data = self.validate(CategoryInputSerializer, partial=True)
        services.category_update(category=found, data=data)
        fresh = selectors.category_get(
            store=self.store, ref=found.pk, published_only=False
        )
        return self.respond(self.serialize(PrivateCategorySerializer, fresh))

    @extend_schema(
        operation_id="category_delete",
        summary="Delete a category",
        responses={204: None},
    )
    def delete(self, request, category, **kwargs):
        found = selectors.category_lookup(store=self.store, ref=category)
        services.category_delete(category=found)
        return self.no_content()


class ReviewsApi(PrivateApi):
    rate_limits = {"GET": "240/m"}

    @extend_schema(
        operation_id="reviews_list",
        summary="List reviews",
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=["pending_moderation", "approved", "rejected"],
            ),
            OpenApiParameter("productId", OpenApiTypes.STR),
            *page_params(),
        ],
        responses=page_envelope(PrivateReviewSerializer),
    )
    def get(self, request, **kwargs):
        query = self.validate_query(ReviewListQuerySerializer)
        return self.respond_page(
            selectors.review_list(store=self.store, mode=self.mode, **query),
            PrivateReviewSerializer,
        )


class ReviewApi(PrivateApi):
    rate_limits = {"GET": "240/m", "PATCH": "120/m"}

    @extend_schema(
        operation_id="review_get",
        summary="Get a review",
        responses=envelope(PrivateReviewSerializer),
    )
    def get(self, request, review, **kwargs):
        found = selectors.review_get(store=self.store, mode=self.mode, review_id=review)
        return self.respond(self.serialize(PrivateReviewSerializer, found))

    @extend_schema(
        operation_id="review_moderate",
        summary="Moderate a review",
        request=ReviewModerateSerializer,
        responses=envelope(PrivateReviewSerializer),
    )
    def patch(self, request, review, **kwargs):
        found = selectors.review_get(store=self.store, mode=self.mode, review_id=review)
        data = self.validate(ReviewModerateSerializer)
        moderated = services.review_moderate(review=found, status=data["status"])
        return self.respond(self.serialize(PrivateReviewSerializer, moderated))

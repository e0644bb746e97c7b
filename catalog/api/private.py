"""Private catalog endpoints: products, inventory, categories and review moderation.

Categories are a :class:`core.api.viewsets.PrivateViewSet` on the router in ``catalog/urls.py``.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PrivateApi
from core.api.viewsets import PrivateViewSet, resource_schema

from .. import selectors, services
from ..models import Category
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


@resource_schema(
    "category",
    "categories",
    "category",
    plural_noun="categories",
)
class CategoryViewSet(PrivateViewSet):
    # Categories (product counts per page); deleting one with children is a 409.

    queryset = Category.objects.none()
    output_serializer = PrivateCategorySerializer
    input_serializer = CategoryInputSerializer
    lookup_url_kwarg = "category"
    lookup_value_converter = "category_ref"  # an id or a slug
    action_error_statuses = {
        "retrieve": (409,),
        "partial_update": (409,),
        "destroy": (409,),
    }

    def get_queryset(self):
        return selectors.category_list(store=self.store)

    def prepare_page(self, items):
        selectors.category_counts_attach(store=self.store, categories=items)

    def get_object(self):
        return selectors.category_get(
            store=self.store, ref=self.lookup, published_only=False
        )

    def get_object_for_write(self):
        return selectors.category_lookup(store=self.store, ref=self.lookup)

    def present(self, instance):
        return selectors.category_get(
            store=self.store, ref=instance.pk, published_only=False
        )

    def perform_create(self, data):
        return services.category_create(store=self.store, data=data)

    def perform_update(self, instance, data):
        services.category_update(category=instance, data=data)
        return instance

    def perform_destroy(self, instance):
        services.category_delete(category=instance)


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

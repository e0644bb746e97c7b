"""Private catalog endpoints: products, inventory, categories and review moderation.

Products, categories and reviews are viewsets (``core/api/viewsets.py``) on the router in
``catalog/urls.py``, their list filters the FilterSets of ``catalog/filters.py``; a product's
inventory is an explicit view.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view

from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PrivateApi
from core.api.viewsets import (
    ListMixin,
    PrivateGenericViewSet,
    PrivateViewSet,
    RetrieveMixin,
    UpdateMixin,
    resource_schema,
)

from .. import selectors, services
from ..filters import ProductFilter, ReviewFilter
from ..models import Category, Product, Review
from ..serializers import (
    CategoryInputSerializer,
    InventoryInputSerializer,
    InventoryResultSerializer,
    PrivateCategorySerializer,
    PrivateProductSerializer,
    PrivateReviewSerializer,
    ProductInputSerializer,
    ReviewModerateSerializer,
)


class _KeyActor:
    # Who the product's timeline names: the calling key.
    @property
    def actor(self) -> str:
        return f"api:{self.request.auth.display_prefix}"


@resource_schema(
    "product",
    "products",
    "product",
    destroy={"operation_id": "product_archive", "summary": "Archive a product"},
)
class ProductViewSet(_KeyActor, PrivateViewSet):
    # Products in every status (filters: ``catalog/filters.py``); DELETE archives.

    queryset = Product.objects.none()
    filterset_class = ProductFilter
    output_serializer = PrivateProductSerializer
    input_serializer = ProductInputSerializer
    lookup_url_kwarg = "product"
    lookup_value_converter = "product_ref"  # an id or a slug

    def get_queryset(self):
        return selectors.product_list(
            store=self.store,
            filters=selectors.ProductFilters(),
            published_only=False,
            mode=self.mode,
        )

    def get_object(self):
        return selectors.product_get(
            store=self.store, ref=self.lookup, published_only=False, mode=self.mode
        )

    def get_object_for_write(self):
        return selectors.product_lookup(store=self.store, ref=self.lookup)

    def present(self, instance):
        return selectors.product_get(
            store=self.store, ref=instance.pk, published_only=False, mode=self.mode
        )

    def perform_create(self, data):
        return services.product_create(
            store=self.store, data=data, mode=self.mode, actor=self.actor
        )

    def perform_update(self, instance, data):
        services.product_update(
            product=instance, data=data, mode=self.mode, actor=self.actor
        )
        return instance

    def perform_destroy(self, instance):
        services.product_archive(product=instance, mode=self.mode)


class ProductInventoryApi(_KeyActor, PrivateApi):
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


@extend_schema_view(
    list=extend_schema(
        operation_id="reviews_list",
        summary="List reviews",
        parameters=page_params(),
        responses=page_envelope(PrivateReviewSerializer),
    ),
    retrieve=extend_schema(
        operation_id="review_get",
        summary="Get a review",
        responses=envelope(PrivateReviewSerializer),
    ),
    partial_update=extend_schema(
        operation_id="review_moderate",
        summary="Moderate a review",
        request=ReviewModerateSerializer,
        responses=envelope(PrivateReviewSerializer),
    ),
)
class ReviewViewSet(ListMixin, RetrieveMixin, UpdateMixin, PrivateGenericViewSet):
    # Reviews posted with keys of the key's mode: listed, read and moderated (a PATCH
    # names the new status: the body is validated whole).

    queryset = Review.objects.none()
    filterset_class = ReviewFilter
    output_serializer = PrivateReviewSerializer
    input_serializer = ReviewModerateSerializer
    partial_body = False
    lookup_url_kwarg = "review"
    lookup_value_converter = "prev_id"
    list_rate_limits = {"GET": "240/m"}
    detail_rate_limits = {"GET": "240/m", "PATCH": "120/m"}

    def get_queryset(self):
        return selectors.review_list(store=self.store, mode=self.mode)

    def get_object(self):
        return selectors.review_get(
            store=self.store, mode=self.mode, review_id=self.lookup
        )

    def perform_update(self, instance, data):
        return services.review_moderate(review=instance, status=data["status"])

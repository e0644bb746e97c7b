"""Public catalog endpoints: products, reviews, categories and ad feeds."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http

from core.api.authentication import PathPublishableKeyAuthentication
from core.api.schema import envelope, page_envelope, page_params
from core.api.views import PublicApi
from core.db import use_replica
from core.exceptions import Forbidden, NotFound
from core.links import request_base_url
from core.storefront import storefront_url

from .. import selectors, services
from ..feeds import PLATFORMS, FeedContext, feed_render
from ..filters import PublicProductFilter
from ..flat import products_out
from ..models import Product
from ..serializers import (
    CategoryNodeSerializer,
    CategorySerializer,
    ProductSerializer,
    PublicReviewSerializer,
    ReviewCreatedSerializer,
    ReviewInputSerializer,
    ReviewPageMetaSerializer,
)


def _products_out(products, context) -> list[dict]:
    """The flat read path of public products (``ProductSerializer``'s shape)."""
    return products_out(selectors.products_read_load(products), context)


class ProductListApi(PublicApi):
    cached_read = True
    rate_limits = {"GET": "120/m"}

    queryset = Product.objects.none()
    filterset_class = PublicProductFilter

    @extend_schema(
        operation_id="public_products_list",
        summary="List products",
        parameters=page_params(),
        responses=page_envelope(ProductSerializer),
    )
    @use_replica
    def get(self, request, **kwargs):
        queryset = self.filter_queryset(
            selectors.product_list(
                store=self.store,
                filters=selectors.ProductFilters(),
                published_only=True,
                mode=self.mode,
                relations=False,
            )
        )
        return self.respond_page(
            queryset, ProductSerializer, output=_products_out, total_inline=True
        )


class ProductDetailApi(PublicApi):
    cached_read = True
    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="public_product_get",
        summary="Get a product",
        responses=envelope(ProductSerializer),
    )
    @use_replica
    def get(self, request, product, **kwargs):
        found = selectors.product_get(
            store=self.store,
            ref=product,
            published_only=True,
            mode=self.mode,
            relations=False,
        )
        [data] = _products_out([found], self.get_serializer_context())
        return self.respond(data)


class ProductReviewsApi(PublicApi):
    cached_read = True
    rate_limits = {"GET": "120/m", "POST": "5/m"}
    uses_cart_token = True
    cart_token_required = False
    error_statuses = (403, 409)

    @extend_schema(
        operation_id="public_product_reviews_list",
        summary="List a product's reviews",
        parameters=page_params(),
        responses=page_envelope(
            PublicReviewSerializer, meta_serializer=ReviewPageMetaSerializer
        ),
    )
    @use_replica
    def get(self, request, product, **kwargs):
        found = selectors.product_lookup(
            store=self.store, ref=product, published_only=True
        )
        return self.respond_page(
            selectors.review_list_approved(product=found, mode=self.mode),
            PublicReviewSerializer,
            extra_meta=selectors.review_stats(product=found, mode=self.mode),
        )

    @extend_schema(
        operation_id="public_product_review_create",
        summary="Submit a review",
        request=ReviewInputSerializer,
        responses={201: envelope(ReviewCreatedSerializer)},
    )
    def post(self, request, product, **kwargs):
        if not self.store.feature("reviews"):
            raise Forbidden(
                "Reviews are turned off for this store.", code="reviews_disabled"
            )
        found = selectors.product_lookup(
            store=self.store, ref=product, published_only=True
        )
        data = self.validate(ReviewInputSerializer)
        # Only a proven email signs the review with the customer's name and purchases.
        customer = self.visitor.verified_customer
        review = services.review_create(
            product=found, customer=customer, mode=self.mode, **data
        )
        return self.respond(
            self.serialize(ReviewCreatedSerializer, review),
            status=http.HTTP_201_CREATED,
        )


class CategoryTreeApi(PublicApi):
    cached_read = True
    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="public_categories_list",
        summary="List categories",
        responses=envelope(CategoryNodeSerializer, many=True),
    )
    @use_replica
    def get(self, request, **kwargs):
        roots = selectors.category_tree(store=self.store, published_only=True)
        return self.respond(self.serialize(CategoryNodeSerializer, roots, many=True))


class CategoryDetailApi(PublicApi):
    cached_read = True
    rate_limits = {"GET": "120/m"}

    @extend_schema(
        operation_id="public_category_get",
        summary="Get a category",
        responses=envelope(CategorySerializer),
    )
    @use_replica
    def get(self, request, category, **kwargs):
        found = selectors.category_get(
            store=self.store, ref=category, published_only=True
        )
        return self.respond(self.serialize(CategorySerializer, found))


class FeedApi(PublicApi):
    """An XML document, not JSON; fetched by ad platforms with the key in the URL only."""

    rate_limits = {"GET": "30/m"}
    authentication_classes = (PathPublishableKeyAuthentication,)

    def perform_content_negotiation(self, request, force=False):
        # Feed readers send Accept: application/xml; errors still answer in the JSON envelope.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="public_feed_get",
        summary="Download a product feed",
        # The Authorization header is optional here: the key in the path suffices.
        auth=[{}, {"publishableKey": []}],
        parameters=[
            OpenApiParameter(
                "platform",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=sorted(PLATFORMS),
            )
        ],
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.STR, description="RSS 2.0 with the g: namespace."
            )
        },
    )
    def get(self, request, platform, **kwargs):
        if platform not in PLATFORMS:
            raise NotFound(
                f"Unknown feed platform. Use one of: {', '.join(sorted(PLATFORMS))}."
            )
        store = self.store
        storefront = storefront_url(
            store=store, mode=self.mode, base_url=request_base_url(request)
        ).rstrip("/")

        def media_url(name: str) -> str:
            return request.build_absolute_uri(default_storage.url(name))

        ctx = FeedContext(
            store=store,
            platform=platform,
            product_url=lambda product: f"{storefront}/products/{product.slug}",
            media_url=media_url,
            channel_link=storefront,
        )
        response = StreamingHttpResponse(
            feed_render(ctx, selectors.product_feed_iterator(store=store)),
            content_type="application/xml; charset=utf-8",
        )
        response["Cache-Control"] = "public, max-age=900"
        return response

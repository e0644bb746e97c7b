from django.urls import path

from core.api.viewsets import ApiRouter

from .api import private, public

public_urlpatterns = [
    path("products", public.ProductListApi.as_view(), name="products"),
    path(
        "products/<product_ref:product>/reviews",
        public.ProductReviewsApi.as_view(),
        name="product-reviews",
    ),
    path(
        "products/<product_ref:product>",
        public.ProductDetailApi.as_view(),
        name="product",
    ),
    path("categories", public.CategoryTreeApi.as_view(), name="categories"),
    path(
        "categories/<category_ref:category>",
        public.CategoryDetailApi.as_view(),
        name="category",
    ),
    path("feeds/<str:platform>.xml", public.FeedApi.as_view(), name="feed"),
]

router = ApiRouter()
router.register("products", private.ProductViewSet, basename="product")
router.register("categories", private.CategoryViewSet, basename="category")
router.register("reviews", private.ReviewViewSet, basename="review")

private_urlpatterns = [
    path(
        "products/<product_ref:product>/inventory",
        private.ProductInventoryApi.as_view(),
        name="product-inventory",
    ),
    *router.urls,
]

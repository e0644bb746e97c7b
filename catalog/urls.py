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
router.register("categories", private.CategoryViewSet, basename="category")

private_urlpatterns = [
    path("products", private.ProductsApi.as_view(), name="products"),
    path(
        "products/<product_ref:product>/inventory",
        private.ProductInventoryApi.as_view(),
        name="product-inventory",
    ),
    path(
        "products/<product_ref:product>", private.ProductApi.as_view(), name="product"
    ),
    path("reviews", private.ReviewsApi.as_view(), name="reviews"),
    path("reviews/<prev_id:review>", private.ReviewApi.as_view(), name="review"),
    *router.urls,
]

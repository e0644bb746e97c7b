from django.urls import path

from .api import private, public

public_urlpatterns = [
    path("products", public.ProductListApi.as_view(), name="products"),
    path(
        "products/<str:product>/reviews",
        public.ProductReviewsApi.as_view(),
        name="product-reviews",
    ),
    path("products/<str:product>", public.ProductDetailApi.as_view(), name="product"),
    path("categories", public.CategoryTreeApi.as_view(), name="categories"),
    path(
        "categories/<str:category>", public.CategoryDetailApi.as_view(), name="category"
    ),
    path("feeds/<str:platform>.xml", public.FeedApi.as_view(), name="feed"),
]

private_urlpatterns = [
    path("products", private.ProductsApi.as_view(), name="products"),
    path(
        "products/<str:product>/inventory",
        private.ProductInventoryApi.as_view(),
        name="product-inventory",
    ),
    path("products/<str:product>", private.ProductApi.as_view(), name="product"),
    path("categories", private.CategoriesApi.as_view(), name="categories"),
    path("categories/<str:category>", private.CategoryApi.as_view(), name="category"),
    path("reviews", private.ReviewsApi.as_view(), name="reviews"),
    path("reviews/<str:review>", private.ReviewApi.as_view(), name="review"),
]

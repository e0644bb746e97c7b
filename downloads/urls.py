from django.urls import path

from .api import private
from .views import site_urlpatterns

public_urlpatterns = []

private_urlpatterns = [
    path(
        "products/<product_ref:product>/files",
        private.ProductFilesApi.as_view(),
        name="product-files",
    ),
    path(
        "products/<product_ref:product>/files/<dfile_id:file>",
        private.ProductFileApi.as_view(),
        name="product-file",
    ),
    path(
        "orders/<ord_id:order>/downloads",
        private.OrderDownloadsApi.as_view(),
        name="order-downloads",
    ),
    path(
        "orders/<ord_id:order>/downloads/reset",
        private.OrderDownloadsResetApi.as_view(),
        name="order-downloads-reset",
    ),
]

__all__ = ["private_urlpatterns", "public_urlpatterns", "site_urlpatterns"]

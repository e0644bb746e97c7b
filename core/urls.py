from django.urls import path

from . import pages, storage, storefront
from .api.private import HealthApi, StoreApi
from .api.public import StoreMetadataApi

public_urlpatterns = [
    path("", StoreMetadataApi.as_view(), name="store-metadata-slash"),
]

private_urlpatterns = [
    path("store", StoreApi.as_view(), name="store"),
    path("health", HealthApi.as_view(), name="health"),
]

# Pages outside /v3: the landing page, the storefront page, private downloads (and /healthz,
# answered by core.health.LivenessMiddleware).
site_urlpatterns = [
    *pages.site_urlpatterns,
    *storefront.site_urlpatterns,
    *storage.site_urlpatterns,
]

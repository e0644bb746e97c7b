from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

import carts.urls
import catalog.urls
import conversations.urls
import core.urls
import customers.urls
import downloads.urls
import orders.urls
import subscriptions.urls
import transfers.urls
import webhooks.urls
from core.api.public import StoreMetadataApi

_apps = (
    core.urls,
    catalog.urls,
    carts.urls,
    orders.urls,
    downloads.urls,
    customers.urls,
    conversations.urls,
    webhooks.urls,
    subscriptions.urls,
    transfers.urls,
)
public_urlpatterns = [p for app in _apps for p in app.public_urlpatterns]
private_urlpatterns = [p for app in _apps for p in app.private_urlpatterns]

urlpatterns = [
    path(
        "v3/public/<str:publishable_key>",
        StoreMetadataApi.as_view(),
        name="store-metadata",
    ),
    path("v3/public/<str:publishable_key>/", include((public_urlpatterns, "public"))),
    path("v3/private/", include((private_urlpatterns, "private"))),
    path(
        "v3/private/stores/<str_id:store_id>/",
        include((private_urlpatterns, "private"), namespace="private-store"),
    ),
    path("v3/schema", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI and ReDoc, with and without the trailing slash (APPEND_SLASH is off).
    path("v3/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("v3/docs/", SpectacularSwaggerView.as_view(url_name="schema")),
    path(
        "v3/redoc",
        SpectacularRedocView.as_view(
            url_name="schema", template_name="docs/redoc.html"
        ),
        name="redoc",
    ),
    path(
        "v3/redoc/",
        SpectacularRedocView.as_view(
            url_name="schema", template_name="docs/redoc.html"
        ),
    ),
    path("admin/", admin.site.urls),
    # Pages outside /v3 (e.g. the Stripe webhook, the test-mode 3-D Secure page).
    *[p for app in _apps for p in getattr(app, "site_urlpatterns", [])],
]

if settings.SERVE_MEDIA:
    urlpatterns.append(
        path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    )

admin.site.site_header = "Shoprocket dashboard"
admin.site.site_title = "Shoprocket"
admin.site.index_title = "Your stores"

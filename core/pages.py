"""The installation's landing page at ``/`` (where the dashboard's "View site" goes).

It links to the dashboard, the API docs and, for each store, its storefront pages. Stores
are listed to signed-in merchants (their own stores; superusers see all) and, with ``DEBUG``
on (``make run``), to anyone: a production installation does not publish its list of stores.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.views.decorators.http import require_safe

from .models import ApiKey, Mode, Store
from .selectors import stores_for_user


def _storefront_links(store: Store) -> list[dict]:
    """The storefront page of the newest active publishable key of each mode (the keys are
    prefetched newest first, see ``home``)."""
    links = []
    for mode, label in ((Mode.TEST, "test mode"), (Mode.LIVE, "live")):
        key = next((k for k in store.active_publishable if k.mode == mode), None)
        if key:
            url = reverse(
                "storefront-page", kwargs={"publishable_key": key.publishable_key}
            )
            links.append({"label": label, "url": url})
    return links


@require_safe
def home(request):
    """Links to what this server offers; relative, so they work on any host and port."""
    if request.user.is_authenticated:
        stores = stores_for_user(user=request.user)
    elif settings.DEBUG:
        stores = Store.objects.all()
    else:
        stores = Store.objects.none()
    keys = ApiKey.objects.filter(
        kind=ApiKey.Kind.PUBLISHABLE, revoked_at__isnull=True
    ).order_by("-created_at")
    stores = stores.order_by("created_at").prefetch_related(
        Prefetch("api_keys", queryset=keys, to_attr="active_publishable")
    )[:50]
    context = {
        "stores": [
            {"name": store.name, "links": _storefront_links(store)} for store in stores
        ],
        "dashboard_url": reverse("admin:index"),
        "docs_url": reverse("docs"),
        "redoc_url": reverse("redoc"),
        "schema_url": reverse("schema"),
    }
    response = render(request, "site/home.html", context)
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def favicon(request):
    """Browsers ask every site for /favicon.ico; the icon lives with the static files."""
    response = HttpResponseRedirect(static("favicon.ico"))
    response["Cache-Control"] = "max-age=86400"
    return response


site_urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
]

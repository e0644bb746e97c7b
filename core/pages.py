"""The installation's landing page at ``/`` (where the dashboard's "View site" goes).

It links to the dashboard, the API docs and, for each store, its storefront pages. Stores
are listed to signed-in merchants (their own stores; superusers see all) and, with ``DEBUG``
on (``make run``), to anyone: a production installation does not publish its list of stores.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.views.decorators.http import require_safe

from .models import Mode, Store
from .selectors import stores_for_user
from .storefront import publishable_key_for_mode


def _storefront_links(store: Store) -> list[dict]:
    links = []
    for mode, label in ((Mode.TEST, "test mode"), (Mode.LIVE, "live")):
        key = publishable_key_for_mode(store=store, mode=mode)
        if key:
            url = reverse("storefront-page", kwargs={"publishable_key": key})
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
    context = {
        "stores": [
            {"name": store.name, "links": _storefront_links(store)}
            for store in stores.order_by("created_at")[:50]
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

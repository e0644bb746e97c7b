"""The storefront page: the drop-in widget on a plain page, for one publishable key.

``/storefront/<publishable_key>/`` serves ``templates/storefront/index.html``, which loads
``static/storefront/shoprocket.js``; the widget then talks only to the public API. The page is
also where links to the shop (login links, seller replies) point when neither the store's
``storefront_url`` nor the ``STOREFRONT_URL`` setting says otherwise. The widget is told to
call the API at the page's own origin (``PUBLIC_BASE_URL`` when set), and the page's
Content-Security-Policy allows exactly that origin.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from .links import request_base_url, server_base_url
from .models import ApiKey, Mode, Store
from .money import locale_from_accept_language
from .selectors import api_key_get_active
from .storage import public_media_base

#: Directives of the page's Content-Security-Policy; ``{api}`` is the API's origin,
#: ``{media}`` the origin of public media.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'{stripe}; style-src 'self'; "
    "img-src 'self' {api} {media} https: data:; connect-src 'self' {api}{stripe_api}; "
    "frame-src 'self'{stripe}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
#: Where Stripe Elements talks to and frames from, besides Stripe.js's own origin.
STRIPE_API_ORIGINS = ("https://api.stripe.com", "https://hooks.stripe.com")


def page_csp(*, api_base: str, media_base: str) -> str:
    """The page's Content-Security-Policy: this server, the API, public media, and, when the
    widget uses Stripe Elements (``STRIPE_PUBLISHABLE_KEY``), Stripe.js's origin and Stripe's."""
    stripe = stripe_api = ""
    if settings.STRIPE_PUBLISHABLE_KEY:
        script = _origin(settings.STRIPE_JS_URL)
        stripe = f" {script} https://hooks.stripe.com" if script else ""
        stripe_api = " " + " ".join(STRIPE_API_ORIGINS)
    return PAGE_CSP.format(
        api=_origin(api_base),
        media=_origin(media_base),
        stripe=stripe,
        stripe_api=stripe_api,
    )


def publishable_key_for_mode(*, store: Store, mode: str) -> str | None:
    """The store's newest active publishable key of a mode (raw: publishable keys are public)."""
    return (
        ApiKey.objects.filter(
            store=store,
            kind=ApiKey.Kind.PUBLISHABLE,
            mode=mode,
            revoked_at__isnull=True,
        )
        .order_by("-created_at")
        .values_list("publishable_key", flat=True)
        .first()
    )


def storefront_page_url(*, store: Store, mode: str, base_url: str = "") -> str:
    """This server's storefront page for the store's publishable key of ``mode``, under
    ``base_url`` (default: ``core.links.server_base_url()``, for links read later).

    Without an active key of that mode (all revoked) there is no page: the server root.
    """
    base = (base_url or server_base_url()).rstrip("/")
    key = publishable_key_for_mode(store=store, mode=mode)
    if key is None:
        return f"{base}/"
    return base + reverse("storefront-page", kwargs={"publishable_key": key})


def storefront_url(*, store: Store, mode: str, base_url: str = "") -> str:
    """Where shoppers of the store go: its ``storefront_url``, else ``settings.STOREFRONT_URL``,
    else this server's storefront page for the key mode (under ``base_url``, see
    ``storefront_page_url``)."""
    return (
        store.storefront_url
        or settings.STOREFRONT_URL
        or storefront_page_url(store=store, mode=mode, base_url=base_url)
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _active_publishable_key(raw: str) -> ApiKey | None:
    key = api_key_get_active(raw=raw) if raw.startswith("pk_") else None
    return key if key is not None and key.kind == ApiKey.Kind.PUBLISHABLE else None


def _not_found(request):
    """The 404 page. It never repeats what was in the URL: a secret key pasted there by
    mistake must not be echoed back."""
    response = render(request, "storefront/not_found.html", status=404)
    response["Cache-Control"] = "no-store"
    return response


def page_locale(request, store: Store) -> str:
    """The page's language (``<html lang>``, which the widget follows): the shopper's
    ``Accept-Language`` when the store supports that language, else its default locale."""
    chosen = locale_from_accept_language(
        request.headers.get("Accept-Language"), store.locale
    )
    language = chosen.replace("-", "_").split("_")[0].lower()
    for tag in [*(store.supported_locales or []), store.locale]:
        if tag.replace("-", "_").split("_")[0].lower() == language:
            return tag
    return store.locale


@require_safe
def storefront_page(request, publishable_key: str):
    """The store's page, or a 404 page for anything but an active publishable key."""
    key = _active_publishable_key(publishable_key)
    if key is None:
        return _not_found(request)
    # The page's own origin (or PUBLIC_BASE_URL): the widget calls the server that served it,
    # whatever port or host name it was started on.
    api_base = request_base_url(request)
    # Product images come from this server or from the object store (STORAGE_BACKEND=s3).
    media_base = public_media_base(request)
    context = {
        "store_name": key.store.name,
        "page_locale": page_locale(request, key.store),
        "publishable_key": publishable_key,
        "api_base": api_base,
        "media_base": media_base,
        "test_mode": key.mode == Mode.TEST,
    }
    response = render(request, "storefront/index.html", context)
    response["Content-Security-Policy"] = page_csp(
        api_base=api_base, media_base=media_base
    )
    patch_vary_headers(response, ["Accept-Language"])
    # A revoked key must stop serving the page at once.
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def storefront_product_page(request, publishable_key: str, slug: str):
    """``{storefront}/products/<slug>`` (the ad feeds' product links): the page, on that
    product."""
    if _active_publishable_key(publishable_key) is None:
        return _not_found(request)
    page = reverse("storefront-page", kwargs={"publishable_key": publishable_key})
    return HttpResponseRedirect(f"{page}?{urlencode({'product': slug})}")


site_urlpatterns = [
    path("storefront/<str:publishable_key>/", storefront_page, name="storefront-page"),
    path(
        "storefront/<str:publishable_key>/products/<str:slug>",
        storefront_product_page,
        name="storefront-product",
    ),
]

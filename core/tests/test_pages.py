"""The landing page at / (the dashboard's "View site") and the favicon."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.test import Client

from core import services

pytestmark = pytest.mark.django_db


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_home_links_each_store_the_dashboard_and_the_docs(shop, other_shop, settings):
    settings.DEBUG = True  # `make run`

    response = Client().get("/")

    assert response.status_code == 200
    html = response.content.decode()
    hrefs = links(html)
    for store in (shop, other_shop):
        assert store.store.name in html
        assert f"/storefront/{store.pk}/" in hrefs
        assert f"/storefront/{store.live_pk}/" in hrefs
    assert {"/admin/", "/v3/docs", "/v3/redoc", "/v3/schema"} <= set(hrefs)
    # Every link it gives answers (the storefront pages, the dashboard's login, the docs).
    client = Client()
    for href in hrefs:
        if href.startswith("/static/"):
            assert finders.find(href.removeprefix("/static/")), href
            continue
        answer = client.get(href)
        assert answer.status_code in (200, 302), (href, answer.status_code)
    # No secret key, ever.
    assert shop.sk not in html and shop.live_sk not in html


def test_home_queries_do_not_grow_with_the_stores(
    make_store, settings, django_assert_max_num_queries
):
    settings.DEBUG = True
    for index in range(6):
        make_store(name=f"Store {index}")
    with django_assert_max_num_queries(3):
        html = Client().get("/").content.decode()
    assert html.count("storefront (test mode)") == 6


def test_home_lists_stores_only_to_their_merchants_in_production(
    shop, other_shop, settings
):
    settings.DEBUG = False
    anonymous = Client().get("/").content.decode()
    assert shop.store.name not in anonymous and "/storefront/" not in anonymous
    assert 'href="/admin/"' in anonymous and 'href="/v3/docs"' in anonymous

    user, _ = services.merchant_add(
        store=shop.store, email="owner@acme.test", password="pw-123456789"
    )
    client = Client()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert shop.store.name in html and f"/storefront/{shop.pk}/" in html
    assert other_shop.store.name not in html


def test_home_without_an_active_key_says_so(shop, settings):
    from django.utils import timezone

    settings.DEBUG = True
    shop.store.api_keys.filter(kind="publishable").update(revoked_at=timezone.now())
    html = Client().get("/").content.decode()
    assert "no active publishable key" in html
    assert "/storefront/" not in html


def test_dashboard_view_site_goes_to_the_landing_page(shop):
    user = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
    client = Client()
    client.force_login(user)
    html = client.get("/admin/").content.decode()
    assert re.search(r'<a href="/">View site</a>', html)


def test_favicon_is_served():
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    path = response["Location"].removeprefix("/static/")
    found = finders.find(path)
    assert found
    with open(found, "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file

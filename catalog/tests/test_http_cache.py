"""HTTP caching of the public catalogue reads (core.api.caching): ETag and 304 before any
payload is built, the rendered page from the shared cache, and a new page after every
catalogue write."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.tests.factories import default_variant, make_category, make_product
from core.api import caching
from tests.fixtures import ApiClient

pytestmark = pytest.mark.django_db

PATHS = ["/products", "/categories"]


def _get(client, path, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **kwargs)
    return response, len(ctx.captured_queries)


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    """Pin the key's minute bucket: two requests either side of a minute boundary would
    otherwise get different ETags (as they should; see the last test)."""
    bucket = [caching.time_bucket()]
    monkeypatch.setattr(caching, "time_bucket", lambda: bucket[0])
    return bucket


@pytest.fixture
def catalogue(shop):
    category = make_category(shop.store, "Candles")
    product = make_product(shop.store, "Pillar candle", stock=5)
    product.categories.add(category)
    return product


@pytest.mark.parametrize("path", [*PATHS, "/products/pillar-candle"])
def test_a_matching_etag_is_a_304_before_the_page_is_built(public, catalogue, path):
    first, built = _get(public, path)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, no-cache"
    assert "Accept-Language" in first["Vary"]
    etag = first["ETag"]

    again, queries = _get(public, path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert queries == 1 < built  # the key lookup only

    stale, _ = _get(public, path, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale["ETag"] == etag


def test_a_warm_page_is_served_from_the_cache(public, catalogue):
    first, built = _get(public, "/products", query={"perPage": 5})
    second, queries = _get(public, "/products", query={"perPage": 5})
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert queries == 1 < built


def test_every_catalogue_write_gives_a_new_page(shop, public, private, catalogue):
    def etag_and_body():
        response, _ = _get(public, "/products/pillar-candle")
        return response["ETag"], response.json()["data"]

    etag, body = etag_and_body()
    assert body["inventoryCount"] == 5

    # Through the API (a service).
    private.patch(f"/products/{catalogue.pk}", {"name": "Church candle"})
    etag2, body = etag_and_body()
    assert etag2 != etag and body["name"] == "Church candle"

    # A stock change written with update() (as checkout's reservation does).
    services.stock_adjust(
        variant=default_variant(catalogue),
        operation="decrement",
        quantity=2,
        mode="live",
    )
    etag3, body = etag_and_body()
    assert etag3 != etag2 and body["inventoryCount"] == 3

    # A row saved directly (as the dashboard's forms do).
    catalogue.summary = "Unscented"
    catalogue.save()
    etag4, body = etag_and_body()
    assert etag4 != etag3 and body["summary"] == "Unscented"


def test_pages_are_never_shared_across_store_mode_or_locale(
    shop, other_shop, public, catalogue
):
    make_product(other_shop.store, "Pillar candle")
    variants = {
        "this store": public.get("/products"),
        "other store": ApiClient("public", other_shop.pk).get("/products"),
        "french": public.get("/products", headers={"Accept-Language": "fr"}),
    }
    variants["live mode"] = ApiClient("public", shop.live_pk).get("/products")
    etags = {name: response["ETag"] for name, response in variants.items()}
    assert len(set(etags.values())) == len(etags), etags
    assert (
        variants["other store"].json()["data"][0]["price"]["currency"]
        != variants["this store"].json()["data"][0]["price"]["currency"]
    )


def test_a_new_minute_gives_a_new_page(public, catalogue, still_clock):
    """A sale that starts or ends without a write shows within a minute."""
    first, _ = _get(public, "/products/pillar-candle")
    still_clock[0] += 1
    again, queries = _get(
        public, "/products/pillar-candle", headers={"If-None-Match": first["ETag"]}
    )
    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert queries > 1

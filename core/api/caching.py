"""HTTP caching of public reads that change only when the store's catalogue does.

Every such page is valid for one **catalogue version** of its store, a token in the shared
cache (Redis in production) that every catalogue write replaces when its transaction commits
(:func:`catalog_version_bump`): a cached page holds the version it was built at, and is
answered only while that version is current (the version and the page are read in one round
trip). A view opts in with ``cached_read = True``; then a GET:

1. answers ``304 Not Modified`` when ``If-None-Match`` holds the page's ETag, before any
   payload is built (the key lookup is the only query);
2. else answers the rendered page from the shared cache when it is there;
3. else builds it, stores the rendered bytes, and answers them with the ETag.

The ETag (of the key and the version) and the key cover everything a page varies by: store, key mode, path and
query (the key is in the path), ``Accept-Language`` and the content locale negotiated from
it (``core.locales``), ``X-Currency``, the negotiated renderer and host, and a
one-minute bucket of time, so that a sale that starts or ends without a write shows within a
minute. ``Cache-Control: public, no-cache`` lets browsers and CDNs keep the page but ask
again each time (a 304 is cheap). The cache is an optimisation: when it is unreachable the
page is built as if uncached.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)

#: Seconds a page's key stays the same without a write (sale windows show this late at most).
BUCKET_SECONDS = 60
#: Seconds a rendered page stays in the shared cache.
PAGE_TTL = 2 * BUCKET_SECONDS
CACHE_CONTROL = "public, no-cache"
VARY = ("Accept", "Accept-Language", "X-Currency")


def _version_key(store_id: str) -> str:
    return f"catalog-version:{store_id}"


def catalog_version(store_id: str) -> str:
    """The store's current catalogue version (created on first use)."""
    key = _version_key(store_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key)
    return version


#: Stores whose bump waits for the end of a :func:`catalog_version_bumps_deferred` block.
_deferred: ContextVar[set[str] | None] = ContextVar("catalog_bumps", default=None)


@contextmanager
def catalog_version_bumps_deferred() -> Iterator[None]:
    """Inside the block a bump only notes the store; each noted store is bumped once on
    the way out (now and after commit, as :func:`catalog_version_bump` does). For writes
    of many rows in one transaction (the catalogue import's batches): one bump a batch
    instead of two cache writes a row saved. Use it inside the transaction."""
    pending: set[str] = set()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
        for store_id in pending:
            catalog_version_bump(store_id)


def catalog_version_bump(store_id: str) -> None:
    """Give the store a new catalogue version now and again once the current transaction
    commits: a page built meanwhile from the rows before the commit is cached under the
    in-between version, which the second bump retires. A random token, not a counter: a
    version evicted from the cache never comes back."""
    pending = _deferred.get()
    if pending is not None:
        pending.add(store_id)
        return

    def bump():
        try:
            cache.set(_version_key(store_id), uuid.uuid4().hex, timeout=None)
        except Exception:  # a cache outage must not fail the write
            logger.warning("catalog version of %s not bumped", store_id, exc_info=True)

    bump()
    transaction.on_commit(bump)


class CachedPage(Exception):
    """Raised from ``initial`` with the answer (a 304 or the cached page)."""

    def __init__(self, response):
        self.response = response


def time_bucket() -> int:
    """The current one-minute bucket of time that every page key includes."""
    return int(time.time() // BUCKET_SECONDS)


def page_key(request) -> str:
    """The cache key of the page ``request`` asks for, at any catalogue version: the entry
    holds the version it was built at (:func:`cached_answer` compares it)."""
    store = request.store
    parts = (
        store.pk,
        request.mode,
        request.get_host(),
        request.get_full_path(),
        request.headers.get("Accept-Language", ""),
        # The negotiated locale too: it also depends on the store's supported locales.
        getattr(request, "content_locale", None) or "",
        request.headers.get("X-Currency", "").strip().upper(),
        getattr(request, "accepted_media_type", ""),
        str(time_bucket()),
    )
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"public-page:{digest}"


def _etag(key: str, version: str) -> str:
    digest = hashlib.sha256(f"{key}\x1f{version}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def _decorate(response, etag: str):
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, VARY)
    return response


def cached_answer(request) -> tuple[str, str] | None:
    """``(page key, catalogue version)`` of the page to build; raises :class:`CachedPage`
    when the answer is known without building it (None: the cache is unreachable, build
    and do not store). One cache round trip reads the version and the page together (a
    conditional request reads the version first: a 304 needs no page)."""
    try:
        key = page_key(request)
        version_key = _version_key(request.store.pk)
        if request.headers.get("If-None-Match"):
            version = catalog_version(request.store.pk)
            etag = _etag(key, version)
            if etag in request.headers["If-None-Match"]:
                raise CachedPage(_decorate(HttpResponseNotModified(), etag))
            hit = cache.get(key)
        else:
            found = cache.get_many([version_key, key])
            version = found.get(version_key) or catalog_version(request.store.pk)
            hit = found.get(key)
    except CachedPage:
        raise
    except Exception:
        logger.warning("public page cache unreachable", exc_info=True)
        return None
    if hit is not None and hit[0] == version:
        _, content_type, content = hit
        raise CachedPage(
            _decorate(
                HttpResponse(content, content_type=content_type), _etag(key, version)
            )
        )
    return key, version


def cache_store(page: tuple[str, str], response):
    """Render a fresh 200 answer, keep it with its catalogue version under the page's key
    and add its validators."""
    key, version = page
    response.render()
    try:
        cache.set(
            key, (version, response["Content-Type"], response.content), timeout=PAGE_TTL
        )
    except Exception:
        logger.warning("public page not cached", exc_info=True)
    return _decorate(response, _etag(key, version))

"""Project-wide pytest fixtures (loaded as a plugin for every test: ``-p tests.fixtures`` in
pyproject.toml): stores with keys, API clients for both surfaces."""

from __future__ import annotations

import importlib
import importlib.util
import json
import uuid
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, TestCase


def pytest_configure(config):
    from django.conf import settings

    from shoprocket_site.celery import app

    # The run's own cache key prefix: clearing the cache between tests then deletes only this
    # run's keys, never another run's (or anything else's) on a shared Redis.
    default = settings.CACHES["default"]
    default["KEY_PREFIX"] = (
        f"{default.get('KEY_PREFIX') or 'cache'}-test-{uuid.uuid4().hex[:8]}"
    )

    # Tests run tasks in-process unless a test starts a real worker (see tests/test_worker*.py).
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
            )
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs Redis (set REDIS_URL)"))


def cache_clear_own_keys() -> int:
    """Empty the default cache, deleting only the keys under its own prefix on Redis.

    ``cache.clear()`` on Redis is FLUSHDB: it would wipe the whole (shared) Redis database.
    Returns how many Redis keys were deleted.
    """
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        cache.clear()
        return 0
    client = backend._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{backend.key_prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    return len(keys)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache_clear_own_keys()
    yield


@pytest.fixture(autouse=True)
def _closed_breakers():
    """No test inherits another's record of a Redis outage (core.breakers keeps it per process)."""
    from core import breakers

    yield
    breakers.ratelimit_cache.reset()
    breakers.broker.reset()


@pytest.fixture(autouse=True)
def _still_rate_limit_window(monkeypatch):
    """One rate-limit window per test: django-ratelimit counts in fixed windows of wall-clock
    time, so a test that makes 31 requests across a window's edge saw its count restart and
    no 429 (a flake in CI). The window's clock is pinned at the test's start."""
    import time as real_time
    from types import SimpleNamespace

    from django_ratelimit import core as ratelimit_core

    now = real_time.time()
    monkeypatch.setattr(ratelimit_core, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Dashboard tests log merchants in; PBKDF2's deliberate slowness buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class StoreKeys:
    store: object
    keys: dict

    @property
    def pk(self) -> str:
        return self.keys["test"]["publishable"]

    @property
    def sk(self) -> str:
        return self.keys["test"]["secret"]

    @property
    def live_pk(self) -> str:
        return self.keys["live"]["publishable"]

    @property
    def live_sk(self) -> str:
        return self.keys["live"]["secret"]


@pytest.fixture
def load_settings(monkeypatch):
    """``load_settings(**env)``: the settings module executed afresh under ``env``."""

    def load(**env):
        for name in (
            "DATABASE_URL",
            "DATABASE_REPLICA_URLS",
            "REDIS_URL",
            "CONN_MAX_AGE",
            "STORAGE_BACKEND",
        ):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        spec = importlib.util.spec_from_file_location(
            "shoprocket_site._settings_probe",
            importlib.import_module("shoprocket_site.settings").__file__,
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def make_store(db):
    """``make_store(name=..., currency=..., **fields) -> StoreKeys``."""
    from core import services

    def make(name="Acme Candles", currency="GBP", country="GB", **fields) -> StoreKeys:
        fields.setdefault("shipping_countries", ["GB", "US", "DE", "FR", "CA"])
        store, keys = services.store_create(
            name=name, currency=currency, country=country, **fields
        )
        return StoreKeys(store=store, keys=keys)

    return make


@pytest.fixture
def shop(make_store) -> StoreKeys:
    return make_store()


@pytest.fixture
def other_shop(make_store) -> StoreKeys:
    return make_store(name="Other Store", currency="USD", country="US")


class ApiClient:
    """Calls one API surface with a key; every request runs its on-commit callbacks.

    ``client.get("/products", query={"perPage": 5}, cart="token")`` on the public surface
    requests ``/v3/public/<pk>/products`` with ``Authorization: Bearer <pk>``.
    """

    def __init__(self, surface: str, key: str):
        self.surface = surface
        self.key = key
        self.client = Client()

    def url(self, path: str) -> str:
        path = path if path.startswith("/") or path == "" else f"/{path}"
        if self.surface == "public":
            return f"/v3/public/{self.key}{path}"
        return f"/v3/private{path}"

    def request(
        self,
        method: str,
        path: str,
        data=None,
        *,
        query=None,
        cart=None,
        key=None,
        headers=None,
        idempotency_key=None,
        raw_body=None,
    ):
        all_headers = {"Authorization": f"Bearer {key or self.key}"}
        if cart is not None:
            all_headers["X-Cart-Token"] = cart
        if idempotency_key is not None:
            all_headers["Idempotency-Key"] = idempotency_key
        all_headers.update(headers or {})
        all_headers = {k: v for k, v in all_headers.items() if v is not None}
        url = self.url(path)
        if query:
            from urllib.parse import urlencode

            url = f"{url}?{urlencode(query, doseq=True)}"
        body = (
            raw_body
            if raw_body is not None
            else ("" if data is None else json.dumps(data))
        )
        with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
            return self.client.generic(
                method, url, body, content_type="application/json", headers=all_headers
            )

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, data=None, **kw):
        return self.request("POST", path, data, **kw)

    def put(self, path, data=None, **kw):
        return self.request("PUT", path, data, **kw)

    def patch(self, path, data=None, **kw):
        return self.request("PATCH", path, data, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def public(shop) -> ApiClient:
    """Public API client of ``shop`` (test publishable key)."""
    return ApiClient("public", shop.pk)


@pytest.fixture
def private(shop) -> ApiClient:
    """Private API client of ``shop`` (test secret key)."""
    return ApiClient("private", shop.sk)


@pytest.fixture
def api_client_for():
    """``api_client_for("public"|"private", key) -> ApiClient`` for other stores or keys."""
    return ApiClient

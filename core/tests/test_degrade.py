"""Degrade, don't fail: a Redis outage lifts rate limits instead of failing requests, /health
names it with a 503, and the failure is logged once per interval, not once per request."""

from __future__ import annotations

import logging
import socket

import pytest
from django.test import Client

from core import breakers
from core.api import throttling
from core.breakers import CircuitBreaker


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """Cache and health check point at a Redis that is not there."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    breakers.ratelimit_cache.reset()
    yield url
    breakers.ratelimit_cache.reset()


@pytest.fixture
def cache_calls(monkeypatch):
    """How many times the throttle asked the cache."""
    calls = []
    real = throttling.get_usage

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(throttling, "get_usage", counting)
    return calls


@pytest.mark.django_db
def test_requests_pass_unlimited_while_the_rate_limit_cache_is_down(
    redis_down, public, private, cache_calls, caplog
):
    caplog.set_level(logging.WARNING, logger="core.degraded")
    for _ in range(5):
        browse = public.get("/products")
        assert browse.status_code == 200, browse.content
        assert "X-RateLimit-Limit" not in browse
        assert private.get("/store").status_code == 200
        assert public.get("/cart", cart="visitor-1").status_code == 200
    # The first failure opens the breaker: the cache is not asked again during the cooldown,
    # so the outage costs one refused connection, not one per request.
    assert len(cache_calls) == 1
    warnings = [r for r in caplog.records if r.name == "core.degraded"]
    assert len(warnings) == 1
    assert "Rate-limit cache" in warnings[0].getMessage()


@pytest.mark.django_db
def test_health_answers_503_naming_redis_while_it_is_down(redis_down, private):
    response = private.get("/health")
    assert response.status_code == 503
    body = response.json()["data"]
    assert body["status"] == "degraded"
    assert body["checks"]["redis"].startswith("error: ConnectionError")
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_rate_limits_resume_when_the_cache_is_back(private):
    breaker = breakers.ratelimit_cache
    breaker.failure(ConnectionError("down"))
    assert "X-RateLimit-Limit" not in private.get("/store")
    breaker._open_until = 0.0  # the cooldown is over
    assert private.get("/store")["X-RateLimit-Limit"] == "240"
    assert not breaker.failing


def test_the_breaker_logs_once_per_interval_and_counts_what_it_did_not_log(caplog):
    caplog.set_level(logging.WARNING, logger="core.degraded")
    now = [100.0]
    breaker = CircuitBreaker("Thing", cooldown=5, log_interval=60, clock=lambda: now[0])
    assert breaker.allows()
    breaker.failure(ConnectionError("refused"))
    assert not breaker.allows()
    for step in range(1, 12):  # a failure every 5 s for 55 s: not logged again
        now[0] = 100.0 + 5 * step
        assert breaker.allows()
        breaker.failure(ConnectionError("refused"))
    now[0] = 161.0
    breaker.failure(ConnectionError("refused"))
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "Thing unavailable (ConnectionError: refused)" in messages[0]
    assert "(12 failure(s) since the last report)" in messages[1]
    breaker.success()
    assert breaker.allows() and not breaker.failing
    assert caplog.records[-1].getMessage() == "Thing is back"


# -- the client address behind proxies ------------------------------------------------------


def _ip_of(settings, *, remote="10.0.0.9", forwarded=None, **meta):
    from django.test import RequestFactory

    extra = {"REMOTE_ADDR": remote, **meta}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return throttling.client_ip(RequestFactory().get("/", **extra))


def test_client_ip_is_remote_addr_by_default_whatever_the_headers_say(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.CLIENT_IP_META_KEY = "REMOTE_ADDR"
    assert _ip_of(settings, forwarded="1.2.3.4") == "10.0.0.9"


def test_client_ip_behind_trusted_proxies_is_counted_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy appended what it saw (203.0.113.7); the client wrote 6.6.6.6 itself.
    assert _ip_of(settings, forwarded="6.6.6.6, 203.0.113.7") == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 2
    assert _ip_of(settings, forwarded="6.6.6.6, 198.51.100.1, 10.0.0.2") == (
        "198.51.100.1"
    )
    # Fewer entries than proxies, or garbage: the connection's own address.
    assert _ip_of(settings, forwarded="198.51.100.1") == "10.0.0.9"
    assert _ip_of(settings, forwarded="x, not-an-ip") == "10.0.0.9"
    assert _ip_of(settings, forwarded="6.6.6.6, 2001:db8::1, 10.0.0.2") == "2001:db8::1"


def test_a_forwarded_list_under_client_ip_meta_key_uses_only_the_proxys_entry(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.CLIENT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    assert _ip_of(settings, forwarded="6.6.6.6, 203.0.113.7") == "203.0.113.7"
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    assert _ip_of(settings, HTTP_X_REAL_IP="203.0.113.8") == "203.0.113.8"


@pytest.mark.django_db
def test_rotating_forwarded_for_does_not_reset_the_public_rate_limit(settings, shop):
    settings.TRUSTED_PROXY_COUNT = 1
    url = f"/v3/public/{shop.pk}"
    headers = {"Authorization": f"Bearer {shop.pk}"}
    client = Client(REMOTE_ADDR="10.0.0.1")
    remaining = [
        client.get(
            url, headers={**headers, "X-Forwarded-For": f"6.6.6.{n}, 203.0.113.7"}
        )["X-RateLimit-Remaining"]
        for n in range(3)
    ]
    assert remaining == ["119", "118", "117"]
    other = client.get(url, headers={**headers, "X-Forwarded-For": "203.0.113.99"})
    assert other["X-RateLimit-Remaining"] == "119"


@pytest.mark.django_db
def test_health_gives_up_on_a_redis_that_hangs(settings, private):
    """A Redis that accepts connections and never answers (stopped, or a black hole behind a
    load balancer): the probe times out instead of hanging the heartbeat."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes the handshakes; nobody ever replies
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.REDIS_URL = url
        settings.REDIS_SOCKET_TIMEOUT = 0.2
        response = private.get("/health")
    assert response.status_code == 503
    assert response.json()["data"]["checks"]["redis"].startswith("error: TimeoutError")

"""Per-endpoint rate limits through django-ratelimit on the configured cache.

A view declares ``rate_limits = {"GET": "120/m", "POST": "30/m"}``. Public requests are
counted per publishable key and client IP, private ones per secret key. When the cache
(Redis) fails, requests are let through unlimited: a rate limit is not worth an outage.
"""

import ipaddress

from django.conf import settings
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle

from core.breakers import cache_errors, ratelimit_cache


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The address rate limits count per: never one the client could have written itself.

    Behind ``TRUSTED_PROXY_COUNT`` proxies that each append to ``X-Forwarded-For``, it is the
    entry that many places from the right (what the outermost trusted proxy saw); entries to
    its left came from the client. Otherwise ``CLIENT_IP_META_KEY`` (a header the proxy
    overwrites, such as ``HTTP_X_REAL_IP``; if it holds a list, only its last entry), else
    ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        # Fewer entries than trusted proxies: the request did not come through them all.
        value = forwarded[-hops] if len(forwarded) >= hops else remote
    elif settings.CLIENT_IP_META_KEY != "REMOTE_ADDR":
        value = request.META.get(settings.CLIENT_IP_META_KEY, "").split(",")[-1]
    else:
        value = remote
    return _ip(value) or _ip(remote) or "unknown"


def _group(view, method: str) -> str:
    """One counter per endpoint and method: a viewset's list and detail routes (its
    actions) count apart, as separate views would."""
    name = f"{view.__class__.__module__}.{view.__class__.__name__}"
    action = getattr(view, "action", None)
    return f"{name}.{action}.{method}" if action else f"{name}.{method}"


class EndpointRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        rate = getattr(view, "rate_limits", {}).get(request.method)
        if rate is None and request.method == "HEAD":
            rate = getattr(view, "rate_limits", {}).get("GET")
        if not rate or request.auth is None:
            return True
        if getattr(view, "surface", "") == "public":
            value = f"{request.auth.pk}:{client_ip(request)}"
        else:
            value = request.auth.pk
        if not ratelimit_cache.allows():
            return True
        try:
            usage = get_usage(
                request,
                group=_group(view, request.method),
                key=lambda group, req: value,
                rate=rate,
                increment=True,
            )
        except cache_errors() as exc:
            ratelimit_cache.failure(exc)
            return True
        ratelimit_cache.success()
        if usage is None:  # RATELIMIT_ENABLE is off
            return True
        request.ratelimit_usage = usage
        self._wait = max(int(usage["time_left"]), 1)
        return not usage["should_limit"]

    def wait(self):
        return getattr(self, "_wait", 1)


def ratelimit_headers(request) -> dict[str, str]:
    usage = getattr(request, "ratelimit_usage", None)
    if not usage or usage.get("limit", 0) <= 0:
        return {}
    return {
        "X-RateLimit-Limit": str(usage["limit"]),
        "X-RateLimit-Remaining": str(max(usage["limit"] - usage["count"], 0)),
    }

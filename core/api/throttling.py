"""Per-endpoint rate limits through django-ratelimit on the configured cache.

A view declares ``rate_limits = {"GET": "120/m", "POST": "30/m"}``. Public requests are
counted per publishable key and client IP, private ones per secret key.
"""

from django.conf import settings
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle


def client_ip(request) -> str:
    value = request.META.get(settings.CLIENT_IP_META_KEY) or request.META.get(
        "REMOTE_ADDR", ""
    )
    return value.split(",")[0].strip() or "unknown"


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
        usage = get_usage(
            request,
            group=f"{view.__class__.__module__}.{view.__class__.__name__}.{request.method}",
            key=lambda group, req: value,
            rate=rate,
            increment=True,
        )
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

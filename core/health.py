"""Liveness for load balancers: ``GET /healthz``.

Answered by the first middleware, before anything else runs: no database, Redis, storage,
session or template, and no ``ALLOWED_HOSTS`` check, since a load balancer probes each
machine by its own address, not by the shop's host name. A proxy may call it every second
on every web machine at no cost, and a database outage does not take every web machine
out of rotation at once. Readiness, which probes each subsystem, is the private API's
``GET /v3/private/health`` (a secret key; 503 while something is down).
"""

from __future__ import annotations

from django.http import JsonResponse

LIVENESS_PATH = "/healthz"


class LivenessMiddleware:
    """Answer ``GET``/``HEAD /healthz`` at once; first in ``MIDDLEWARE``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == LIVENESS_PATH and request.method in {"GET", "HEAD"}:
            response = JsonResponse({"status": "ok"})
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)

"""Liveness for load balancers: ``GET /healthz``.

It answers from the process alone (no database, Redis, storage or template), so a proxy may
call it every second on every web machine at no cost, and a database outage does not take
every web machine out of rotation at once. Readiness, which probes each subsystem, is the
private API's ``GET /v3/private/health`` (a secret key; 503 while something is down).
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def liveness(request):
    return JsonResponse({"status": "ok"})


site_urlpatterns = [path("healthz", liveness, name="healthz")]

"""The project's URLs plus the ceiling: a bare ``JsonResponse`` view served through the same
settings, middleware and gunicorn workers, so its requests per second are the most any API
endpoint could reach on this stack."""

from django.http import JsonResponse
from django.urls import path

from shoprocket_site.urls import urlpatterns as project_urlpatterns

CEILING_PATH = "/bench/ceiling"


def ceiling(request):
    return JsonResponse({"data": {"ok": True}})


# Last, so every project URL resolves exactly as in production.
urlpatterns = [*project_urlpatterns, path(CEILING_PATH.lstrip("/"), ceiling)]

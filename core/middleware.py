"""Make sure no HTML error page or traceback ever reaches an API client."""

import contextlib
import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils import timezone

from core.admin import dashboard_store
from core.api.exceptions import error_json_response, too_large_body

logger = logging.getLogger("core.api")

API_PREFIXES = ("/v3/public/", "/v3/private/", "/v3/private", "/webhooks/")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path == "/v3" or path.startswith("/v3/")


class ApiErrorMiddleware:
    """Turn Django's own 4xx/5xx responses on API paths into the error envelope."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_path(request.path)
            and "json" not in response.get("Content-Type", "")
        ):
            replacement = error_json_response(response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if response.has_header(header):
                    replacement[header] = response[header]
            return replacement
        return response

    def process_exception(self, request, exception):
        if not is_api_path(request.path):
            return None
        if isinstance(exception, Http404):
            return error_json_response(404)
        if isinstance(exception, PermissionDenied):
            return error_json_response(403)
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(too_large_body(), status=413)
        logger.exception("Unhandled error on %s", request.path, exc_info=exception)
        return error_json_response(500)


class DashboardTimezoneMiddleware:
    """Dashboard pages show times in the current store's time zone (the store switcher's
    choice), not the server's UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/"):
            store = dashboard_store(request)
            if store is not None and store.timezone:
                with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
                    timezone.activate(ZoneInfo(store.timezone))
                try:
                    return self.get_response(request)
                finally:
                    timezone.deactivate()
        return self.get_response(request)

"""The one exception handler: every error becomes ``{"error": {"code", "message", "fields"?}}``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from core.exceptions import (
    Conflict,
    DomainError,
    FieldPath,
    Forbidden,
    NotFound,
    PaymentDeclined,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
)

from .casing import to_camel

logger = logging.getLogger("core.api")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    402: "payment_failed",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "server_error",
    503: "service_unavailable",
}

DEFAULT_MESSAGES = {
    400: "Bad request.",
    401: "Missing or invalid API key.",
    403: "You are not allowed to do this.",
    404: "Resource not found.",
    405: "Method not allowed.",
    409: "Conflict.",
    422: "Validation failed.",
    429: "Rate limit exceeded.",
    500: "Server error, retry with backoff.",
}


#: The HTTP status of each kind of domain error (the first match along the class's MRO);
#: any other ``DomainError`` is a 400.
DOMAIN_STATUSES: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    ValidationFailed: 422,
    PaymentDeclined: 402,
    ServiceUnavailable: 502,
    Unauthenticated: 401,
    Forbidden: 403,
}


def domain_status(exc: DomainError) -> int:
    for klass in type(exc).__mro__:
        if klass in DOMAIN_STATUSES:
            return DOMAIN_STATUSES[klass]
    return 400


def wire_path(path: FieldPath) -> str:
    """A service's field path as the wire names it: ``("items", 0, "quantity")`` is
    ``items[0].quantity``, ``"shipping_address.postcode"`` is ``shippingAddress.postcode``.
    Names already camelCase, and header names (``X-Cart-Token``), stay as they are."""
    parts = path.split(".") if isinstance(path, str) else path
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + to_camel(part)
    return out


def domain_error_body(exc: DomainError) -> dict:
    fields = None
    if exc.fields:
        fields = {}
        for path, messages in exc.fields.items():
            fields.setdefault(wire_path(path), []).extend(messages)
    return error_body(domain_status(exc), exc.message, code=exc.code, fields=fields)


def error_body(
    status: int,
    message: str | None = None,
    *,
    code: str | None = None,
    fields: dict | None = None,
) -> dict:
    error = {
        "code": code or STATUS_CODES.get(status, "error"),
        "message": message or DEFAULT_MESSAGES.get(status, "Error."),
    }
    if fields:
        error["fields"] = fields
    return {"error": error}


def error_json_response(
    status: int, message: str | None = None, **kwargs
) -> JsonResponse:
    """The envelope as a plain Django response, for middleware and Django's error views."""
    return JsonResponse(error_body(status, message, **kwargs), status=status)


def too_large_body() -> dict:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_body(
        413,
        f"The request body is larger than the {limit:,} bytes allowed.",
        code="payload_too_large",
    )


def _message_for(field: str, detail) -> str:
    text = str(detail)
    code = getattr(detail, "code", None)
    if (
        field
        and code in {"required", "null", "blank"}
        and text.startswith("This field")
    ):
        name = field.rsplit(".", 1)[-1]
        return (
            f"The {name} field is required."
            if code == "required"
            else (
                f"The {name} field may not be {'null' if code == 'null' else 'blank'}."
            )
        )
    return text


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"shippingAddress.postcode": ["..."]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            is_index = isinstance(key, int) or (isinstance(key, str) and key.isdigit())
            key = str(key)
            if key in {"non_field_errors", "__all__"}:
                name = prefix
            elif is_index:
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{to_camel(key)}" if prefix else to_camel(key)
            for k, v in flatten_errors(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, (list, tuple)):
        if all(not isinstance(item, (dict, list, tuple)) for item in detail):
            if detail:
                out.setdefault(prefix, []).extend(
                    _message_for(prefix, d) for d in detail
                )
        else:
            for index, item in enumerate(detail):
                if item:
                    for k, v in flatten_errors(item, f"{prefix}[{index}]").items():
                        out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix, []).append(_message_for(prefix, detail))
    return out


def validation_error_response(detail) -> Response:
    fields = flatten_errors(detail)
    general = fields.pop("", None)
    if general:
        message = general[0]
    elif fields:
        name, messages = next(iter(fields.items()))
        message = messages[0]
        if name and name.split(".")[-1].split("[")[0].lower() not in message.lower():
            message = f"{name}: {message}"
    else:
        message = DEFAULT_MESSAGES[422]
    return Response(error_body(422, message, fields=fields or None), status=422)


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            key: [m for e in errors for m in e.messages]
            for key, errors in exc.error_dict.items()
        }
    return list(exc.messages)


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: map every exception to the envelope."""
    headers = {}
    if isinstance(exc, DomainError):
        return Response(domain_error_body(exc), status=domain_status(exc))
    if isinstance(exc, drf.ValidationError):
        return validation_error_response(exc.detail)
    if isinstance(exc, DjangoValidationError):
        return validation_error_response(_django_validation_detail(exc))
    if isinstance(exc, RequestDataTooBig):
        return Response(too_large_body(), status=413)
    if isinstance(exc, drf.ParseError):
        return Response(
            error_body(
                400, f"Malformed request body: {exc.detail}", code="malformed_json"
            ),
            status=400,
        )
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return Response(error_body(401, str(exc.detail)), status=401, headers=headers)
    if isinstance(exc, drf.Throttled):
        wait = int(exc.wait or 1)
        headers["Retry-After"] = str(max(wait, 1))
        return Response(
            error_body(429, f"Rate limit exceeded. Retry in {max(wait, 1)} seconds."),
            status=429,
            headers=headers,
        )
    if isinstance(exc, (Http404, drf.NotFound, ObjectDoesNotExist)):
        message = (
            str(getattr(exc, "detail", "") or "")
            if isinstance(exc, drf.NotFound)
            else ""
        )
        if not message or message == "Not found.":
            message = DEFAULT_MESSAGES[404]
        return Response(error_body(404, message), status=404)
    if isinstance(exc, (PermissionDenied, drf.PermissionDenied)):
        return Response(error_body(403, DEFAULT_MESSAGES[403]), status=403)
    if isinstance(exc, IntegrityError):
        logger.warning("Integrity error answered as 409: %s", exc)
        return Response(
            error_body(
                409, "The request conflicts with the current state of the resource."
            ),
            status=409,
        )
    if isinstance(exc, drf.APIException):
        status = exc.status_code
        return Response(error_body(status, str(exc.detail)), status=status)
    logger.exception("Unhandled API error", exc_info=exc)
    return Response(error_body(500), status=500)

"""Errors that services raise and the API turns into the one error envelope.

Services raise these (or Django's ``ValidationError``); views never build error responses.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with an HTTP status, a machine-readable code and a readable message."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict | None = None,
        status_code: int | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.fields = fields
        self.headers = headers or {}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Unprocessable(DomainError):
    """422 for a request that is well-formed but breaks a rule (optionally naming fields)."""

    status_code = 422
    code = "validation_failed"


class PaymentRequired(DomainError):
    status_code = 402
    code = "payment_failed"


class Unauthenticated(DomainError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


def field_error(
    field: str, message: str, *, code: str = "validation_failed"
) -> Unprocessable:
    """Shorthand: a 422 naming one (camelCase) field."""
    return Unprocessable(message, code=code, fields={field: [message]})

"""Domain errors: what services raise when they refuse something, as data.

A domain error carries a machine-readable ``code``, a readable ``message`` and, when it is
about parts of the input, ``fields``: ``{path: [messages]}`` where a path names the part in
Python terms, snake_case: ``"shipping_address"``, ``"shipping_address.postcode"`` or a
tuple such as ``("items", 0, "quantity")``. Services know nothing of HTTP: the one exception
handler (``core.api.exceptions``) gives each class its status and writes paths as the wire
shows them (``shippingAddress.postcode``, ``items[0].quantity``).
"""

from __future__ import annotations

#: A field path: a dotted snake_case string, or a tuple of names and list indexes.
FieldPath = str | tuple[str | int, ...]


class DomainError(Exception):
    """A refusal with a machine-readable code, a readable message and its subjects."""

    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[FieldPath, list[str]] | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields


class NotFound(DomainError):
    """The thing asked for does not exist (or belongs to another store or mode)."""

    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (stock, a state transition, a duplicate)."""

    code = "conflict"


class ValidationFailed(DomainError):
    """Well-formed input that breaks a rule, optionally naming the fields."""

    code = "validation_failed"


class PaymentDeclined(DomainError):
    """The payment method was declined (the card, its authentication)."""

    code = "card_declined"


class ServiceUnavailable(DomainError):
    """A service the platform relies on (a payment provider) failed or could not be reached;
    retrying is safe."""

    code = "service_unavailable"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"


def field_error(
    field: FieldPath, message: str, *, code: str = "validation_failed"
) -> ValidationFailed:
    """Shorthand: a validation failure naming one (snake_case) field."""
    return ValidationFailed(message, code=code, fields={field: [message]})

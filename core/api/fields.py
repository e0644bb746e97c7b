"""Serializer fields for the wire conventions: Money objects and prefixed ids."""

from __future__ import annotations

import json
from datetime import UTC

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.locales import supported_locales, translated
from core.money import DEFAULT_LOCALE, Money

from .casing import to_camel, to_snake


class MoneySerializer(serializers.Serializer):
    """Schema of the Money object."""

    amount = serializers.IntegerField(
        help_text="Minor units of the currency (pence, cents)."
    )
    currency = serializers.CharField(help_text="ISO 4217 code.")
    formatted = serializers.CharField(help_text="Localised by Accept-Language.")

    class Meta:
        ref_name = "Money"


def context_locale(context) -> str:
    return (context or {}).get("locale") or DEFAULT_LOCALE


def context_mode(context) -> str:
    """The key mode of the request being answered (``live`` outside a request: webhook
    payloads, the dashboard)."""
    return (context or {}).get("mode") or "live"


@extend_schema_field(MoneySerializer)
class MoneyField(serializers.Field):
    """Read-only Money object from a :class:`~core.money.Money` attribute (None stays null)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Money):
        return value.as_dict(context_locale(self.context))


# The field's own allow_null makes the schema nullable (oneOf [Money, null]); a nullable
# serializer here would add a second null branch, and oneOf then rejects null.
@extend_schema_field(MoneySerializer)
class NullableMoneyField(MoneyField):
    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)


def money_dict(money: Money | None, context) -> dict | None:
    return None if money is None else money.as_dict(context_locale(context))


class MinorUnitsField(serializers.IntegerField):
    """A money input: a non-negative integer of minor units."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 10**12)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or (
            isinstance(data, float) and not data.is_integer()
        ):
            self.fail("invalid")
        if isinstance(data, str) and not data.strip().lstrip("-").isdigit():
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean only: "yes", 1 and "true" are refused so typos do not flip settings."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only (no "3", no 3.5, no true)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF would otherwise accept 12 or true and stringify them)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TimestampField(serializers.DateTimeField):
    """A UTC timestamp on the wire: ``2026-04-20T13:24:11Z`` (seconds, four-digit year).

    Inputs accept ISO 8601 and must fall between 1970 and 9999; naive values are UTC.
    """

    def to_representation(self, value):
        if not value:
            return None
        if isinstance(value, str):
            return value
        value = self.enforce_timezone(value).astimezone(UTC).replace(microsecond=0)
        return value.isoformat().replace("+00:00", "Z")

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not 1970 <= parsed.year <= 9999:
            raise serializers.ValidationError(
                "Enter a date and time between 1970 and 9999."
            )
        return parsed


MAX_METADATA_KEYS = 50
MAX_METADATA_KEY_LENGTH = 40
MAX_METADATA_BYTES = 8192


def contains_nul(value) -> bool:
    """True when a string anywhere in a JSON value holds a NUL (PostgreSQL cannot store it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False


@extend_schema_field({"type": "object", "additionalProperties": True})
class MetadataField(serializers.JSONField):
    """Caller-defined key/value pairs: a JSON object of at most 50 keys (1 to 40 characters
    each) and 8 KB, without NUL characters. Sent keys are kept exactly as sent."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Metadata must be a JSON object.")
        if len(value) > MAX_METADATA_KEYS:
            raise serializers.ValidationError(
                f"Metadata may hold at most {MAX_METADATA_KEYS} keys."
            )
        if any(not key or len(key) > MAX_METADATA_KEY_LENGTH for key in value):
            raise serializers.ValidationError(
                f"Metadata keys must be 1 to {MAX_METADATA_KEY_LENGTH} characters."
            )
        if contains_nul(value):
            raise serializers.ValidationError(
                "Metadata may not contain NUL characters."
            )
        if len(json.dumps(value).encode()) > MAX_METADATA_BYTES:
            raise serializers.ValidationError(
                f"Metadata may be at most {MAX_METADATA_BYTES} bytes of JSON."
            )
        return value


# -- translations (core.locales) ---------------------------------------------------------


class TranslatedCharField(serializers.CharField):
    """Read-only text in the answer's content locale (``context["content_locale"]``), each
    field falling back to the default-locale column (:func:`core.locales.translated`)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        locale = (self.context or {}).get("content_locale")
        return translated(instance, self.source, locale)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "object", "additionalProperties": True},
        "example": {"fr": {"name": "Bougie parfumée"}},
    }
)
class TranslationsField(serializers.Field):
    """``{"fr": {"name": "...", "description": "..."}}``: text per locale, for the store's
    supported locales only (another is a 422 naming ``translations.<locale>``).

    ``fields`` maps each translatable (snake_case) field to its maximum length; on the wire
    the field names are camelCase. Blank texts are dropped (the default text shows), and so
    are locales left empty. Stored as ``{locale: {snake_name: text}}``."""

    default_error_messages = {
        "invalid": "Expected an object of locale: {{field: text}}.",
    }

    def __init__(self, *, fields: dict[str, int], **kwargs):
        self.translatable = dict(fields)
        super().__init__(**kwargs)

    def clean_text(self, locale: str, name: str, value):
        """One field's translation, or raise ``ValidationError``."""
        if not isinstance(value, str):
            raise serializers.ValidationError("Must be a string.")
        value = value.strip()
        if "\x00" in value:
            raise serializers.ValidationError("May not contain NUL characters.")
        limit = self.translatable[name]
        if len(value) > limit:
            raise serializers.ValidationError(
                f"Ensure this field has no more than {limit} characters."
            )
        return value

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("invalid")
        store = (self.context or {}).get("store")
        allowed = supported_locales(store) if store is not None else []
        result, errors = {}, {}
        for locale, texts in data.items():
            if locale not in allowed:
                errors[locale] = [
                    f"'{locale}' is not one of the store's supported locales "
                    f"({', '.join(allowed)})."
                ]
                continue
            if texts is None:
                continue
            if not isinstance(texts, dict):
                errors[locale] = ["Expected an object of field: text."]
                continue
            clean, problems = {}, {}
            for wire, value in texts.items():
                name = to_snake(wire) if isinstance(wire, str) else ""
                if name not in self.translatable:
                    known = ", ".join(to_camel(n) for n in self.translatable)
                    problems[wire] = [f"Not translatable here. Use: {known}."]
                    continue
                try:
                    value = self.clean_text(locale, name, value)
                except serializers.ValidationError as exc:
                    problems[wire] = exc.detail
                    continue
                if value:
                    clean[name] = value
            if problems:
                errors[locale] = problems
            elif clean:
                result[locale] = clean
        if errors:
            raise serializers.ValidationError(errors)
        return result

    def to_representation(self, value):
        return {
            locale: {to_camel(name): text for name, text in (texts or {}).items()}
            for locale, texts in (value or {}).items()
        }

"""List filters as django-filter ``FilterSet``s, validated like a request body.

A list view names ``filterset_class`` (a viewset, or a view calling ``filter_queryset``, see
``core/api/views.py``); :class:`QueryFilterBackend` binds it to the query string
(filters are named as the API spells them, camelCase) and a bad value is a 422 naming the
parameter (the one error envelope). drf-spectacular documents the filters from the FilterSet.
"""

from __future__ import annotations

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .fields import TimestampField


class QueryField(forms.Field):
    """A form field that reads a query value as a DRF field reads it: the same values, the
    same error messages (as a query serializer answered). An empty value is what the DRF
    field makes of it: "no filter" for a boolean, a 422 for a timestamp."""

    drf_field: serializers.Field

    def to_python(self, value):
        if value is None:
            return None
        try:
            return self.drf_field.to_internal_value(value)
        except serializers.ValidationError as exc:
            raise forms.ValidationError(exc.detail[0]) from exc


class QueryBooleanField(QueryField):
    """``true``/``false`` (and the other spellings DRF accepts; empty is no filter); anything
    else is "Must be a valid boolean."."""

    drf_field = serializers.BooleanField(allow_null=True)


class QueryTimestampField(QueryField):
    """An ISO 8601 timestamp between 1970 and 9999, naive values UTC (``TimestampField``)."""

    drf_field = TimestampField()


class BooleanFilter(django_filters.BooleanFilter):
    field_class = QueryBooleanField


class DateTimeFilter(django_filters.DateTimeFilter):
    """A timestamp filter (documented as ``date-time``), validated as ``TimestampField``."""

    field_class = QueryTimestampField


class ChoiceFilter(django_filters.ChoiceFilter):
    """A choice filter whose error reads as a query serializer's did, documented as a
    string enum (described by its ``help_text`` only, without a generated list)."""

    def __init__(self, *args, choices, **kwargs):
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": '"%(value)s" is not a valid choice.'},
        )
        super().__init__(*args, choices=choices, **kwargs)
        schema = {"type": "string", "enum": [value for value, _label in choices]}
        if kwargs.get("help_text"):
            schema["description"] = kwargs["help_text"]
        extend_schema_field(schema)(self)


class CharFilter(django_filters.CharFilter):
    """A text filter; ``max_length`` errors read as a query serializer's did."""

    def __init__(self, *args, **kwargs):
        if "max_length" in kwargs:
            kwargs.setdefault(
                "error_messages",
                {
                    "max_length": "Ensure this field has no more than "
                    f"{kwargs['max_length']} characters."
                },
            )
        super().__init__(*args, **kwargs)


class QueryFilterBackend(DjangoFilterBackend):
    """django-filter's backend; invalid filters raise DRF's ValidationError (a 422 here)."""

    raise_exception = True

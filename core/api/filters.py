"""List filters as django-filter ``FilterSet``s, validated like a request body.

A viewset names ``filterset_class``; :class:`QueryFilterBackend` binds it to the query string
(filters are named as the API spells them, camelCase) and a bad value is a 422 naming the
parameter (the one error envelope). drf-spectacular documents the filters from the FilterSet.
"""

from __future__ import annotations

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_BOOLEAN = serializers.BooleanField(allow_null=True)


class QueryBooleanField(forms.Field):
    """``true``/``false`` (and the other spellings DRF accepts); empty means "no filter";
    anything else is "Must be a valid boolean." (as a query serializer answered)."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return _BOOLEAN.to_internal_value(value)
        except serializers.ValidationError as exc:
            raise forms.ValidationError(exc.detail[0]) from exc


class BooleanFilter(django_filters.BooleanFilter):
    field_class = QueryBooleanField


class ChoiceFilter(django_filters.ChoiceFilter):
    """A choice filter whose error reads as a query serializer's did, documented as a
    string enum (without a generated description)."""

    def __init__(self, *args, choices, **kwargs):
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": '"%(value)s" is not a valid choice.'},
        )
        super().__init__(*args, choices=choices, **kwargs)
        enum = [value for value, _label in choices]
        extend_schema_field({"type": "string", "enum": enum})(self)


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

"""Query filters of the private customer list (a django-filter FilterSet).

Named as the query parameters (camelCase), so errors and the schema name them so.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q

from core.api.filters import CharFilter, DateTimeFilter

from .models import Customer


class CustomerFilter(django_filters.FilterSet):
    q = CharFilter(
        method="filter_q",
        max_length=200,
        help_text="Search first name, last name or email.",
    )
    createdAfter = DateTimeFilter(
        field_name="created_at",
        lookup_expr="gt",
        help_text="ISO 8601; created strictly after.",
    )

    class Meta:
        model = Customer
        fields = []

    def filter_q(self, queryset, name, value):
        # Every word matches one of the names or the email.
        for word in value.split():
            queryset = queryset.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return queryset

"""Query filters of the private order list (a django-filter FilterSet).

Named as the query parameters (camelCase), so errors and the schema name them so.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q

from core.api.filters import CharFilter, ChoiceFilter, DateTimeFilter

from . import selectors
from .models import Order


class OrderFilter(django_filters.FilterSet):
    status = ChoiceFilter(
        method="filter_status",
        choices=[(status, status) for status in selectors.ORDER_LIST_STATUSES],
        help_text=(
            "pending: awaiting payment; paid: paid or partially refunded and not "
            "completely shipped; fulfilled: paid or partially refunded and completely "
            "shipped; refunded: fully refunded; cancelled; failed: the payment failed."
        ),
    )
    customerId = CharFilter(
        field_name="customer_id",
        max_length=40,
        help_text="Only this customer's orders.",
    )
    createdAfter = DateTimeFilter(
        field_name="created_at",
        lookup_expr="gt",
        help_text="ISO 8601; strictly after.",
    )
    createdBefore = DateTimeFilter(
        field_name="created_at",
        lookup_expr="lt",
        help_text="ISO 8601; strictly before.",
    )
    q = CharFilter(
        method="filter_q",
        max_length=200,
        help_text="Order number (1024 or #1024), order id, or part of the email.",
    )

    class Meta:
        model = Order
        fields = []

    def filter_status(self, queryset, name, value):
        return queryset.filter(selectors.order_status_q(value))

    def filter_q(self, queryset, name, value):
        match = Q(email__icontains=value) | Q(pk=value)
        number = value.lstrip("#")
        if number.isdigit() and len(number) <= 9:
            match |= Q(order_number=int(number))
        return queryset.filter(match)

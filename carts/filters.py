"""Query filters of the private configuration lists (django-filter FilterSets)."""

from __future__ import annotations

import django_filters

from core.api.filters import BooleanFilter, CharFilter, ChoiceFilter

from .models import Discount, ShippingMethod, TaxRate

ACTIVE_HELP = "Only active (true) or inactive (false)."


class DiscountFilter(django_filters.FilterSet):
    code = CharFilter(
        field_name="code",
        lookup_expr="icontains",
        max_length=64,
        help_text="Codes containing this text.",
    )
    active = BooleanFilter(field_name="active", help_text=ACTIVE_HELP)
    type = ChoiceFilter(field_name="type", choices=Discount.Type.choices)

    class Meta:
        model = Discount
        fields = []


class ShippingMethodFilter(django_filters.FilterSet):
    active = BooleanFilter(field_name="active", help_text=ACTIVE_HELP)

    class Meta:
        model = ShippingMethod
        fields = []


class TaxRateFilter(django_filters.FilterSet):
    # Named as the query parameter (camelCase), so errors and the schema name it so.
    countryCode = CharFilter(
        method="filter_country_code", max_length=2, help_text="ISO country code."
    )

    class Meta:
        model = TaxRate
        fields = []

    def filter_country_code(self, queryset, name, value):
        return queryset.filter(country_code=value.strip().upper())

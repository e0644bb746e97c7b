"""Query filters of a webhook endpoint's delivery log (a django-filter FilterSet)."""

from __future__ import annotations

import django_filters

from core.api.filters import CharFilter, ChoiceFilter

from .models import Delivery


class DeliveryFilter(django_filters.FilterSet):
    status = ChoiceFilter(field_name="status", choices=Delivery.Status.choices)
    event = CharFilter(
        field_name="event_id", max_length=40, help_text="Only this event's attempts."
    )

    class Meta:
        model = Delivery
        fields = []

"""Query filters of a webhook endpoint's delivery log and of the store's event log
(django-filter FilterSets)."""

from __future__ import annotations

import django_filters

from core.api.filters import CharFilter, ChoiceFilter

from .models import Delivery, Event
from .services import EVENT_TYPES


class DeliveryFilter(django_filters.FilterSet):
    status = ChoiceFilter(field_name="status", choices=Delivery.Status.choices)
    event = CharFilter(
        field_name="event_id", max_length=40, help_text="Only this event's attempts."
    )

    class Meta:
        model = Delivery
        fields = []


class EventFilter(django_filters.FilterSet):
    type = ChoiceFilter(field_name="type", choices=[(t, t) for t in EVENT_TYPES])

    class Meta:
        model = Event
        fields = []

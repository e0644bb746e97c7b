"""``page`` / ``perPage`` pagination with the reference's ``meta`` block."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rest_framework import serializers

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class PageParamsSerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    per_page = serializers.IntegerField(
        min_value=1, max_value=MAX_PER_PAGE, default=DEFAULT_PER_PAGE
    )


@dataclass
class Page:
    items: list
    current_page: int
    per_page: int
    total: int

    @property
    def last_page(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def meta(self) -> dict:
        return {
            "current_page": self.current_page,
            "per_page": self.per_page,
            "total": self.total,
            "last_page": self.last_page,
        }


def paginate(queryset, *, page: int, per_page: int) -> Page:
    """Slice a queryset (or list) into one page; a page past the end is empty, not an error."""
    total = (
        queryset.count()
        if hasattr(queryset, "count") and not isinstance(queryset, list)
        else len(queryset)
    )
    offset = (page - 1) * per_page
    items = list(queryset[offset : offset + per_page]) if offset < total else []
    return Page(items=items, current_page=page, per_page=per_page, total=total)

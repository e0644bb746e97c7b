"""``page`` / ``perPage`` pagination with the reference's ``meta`` block."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import IntegerField, QuerySet
from django.db.models.expressions import RawSQL
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


def _total_expression(queryset: QuerySet) -> RawSQL:
    """SQL for the number of rows ``queryset`` matches, as a scalar subquery."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return RawSQL(
        f"SELECT COUNT(*) FROM ({sql}) page_rows", params, output_field=IntegerField()
    )


def paginate(
    queryset, *, page: int, per_page: int, total_inline: bool = False, count=None
) -> Page:
    """Slice a queryset (or list) into one page; a page past the end is empty, not an error.

    ``total_inline`` (a queryset of model rows without aggregates) counts in the page's own
    query, as an uncorrelated subquery the database evaluates once: one round trip instead
    of two. A page that comes back empty (past the end) is counted on its own.
    ``count(queryset)``, when given, answers the total instead (a cached count)."""
    offset = (page - 1) * per_page
    if (
        total_inline
        and isinstance(queryset, QuerySet)
        and not queryset.query.is_empty()
    ):
        counted = queryset.annotate(page_total=_total_expression(queryset))
        items = list(counted[offset : offset + per_page])
        if items:
            return Page(
                items=items,
                current_page=page,
                per_page=per_page,
                total=items[0].page_total,
            )
    total = (
        count(queryset)
        if count is not None
        else queryset.count()
        if hasattr(queryset, "count") and not isinstance(queryset, list)
        else len(queryset)
    )
    items = list(queryset[offset : offset + per_page]) if offset < total else []
    return Page(items=items, current_page=page, per_page=per_page, total=total)

"""Slugs of products and categories: generated from the name and unique per store."""

from __future__ import annotations

import itertools

from django.db.models import Q
from django.utils.text import slugify

from core.exceptions import field_error

SLUG_MAX = 200


def _slug_base(name: str, fallback: str) -> str:
    base = slugify(name).replace("_", "-").strip("-")
    while "--" in base:
        base = base.replace("--", "-")
    return base[: SLUG_MAX - 8].strip("-") or fallback


def unique_slug(
    *, model, store, name: str, fallback: str, exclude_pk: str | None = None
) -> str:
    """A slug from ``name`` free in ``store``: ``candle``, then ``candle-2``, ``candle-3``..."""
    base = _slug_base(name, fallback)
    taken_qs = model.objects.filter(store=store).filter(
        Q(slug=base) | Q(slug__startswith=f"{base}-")
    )
    if exclude_pk:
        taken_qs = taken_qs.exclude(pk=exclude_pk)
    taken = set(taken_qs.values_list("slug", flat=True))
    if base not in taken:
        return base
    for n in itertools.count(2):
        candidate = f"{base}-{n}"
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")


def _check_slug_free(*, model, store, slug: str, exclude_pk: str | None = None) -> None:
    queryset = model.objects.filter(store=store, slug=slug)
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    if queryset.exists():
        raise field_error(
            "slug",
            f"The slug {slug!r} is already used by another {model._meta.verbose_name}.",
        )

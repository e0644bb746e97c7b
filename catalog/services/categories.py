"""Categories: a tree per store."""

from __future__ import annotations

from django.db import transaction

from core.exceptions import Conflict, field_error

from ..models import Category
from .slugs import _check_slug_free, unique_slug

CATEGORY_FIELDS = (
    "name",
    "slug",
    "description",
    "meta_title",
    "meta_description",
    "published",
    "sort_order",
    "translations",
    "image",  # the dashboard's upload (a file, or "" to remove it); not on the API
)


def category_parent_check(
    *, category: Category, parent_id: str | None
) -> Category | None:
    if not parent_id:
        return None
    parent = Category.objects.filter(store=category.store, pk=parent_id).first()
    if parent is None:
        raise field_error("parent_id", "Unknown parent category.")
    node, seen = parent, set()
    while node is not None:
        if node.pk == category.pk:
            raise field_error(
                "parent_id",
                "A category cannot be placed under itself or its own children.",
            )
        if node.pk in seen:
            break
        seen.add(node.pk)
        node = node.parent
    return parent


@transaction.atomic
def category_create(*, store, data: dict) -> Category:
    category = Category(store=store)
    for key in CATEGORY_FIELDS:
        if key in data:
            setattr(category, key, data[key])
    if data.get("slug"):
        _check_slug_free(model=Category, store=store, slug=category.slug)
    else:
        category.slug = unique_slug(
            model=Category, store=store, name=category.name, fallback="category"
        )
    category.parent = category_parent_check(
        category=category, parent_id=data.get("parent_id")
    )
    category.full_clean(validate_unique=False, validate_constraints=False)
    category.save()
    return category


@transaction.atomic
def category_update(*, category: Category, data: dict) -> Category:
    if "parent_id" in data:
        # Serialise tree changes of the store so two moves cannot build a cycle together.
        list(
            Category.objects.select_for_update()
            .filter(store=category.store)
            .order_by("pk")
            .values_list("pk")
        )
        category.refresh_from_db()
    for key in CATEGORY_FIELDS:
        if key in data:
            setattr(category, key, data[key])
    if "slug" in data:
        _check_slug_free(
            model=Category,
            store=category.store,
            slug=category.slug,
            exclude_pk=category.pk,
        )
    if "parent_id" in data:
        category.parent = category_parent_check(
            category=category, parent_id=data["parent_id"]
        )
    category.full_clean(validate_unique=False, validate_constraints=False)
    category.save()
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Delete a category (products lose it); one with children is a 409."""
    if Category.objects.filter(parent=category).exists():
        raise Conflict(
            "This category has child categories: move or delete them first.",
            code="category_has_children",
        )
    category.delete()

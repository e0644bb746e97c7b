"""Query filters of the product lists (public and private) and the review list
(django-filter FilterSets).

Named as the query parameters (camelCase), so errors and the schema name them so.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, Subquery

from core.api.filters import CharFilter, ChoiceFilter, DateTimeFilter

from . import selectors
from .models import Product, Review, Variant


class ProductFilter(django_filters.FilterSet):
    """Filters ``selectors.product_list``'s unfiltered private list (ordered, with its
    output data); a search re-orders it by relevance, ``sort`` by the named order."""

    status = ChoiceFilter(field_name="status", choices=Product.Status.choices)
    category = CharFilter(
        method="filter_category", max_length=200, help_text="Category slug or id."
    )
    updatedAfter = DateTimeFilter(
        method="filter_updated_after",
        help_text="Products changed (or whose stock changed) at or after this time.",
    )
    # After the filters above: a ranked search ranks a bounded set of their matches.
    q = CharFilter(method="filter_q", max_length=200, help_text="Free-text search.")
    sort = ChoiceFilter(
        method="filter_sort",
        choices=[(name, name) for name in selectors.PRIVATE_SORTS],
    )

    class Meta:
        model = Product
        fields = []

    def filter_q(self, queryset, name, value):
        # Ranked by relevance unless an explicit sort orders the matches.
        ranked = not self.form.cleaned_data.get("sort")
        found = selectors.product_search(queryset, value, ranked=ranked)
        return selectors.product_order(found, sort=None)

    def filter_updated_after(self, queryset, name, value):
        # Stock changes touch variants only, so a sync also sees products whose stock moved.
        changed_variants = Variant.objects.filter(updated_at__gte=value)
        return queryset.filter(
            Q(updated_at__gte=value)
            | Q(pk__in=Subquery(changed_variants.values("product_id")))
        )

    def filter_category(self, queryset, name, value):
        return selectors.products_in_category(
            queryset, store=self.request.store, ref=value, published_only=False
        )

    def filter_sort(self, queryset, name, value):
        return selectors.product_order(queryset, sort=value)


class PublicProductFilter(django_filters.FilterSet):
    """Filters ``selectors.product_list``'s published list (ordered, with its output data)
    for a publishable key: a search also reads the translations of the visitor's content
    locale (``request.content_locale``) and re-orders by relevance unless ``sort`` names an
    order."""

    category = CharFilter(
        method="filter_category",
        max_length=200,
        help_text="Category slug or id (descendants included).",
    )
    q = CharFilter(
        method="filter_q",
        max_length=200,
        help_text="Free-text search across name and description (and their "
        "translations in the content locale).",
    )
    sort = ChoiceFilter(
        method="filter_sort",
        choices=[(name, name) for name in selectors.PUBLIC_SORTS],
        help_text="Defaults to sortOrder.",
    )

    class Meta:
        model = Product
        fields = []

    def filter_category(self, queryset, name, value):
        return selectors.products_in_category(
            queryset, store=self.request.store, ref=value, published_only=True
        )

    def filter_q(self, queryset, name, value):
        store, locale = (
            self.request.store,
            getattr(self.request, "content_locale", None),
        )
        found = selectors.product_search(
            queryset,
            value,
            ranked=not self.form.cleaned_data.get("sort"),
            locale=locale if locale != store.locale else None,
        )
        return selectors.product_order(found, sort=None)

    def filter_sort(self, queryset, name, value):
        return selectors.product_order(
            queryset, sort=value, sorts=selectors.PUBLIC_SORTS
        )


class ReviewFilter(django_filters.FilterSet):
    status = ChoiceFilter(field_name="status", choices=Review.Status.choices)
    productId = CharFilter(field_name="product_id", max_length=40)

    class Meta:
        model = Review
        fields = []

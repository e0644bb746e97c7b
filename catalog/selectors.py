"""Catalog reads.

Product reads fetch everything the API shape needs in a fixed number of queries: the page of
products (with review aggregates and the current price annotated), then one prefetch each for
variants, their option values, options, option values, media and categories.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    FloatField,
    JSONField,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from core.exceptions import NotFound
from core.ids import has_prefix
from core.locales import text_search_config

from . import bundles
from .models import (
    Category,
    Media,
    Product,
    ProductOption,
    ProductOptionValue,
    Review,
    Variant,
)

PUBLIC_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "price": ("current_price", "sort_order", "name", "id"),
    "-price": ("-current_price", "sort_order", "name", "id"),
    "createdAt": ("created_at", "id"),
    "-createdAt": ("-created_at", "-id"),
}
PRIVATE_SORTS = {
    **PUBLIC_SORTS,
    "updatedAt": ("updated_at", "id"),
    "-updatedAt": ("-updated_at", "-id"),
}
DEFAULT_ORDER = ("sort_order", "name", "id")
#: Chunk of products rendered at a time by the ad feeds.
FEED_CHUNK_SIZE = 500

_SEARCH_TOKEN = re.compile(r"\w+", re.UNICODE)
#: At most this many matches of a search are ranked by relevance (``product_search``).
SEARCH_CANDIDATES = 1000


# -- products ---------------------------------------------------------------------------


#: The product columns search reads, and translates.
SEARCH_FIELDS = ("name", "summary", "description")
#: Locales whose translated vector has a GIN index (``catalog/migrations/0006``); search in
#: another locale scans the store's rows for the translated part.
INDEXED_SEARCH_LOCALES = ("fr", "de", "es", "it")


def product_search_vector():
    """The full-text vector over name, summary and description ('simple' config: no stemming,
    works for every store language). ``catalog/migrations/0002`` indexes this exact expression."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector(*SEARCH_FIELDS, config="simple")


def product_translated_search_vector(locale: str):
    """The full-text vector over the ``locale`` translations of name, summary and
    description, with the language's text-search configuration (``french``, ``german``, ...;
    ``simple`` for a language PostgreSQL does not stem). ``catalog/migrations/0006`` indexes
    this exact expression for :data:`INDEXED_SEARCH_LOCALES`."""
    from django.contrib.postgres.search import SearchVector
    from django.db.models.fields.json import KT

    return SearchVector(
        *(KT(f"translations__{locale}__{field}") for field in SEARCH_FIELDS),
        config=text_search_config(locale),
    )


def product_search(
    queryset: QuerySet, q: str, *, ranked: bool = True, locale: str | None = None
) -> QuerySet:
    """Every word of ``q`` must match (as a prefix on PostgreSQL, a substring elsewhere),
    in the default text or, with ``locale``, in that locale's translations.

    On PostgreSQL, ``ranked`` adds ``search_rank`` for ordering by relevance. Ranking reads
    every row it ranks, so it ranks a bounded candidate set: the first
    :data:`SEARCH_CANDIDATES` matches the full-text index finds (every match, in a
    catalogue where fewer match); the rest of the matches are left out of a ranked result.
    Without ``ranked`` (an explicit sort) every match is kept and nothing is ranked.
    The translated text is searched with the locale's language configuration (stemmed:
    "bougies" finds "Bougie parfumée")."""
    tokens = _SEARCH_TOKEN.findall(q)[:10]
    if not tokens:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        # Tokens are \w+ only, so the raw tsquery cannot be malformed.
        raw = " & ".join(f"{t}:*" for t in tokens)
        query = SearchQuery(raw, search_type="raw", config="simple")
        vectors = {"search": product_search_vector()}
        condition = Q(search=query)
        translated_query = None
        if locale:
            translated_query = SearchQuery(
                raw, search_type="raw", config=text_search_config(locale)
            )
            vectors["search_translated"] = product_translated_search_vector(locale)
            condition |= Q(search_translated=translated_query)
        matches = queryset.annotate(**vectors).filter(condition)
        if not ranked:
            return matches
        candidates = matches.values("pk")[:SEARCH_CANDIDATES]
        rank = SearchRank(product_search_vector(), query)
        if translated_query is not None:
            rank = rank + SearchRank(
                product_translated_search_vector(locale), translated_query
            )
        return queryset.filter(pk__in=Subquery(candidates)).annotate(search_rank=rank)
    for token in tokens:
        condition = Q()
        for field in SEARCH_FIELDS:
            condition |= Q(**{f"{field}__icontains": token})
            if locale:
                key = f"translations__{locale}__{field}__icontains"
                condition |= Q(**{key: token})
        queryset = queryset.filter(condition)
    return queryset


def current_price_expression(at: datetime | None = None):
    """SQL for :meth:`Product.current_price_amount`: the sale price while the sale runs."""
    at = at or timezone.now()
    on_sale = (
        Q(sale_price_amount__isnull=False, sale_price_amount__lt=F("price_amount"))
        & (Q(sale_starts_at__isnull=True) | Q(sale_starts_at__lte=at))
        & (Q(sale_ends_at__isnull=True) | Q(sale_ends_at__gt=at))
    )
    return Case(When(on_sale, then=F("sale_price_amount")), default=F("price_amount"))


def product_prefetches() -> list:
    """What the product serializers read; ``variant.product`` is set by Django's prefetch."""
    return [
        Prefetch(
            "variants",
            queryset=Variant.objects.order_by(
                "position", "created_at", "id"
            ).prefetch_related(
                Prefetch(
                    "option_values",
                    queryset=ProductOptionValue.objects.select_related(
                        "option"
                    ).order_by("option__position", "position"),
                )
            ),
        ),
        Prefetch(
            "options",
            queryset=ProductOption.objects.order_by(
                "position", "created_at"
            ).prefetch_related(
                Prefetch(
                    "values",
                    queryset=ProductOptionValue.objects.order_by(
                        "position", "created_at"
                    ),
                )
            ),
        ),
        Prefetch(
            "media", queryset=Media.objects.order_by("position", "created_at", "id")
        ),
        Prefetch(
            "categories", queryset=Category.objects.order_by("sort_order", "name")
        ),
    ]


def _with_output_data(
    queryset: QuerySet, mode: str, relations: bool = True
) -> QuerySet:
    """The current price annotated and, with ``relations``, the serializers' prefetches
    (without: the caller loads them with :func:`products_read_load`)."""
    queryset = queryset.annotate(current_price=current_price_expression())
    return queryset.prefetch_related(*product_prefetches()) if relations else queryset


def category_descendant_ids(*, store, category: Category) -> list[str]:
    """``category`` and every category below it."""
    children: dict[str | None, list[str]] = {}
    for pk, parent_id in Category.objects.filter(store=store).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    found, stack = [], [category.pk]
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


@dataclass(frozen=True)
class ProductFilters:
    category: str | None = None
    q: str | None = None
    sort: str | None = None
    #: The locale whose translations ``q`` also searches (the public content locale).
    locale: str | None = None


def product_list(
    *,
    store,
    filters: ProductFilters,
    published_only: bool,
    mode: str = "live",
    relations: bool = True,
) -> QuerySet:
    """Products of ``store`` for the list endpoints, ordered, ready to paginate (review
    counts and ratings as a key of ``mode`` sees them); ``relations=False`` leaves out the
    prefetches (for :func:`products_read_load`). The private list filters the unfiltered list
    further with ``catalog.filters.ProductFilter``."""
    queryset = Product.objects.filter(store=store)
    if published_only:
        queryset = queryset.filter(status=Product.Status.PUBLISHED)
    if filters.category:
        queryset = products_in_category(
            queryset, store=store, ref=filters.category, published_only=published_only
        )
    if filters.q:
        queryset = product_search(
            queryset, filters.q, ranked=not filters.sort, locale=filters.locale
        )
    queryset = _with_output_data(queryset, mode, relations)
    return product_order(
        queryset,
        sort=filters.sort,
        sorts=PUBLIC_SORTS if published_only else PRIVATE_SORTS,
    )


def products_in_category(
    queryset: QuerySet, *, store, ref: str, published_only: bool
) -> QuerySet:
    """The products of ``queryset`` in the category ``ref`` (id or slug) or below it;
    none when the store has no such category (or, ``published_only``, no such published
    one)."""
    category = _category_by_ref(store=store, ref=ref, published_only=published_only)
    if category is None:
        return queryset.none()
    ids = category_descendant_ids(store=store, category=category)
    through = Product.categories.through.objects.filter(category_id__in=ids)
    return queryset.filter(pk__in=Subquery(through.values("product_id")))


def product_order(
    queryset: QuerySet, *, sort: str | None, sorts: dict = PRIVATE_SORTS
) -> QuerySet:
    """``queryset`` in the order ``sort`` names (a key of ``sorts``); without one, by
    relevance when a search ranked it, else in the catalogue's order."""
    if sort:
        order = sorts[sort]
    elif "search_rank" in queryset.query.annotations:
        order = ("-search_rank", *DEFAULT_ORDER)
    else:
        order = DEFAULT_ORDER
    return queryset.order_by(*order)


def _lookup(ref: str, prefix: str) -> dict:
    return {"pk": ref} if has_prefix(ref, prefix) else {"slug": ref}


def product_get(
    *,
    store,
    ref: str,
    published_only: bool,
    mode: str = "live",
    relations: bool = True,
) -> Product:
    """One product of ``store`` by id or slug with everything its API shape needs
    (``relations=False``: the row only, for :func:`products_read_load`)."""
    queryset = Product.objects.filter(store=store, **_lookup(ref, "prod"))
    if published_only:
        queryset = queryset.filter(status=Product.Status.PUBLISHED)
    if relations:
        product = _with_output_data(queryset, mode).first()
    else:
        # The row alone: no annotation (``current_price`` only sorts lists) and no ORDER
        # BY (an id or a slug finds one product of a store).
        product = next(iter(queryset.order_by()[:1]), None)
    if product is None:
        raise NotFound("Product not found.")
    return product


def products_for_output(*, store, ids: list[str], mode: str = "live") -> list[Product]:
    """Products of ``store`` by id, in the order of ``ids``, with everything their API
    shape needs (as :func:`product_get` reads one)."""
    found = {
        p.pk: p
        for p in _with_output_data(
            Product.objects.filter(store=store, pk__in=ids), mode
        )
    }
    return [found[pk] for pk in ids if pk in found]


@dataclass
class ProductReadOut:
    """A product with everything its public API shape reads, loaded for a page at once
    (:func:`products_read_load`); the input of :mod:`catalog.flat`."""

    product: Product
    #: In display order, each with ``variant.product`` set.
    variants: list[Variant]
    #: ``{variant id: [option value, ...]}``, each value with its ``option`` set.
    variant_values: dict[str, list[ProductOptionValue]]
    #: ``[(option, [its values in order])]`` in option order.
    options: list[tuple[ProductOption, list[ProductOptionValue]]]
    media: list[Media]
    #: In display order (``sort_order``, ``name``), unpublished ones included.
    categories: list[Category]


#: The columns of :func:`_media_and_categories`' rows, media's and categories' side by side.
_ATTACHED_COLUMNS = (
    *("kind", "owner_id", "row_id", "text", "label", "flag", "ratio", "texts"),
    *("sort", "created", "tiebreak"),
)


def _media_and_categories(
    ids: list[str],
) -> tuple[dict[str, list[Media]], dict[str, list[Category]]]:
    """The media and the categories of the products ``ids``, each in display order, in one
    query: the two short lists side by side in a ``UNION ALL``, ordered by ``sort``,
    ``created``, ``tiebreak``: media by position, creation and id, categories by sort
    order and name (as the database collates them)."""
    media_rows = Media.objects.filter(product_id__in=ids).annotate(
        kind=Value("media", output_field=CharField()),
        owner_id=F("product_id"),
        row_id=F("id"),
        text=F("file"),
        label=F("alt"),
        flag=F("is_video"),
        ratio=F("aspect_ratio"),
        texts=Value(None, output_field=JSONField()),
        sort=F("position"),
        created=F("created_at"),
        tiebreak=F("id"),
    )
    category_rows = Product.categories.through.objects.filter(
        product_id__in=ids
    ).annotate(
        kind=Value("category", output_field=CharField()),
        owner_id=F("product_id"),
        row_id=F("category_id"),
        text=F("category__name"),
        label=F("category__slug"),
        flag=F("category__published"),
        ratio=Value(None, output_field=FloatField()),
        texts=F("category__translations"),
        sort=F("category__sort_order"),
        created=Value(None, output_field=DateTimeField()),
        tiebreak=F("category__name"),
    )
    rows = (
        media_rows.order_by()
        .values_list(*_ATTACHED_COLUMNS)
        .union(category_rows.order_by().values_list(*_ATTACHED_COLUMNS), all=True)
        .order_by("sort", "created", "tiebreak")
    )
    media: dict[str, list[Media]] = {pk: [] for pk in ids}
    categories: dict[str, list[Category]] = {pk: [] for pk in ids}
    for kind, owner, pk, text, label, flag, ratio, texts, sort, created, _ in rows:
        if kind == "media":
            media[owner].append(
                Media(
                    id=pk,
                    product_id=owner,
                    file=text,
                    alt=label,
                    is_video=bool(flag),
                    aspect_ratio=ratio,
                    position=sort,
                    created_at=created,
                )
            )
        else:
            categories[owner].append(
                Category(
                    id=pk,
                    name=text,
                    slug=label,
                    published=bool(flag),
                    sort_order=sort,
                    translations=texts,
                )
            )
    return media, categories


def products_read_load(products: list[Product]) -> list[ProductReadOut]:
    """What the public product shape reads for ``products``, in three queries whatever
    their number: variants with the ids of their option values (one row per link), options
    with their values (one row per value), media and categories together (two more with
    bundles: their component rows). The products come without prefetches (``product_list(...,
    relations=False)``)."""
    ids = [p.pk for p in products]
    if not ids:
        return []
    by_id = {p.pk: p for p in products}
    options: dict[str, list[tuple[ProductOption, list[ProductOptionValue]]]] = {
        pk: [] for pk in ids
    }
    values: dict[str, ProductOptionValue] = {}
    current = None
    # LEFT JOIN: an option without values still shows.
    for option in (
        ProductOption.objects.filter(product_id__in=ids)
        .annotate(
            value_id=F("values__id"),
            value_value=F("values__value"),
            value_position=F("values__position"),
            value_translations=F("values__translations"),
            value_created_at=F("values__created_at"),
        )
        .order_by("position", "created_at", "id", "value_position", "value_created_at")
    ):
        if current is None or current[0].pk != option.pk:
            current = (option, [])
            options[option.product_id].append(current)
        if option.value_id is not None:
            value = ProductOptionValue(
                id=option.value_id,
                option=current[0],
                value=option.value_value,
                position=option.value_position,
                translations=option.value_translations,
                created_at=option.value_created_at,
            )
            values[value.pk] = value
            current[1].append(value)
    variants: dict[str, list[Variant]] = {pk: [] for pk in ids}
    variant_values: dict[str, list[ProductOptionValue]] = {}
    last = None
    for variant in (
        Variant.objects.filter(product_id__in=ids)
        .annotate(value_id=F("option_values__id"))
        .order_by("position", "created_at", "id")
    ):
        if last is None or last.pk != variant.pk:
            last = variant
            variant.product = by_id[variant.product_id]
            variants[variant.product_id].append(variant)
            variant_values[variant.pk] = []
        if variant.value_id in values:
            variant_values[last.pk].append(values[variant.value_id])
    for linked in variant_values.values():
        linked.sort(key=lambda v: (v.option.position, v.position))
    media, categories = _media_and_categories(ids)
    wanted = [p for p in products if p.product_type == Product.ProductType.BUNDLE]
    if wanted:
        rows = bundles.bundle_rows_load(p.pk for p in wanted)
        for product in wanted:
            product._bundle_rows = rows.get(product.pk, [])
            for variant in variants[product.pk]:
                variant._bundle_rows = product._bundle_rows
    return [
        ProductReadOut(
            product=p,
            variants=variants[p.pk],
            variant_values=variant_values,
            options=options[p.pk],
            media=media[p.pk],
            categories=categories[p.pk],
        )
        for p in products
    ]


def product_lookup(*, store, ref: str, published_only: bool = False) -> Product:
    """A product of ``store`` by id or slug, without related data (for writes, which lock the
    row themselves, and for reads of its reviews)."""
    queryset = Product.objects.filter(
        store=store, **_lookup(ref, "prod")
    ).select_related("store")
    if published_only:
        queryset = queryset.filter(status=Product.Status.PUBLISHED)
    product = queryset.first()
    if product is None:
        raise NotFound("Product not found.")
    return product


def product_get_purchasable(*, store, ref: str) -> Product:
    """A published product of ``store`` by id or slug; anything else is a 404.

    Its variants come prefetched with their option values (and ``variant.product`` set)."""
    product = (
        Product.objects.filter(
            store=store, status=Product.Status.PUBLISHED, **_lookup(ref, "prod")
        )
        .prefetch_related(product_prefetches()[0])
        .first()
    )
    if product is None:
        raise NotFound("Product not found.")
    return product


@dataclass
class FeedEntry:
    """A product with what a feed item needs, fetched for a whole chunk at once."""

    product: Product
    variants: list[Variant]
    #: ``{variant id: [(option name, value), ...]}`` in option order.
    option_values: dict[str, list[tuple[str, str]]]
    #: ``[(storage path, is_video)]`` in display order.
    media: list[tuple[str, bool]]
    category: str | None


def _feed_chunk(products: list[Product]) -> list[FeedEntry]:
    ids = [p.pk for p in products]
    by_id = {p.pk: p for p in products}
    variants: dict[str, list[Variant]] = {pk: [] for pk in ids}
    for variant in Variant.objects.filter(product_id__in=ids).order_by(
        "position", "created_at", "id"
    ):
        variant.product = by_id[variant.product_id]
        variants[variant.product_id].append(variant)
    # A bundle is in stock when its components are (two more queries, only with bundles).
    bundles.variants_attach(v for vs in variants.values() for v in vs)
    option_values: dict[str, list[tuple[str, str]]] = {}
    rows = (
        Variant.option_values.through.objects.filter(variant__product_id__in=ids)
        .order_by(
            "productoptionvalue__option__position", "productoptionvalue__position"
        )
        .values_list(
            "variant_id",
            "productoptionvalue__option__name",
            "productoptionvalue__value",
        )
    )
    for variant_id, name, value in rows:
        option_values.setdefault(variant_id, []).append((name, value))
    media: dict[str, list[tuple[str, bool]]] = {}
    for product_id, path, is_video in (
        Media.objects.filter(product_id__in=ids)
        .order_by("position", "created_at", "id")
        .values_list("product_id", "file", "is_video")
    ):
        media.setdefault(product_id, []).append((path, is_video))
    categories: dict[str, str] = {}
    for product_id, name in (
        Product.categories.through.objects.filter(product_id__in=ids)
        .order_by("-category__sort_order", "-category__name")
        .values_list("product_id", "category__name")
    ):
        categories[product_id] = (
            name  # the last one written is the first in display order
        )
    return [
        FeedEntry(
            p, variants[p.pk], option_values, media.get(p.pk, []), categories.get(p.pk)
        )
        for p in products
    ]


def product_feed_iterator(*, store):
    """Published products of ``store`` as :class:`FeedEntry`, read ``FEED_CHUNK_SIZE`` at a
    time (four more queries per chunk), so a feed never holds the whole catalogue in memory."""
    queryset = Product.objects.filter(
        store=store, status=Product.Status.PUBLISHED
    ).order_by(*DEFAULT_ORDER)
    rows = queryset.iterator(chunk_size=FEED_CHUNK_SIZE)
    while chunk := list(islice(rows, FEED_CHUNK_SIZE)):
        yield from _feed_chunk(chunk)


# -- categories -------------------------------------------------------------------------


def _category_by_ref(*, store, ref: str, published_only: bool) -> Category | None:
    queryset = Category.objects.filter(store=store, **_lookup(ref, "cat"))
    if published_only:
        queryset = queryset.filter(published=True)
    return queryset.first()


def category_get(*, store, ref: str, published_only: bool) -> Category:
    category = _category_by_ref(store=store, ref=ref, published_only=published_only)
    if category is None:
        raise NotFound("Category not found.")
    category_counts_attach(store=store, categories=[category])
    return category


def category_counts_attach(*, store, categories) -> None:
    """Set ``product_count`` on each category: distinct published products in it or in any
    category below it. Two queries whatever the number of categories."""
    categories = list(categories)
    if not categories:
        return
    children: dict[str | None, list[str]] = {}
    for pk, parent_id in Category.objects.filter(store=store).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    members: dict[str, set[str]] = {}
    pairs = Product.categories.through.objects.filter(
        category__store=store, product__status=Product.Status.PUBLISHED
    ).values_list("category_id", "product_id")
    for category_id, product_id in pairs:
        members.setdefault(category_id, set()).add(product_id)
    for category in categories:
        seen, stack, products = set(), [category.pk], set()
        while stack:
            pk = stack.pop()
            if pk in seen:
                continue
            seen.add(pk)
            products |= members.get(pk, set())
            stack.extend(children.get(pk, []))
        category.product_count = len(products)


def category_tree(*, store, published_only: bool) -> list[Category]:
    """Root categories with ``tree_children`` set recursively. A category under an unpublished
    parent is hidden with it on the public surface."""
    queryset = Category.objects.filter(store=store).order_by("sort_order", "name", "id")
    if published_only:
        queryset = queryset.filter(published=True)
    categories = list(queryset)
    category_counts_attach(store=store, categories=categories)
    by_parent: dict[str | None, list[Category]] = {}
    for category in categories:
        category.tree_children = []
        by_parent.setdefault(category.parent_id, []).append(category)
    for category in categories:
        category.tree_children = by_parent.get(category.pk, [])
    return by_parent.get(None, [])


def category_list(*, store) -> QuerySet:
    return Category.objects.filter(store=store).order_by("sort_order", "name", "id")


def category_lookup(*, store, ref: str) -> Category:
    category = (
        Category.objects.filter(store=store, **_lookup(ref, "cat"))
        .select_related("store")
        .first()
    )
    if category is None:
        raise NotFound("Category not found.")
    return category


# -- reviews ----------------------------------------------------------------------------


def review_list_approved(*, product: Product, mode: str = "live") -> QuerySet:
    """The approved reviews a key of ``mode`` shows (test mode: live and test ones)."""
    return Review.objects.filter(
        Review.shown_in(mode), product=product, status=Review.Status.APPROVED
    ).order_by("-created_at", "-id")


def review_stats(*, product: Product, mode: str = "live") -> dict:
    """``{"average_rating": 4.7 | None, "rating_count": 42}`` over approved reviews."""
    stats = review_list_approved(product=product, mode=mode).aggregate(
        avg=Avg("rating"), n=Count("pk")
    )
    average = round(float(stats["avg"]), 1) if stats["avg"] is not None else None
    return {"average_rating": average, "rating_count": stats["n"]}


def review_list(*, store, mode: str) -> QuerySet:
    """The reviews posted with keys of ``mode`` (what that mode's key moderates), newest
    first (``catalog.filters.ReviewFilter`` filters them)."""
    return (
        Review.objects.filter(store=store, mode=mode)
        .select_related("product")
        .order_by("-created_at", "-id")
    )


def review_get(*, store, mode: str, review_id: str) -> Review:
    review = (
        Review.objects.filter(store=store, mode=mode, pk=review_id)
        .select_related("product")
        .first()
    )
    if review is None:
        raise NotFound("Review not found.")
    return review

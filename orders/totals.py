"""The private order list's total, kept in the shared cache (issue 14).

Counting a store's placed orders is the list's dearest part once a store holds hundreds of
thousands (an index-only scan over all of them for every page), while the page itself is
one index range. So the total of a list is cached per store, mode and filters, with the
store's **orders version**: a token every write of a placed order replaces when its
transaction commits (:func:`orders_version_bump`, from ``post_save`` of an order and from the
one ``UPDATE`` that turns an order back into a cart). A cached total is used only while the
version it was counted at is current, so it is always the exact count.

Only filters that such writes keep up to date are cached: none, ``status``, and the creation
dates (immutable). ``q`` (order numbers are assigned by ``UPDATE``, emails change) and
``customerId`` (a deleted customer is unlinked by ``UPDATE``) are counted every time.
Orders of type order are never deleted except with their store. When the cache is
unreachable the list counts, as before.
"""

from __future__ import annotations

import hashlib
import logging
import uuid

from django.core.cache import cache
from django.db import transaction

from .models import Order

logger = logging.getLogger(__name__)

#: Filters whose totals are cached (see the module docstring), as named on the wire.
CACHED_FILTERS = frozenset({"status", "createdAfter", "createdBefore"})
#: Seconds a total is kept (a write retires it sooner).
TOTAL_TTL = 3600


def _version_key(store_id: str, mode: str) -> str:
    return f"orders-version:{store_id}:{mode}"


def orders_version_bump(store_id: str, mode: str) -> None:
    """Retire the cached totals of the store's ``mode`` orders once the current
    transaction commits (a reader that counted before the commit stored its total under the
    version this replaces)."""

    def bump():
        try:
            cache.set(_version_key(store_id, mode), uuid.uuid4().hex, timeout=None)
        except Exception:  # a cache outage must not fail the write
            logger.warning("orders version of %s not bumped", store_id, exc_info=True)

    transaction.on_commit(bump)


def order_saved(sender, instance: Order, **kwargs) -> None:
    """``post_save`` of an order: a placed order changed, or a cart became one."""
    if instance.type == Order.Type.ORDER:
        orders_version_bump(instance.store_id, instance.mode)


def _total_key(store_id: str, mode: str, filters: dict) -> str:
    parts = [store_id, mode] + [
        f"{name}={filters[name]!r}" for name in sorted(filters) if filters[name]
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"orders-total:{digest}"


def order_list_total(queryset, *, store, mode: str, filters: dict) -> int:
    """``queryset.count()``, from the cache when it was counted at the current orders
    version (one cache round trip: the version and the total read together)."""
    if any(value for name, value in filters.items() if name not in CACHED_FILTERS):
        return queryset.count()
    version_key = _version_key(store.pk, mode)
    key = _total_key(store.pk, mode, filters)
    try:
        found = cache.get_many([version_key, key])
        version = found.get(version_key)
        if version is None:
            cache.add(version_key, uuid.uuid4().hex, timeout=None)
            version = cache.get(version_key)
        hit = found.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
    except Exception:
        logger.warning("order totals cache unreachable", exc_info=True)
        return queryset.count()
    total = queryset.count()
    try:
        cache.set(key, (version, total), timeout=TOTAL_TTL)
    except Exception:
        logger.warning("order total not cached", exc_info=True)
    return total

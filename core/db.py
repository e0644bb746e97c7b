"""Read replicas: which reads may leave the primary, and the router that sends them.

Nothing reads from a replica unless its code says so. A view handler or selector that may
see data a little old (the public catalogue, reports) is marked with :func:`use_replica`;
everything else, and every write, goes to the primary (``default``). Inside a marked block
a read still goes to the primary when

- it runs inside a transaction (an ``atomic`` block on the primary): it may be about to
  write what it read, and must see the rows it locks;
- the block has already written (read-your-writes: a cart right after adding to it, an
  order right after checkout): the replica may not have the write yet.

A lazy queryset is evaluated where it is iterated, perhaps outside any block (a streamed
report); mark it itself with ``queryset.using(replica_alias())``.

``DATABASE_REPLICA_URLS`` (settings) creates the aliases ``replica_1``, ``replica_2``, ...;
with none, every read goes to the primary and this module changes nothing.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_ALIAS_PREFIX = "replica_"


@dataclass
class _Scope:
    """One marked block: whether it has written (and so reads the primary from now on)."""

    wrote: bool = False


_scope: ContextVar[_Scope | None] = ContextVar("replica_scope", default=None)


def replica_aliases() -> list[str]:
    """The configured replica aliases (``replica_1``, ...), in order."""
    return [
        alias for alias in settings.DATABASES if alias.startswith(REPLICA_ALIAS_PREFIX)
    ]


def replica_alias() -> str:
    """The alias for a read marked as replica-safe, now: a replica, or the primary when
    there is none, inside a transaction, or after a write in the same marked block.

    ``queryset.using(replica_alias())`` marks one lazy queryset (a streamed report)."""
    replicas = replica_aliases()
    scope = _scope.get()
    if (
        not replicas
        or (scope is not None and scope.wrote)
        or connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return DEFAULT_DB_ALIAS
    # Random, not round robin: each web process picks on its own, which spreads as evenly.
    return random.choice(replicas)


@contextmanager
def _replica_block() -> Iterator[None]:
    if _scope.get() is not None:
        # Nested (a marked selector called from a marked view): one block, so a write
        # made by the outer code still sends the inner reads to the primary.
        yield
        return
    token = _scope.set(_Scope())
    try:
        yield
    finally:
        _scope.reset(token)


def use_replica(func: Callable | None = None):
    """Mark reads that may come from a replica: a decorator or a ``with`` block.

    ``@use_replica`` on a view handler or selector; ``with use_replica():`` around a few
    lines. An outermost block starts afresh (a write made before it does not pin it); a
    nested one is part of the block around it.
    """
    if func is None:
        return _replica_block()

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _replica_block():
            return func(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Writes to the primary; reads to a replica only where :func:`use_replica` allows.

    A row read from a replica and then saved is written to the primary (Django's default
    routing would write it back where it came from, the replica).
    """

    def db_for_read(self, model, **hints):
        if _scope.get() is None:
            return DEFAULT_DB_ALIAS
        return replica_alias()

    def db_for_write(self, model, **hints):
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same data (the replicas are copies of the primary).
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica is changed by replication only; migrations run on the primary.
        return not db.startswith(REPLICA_ALIAS_PREFIX)

from __future__ import annotations

import uuid

import redis as redis_lib
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import QuerySet

from .models import ApiKey, Store, hash_key
from .storage import private_storage


def api_key_get_active(*, raw: str) -> ApiKey | None:
    """The active key matching a raw key string, with its store, or None."""
    if not raw or len(raw) > 128:
        return None
    # hashed_key is unique: no ORDER BY (the model's ordering joins and sorts by store,
    # a fifth of every request's key lookup compiling it).
    found = (
        ApiKey.objects.select_related("store")
        .filter(hashed_key=hash_key(raw), revoked_at__isnull=True)
        .order_by()[:1]
    )
    return next(iter(found), None)


def stores_for_user(*, user) -> QuerySet[Store]:
    """Stores a dashboard user may see: every store for superusers, else their memberships."""
    if not user.is_authenticated or not user.is_active:
        return Store.objects.none()
    if user.is_superuser:
        return Store.objects.all()
    return Store.objects.filter(memberships__user=user)


def store_ids_for_user(*, user) -> list[str]:
    cache_attr = "_store_ids_cache"
    if not hasattr(user, cache_attr):
        setattr(
            user,
            cache_attr,
            list(stores_for_user(user=user).values_list("id", flat=True)),
        )
    return getattr(user, cache_attr)


def system_health() -> dict[str, str]:
    """Probe each subsystem; each value is ``"ok"`` or a short description of the failure."""

    def probe(fn) -> str:
        try:
            fn()
            return "ok"
        except Exception as exc:
            return f"error: {exc.__class__.__name__}: {str(exc)[:200]}"

    def database():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def redis():
        if settings.REDIS_URL:
            client = redis_lib.Redis.from_url(
                settings.REDIS_URL,
                socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
                socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
            )
            try:
                client.ping()
            finally:
                client.close()
        key = f"health:{uuid.uuid4().hex}"
        cache.set(key, "1", 5)
        if cache.get(key) != "1":
            raise RuntimeError("cache did not return the value it stored")
        cache.delete(key)

    def queue():
        app = current_app
        if app.conf.task_always_eager:
            return
        # The broker's own socket timeout is longer (workers block on it); a probe is not.
        with app.connection_for_write(
            transport_options={"socket_timeout": settings.REDIS_SOCKET_TIMEOUT}
        ) as conn:
            conn.ensure_connection(
                max_retries=0,
                timeout=settings.REDIS_CONNECT_TIMEOUT + settings.REDIS_SOCKET_TIMEOUT,
            )

    def storage():
        # Public media and private files may be different buckets (or disks).
        for store in (default_storage, private_storage()):
            name = store.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
            store.delete(name)

    return {
        "database": probe(database),
        "redis": probe(redis),
        "queue": probe(queue),
        "storage": probe(storage),
    }

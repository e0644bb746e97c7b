"""Every write of digital downloads: product files (upload, delete), the grants of paid
orders (issue, revoke, reset) and a download (claim).

Orders tells this app what happened through ``core.events`` (``order.paid``,
``order.refunded``, ``order.cancelled``), in the transaction of the change:
:func:`order_event_heard` issues or revokes grants there, and the links email is queued
through the outbox, sent after commit.
"""

from __future__ import annotations

import mimetypes
import posixpath
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from catalog.models import Variant
from core import breakers
from core.exceptions import Forbidden, NotFound, field_error
from core.links import request_base_url, server_base_url
from core.outbox import enqueue
from core.storage import private_storage
from orders.models import Order, OrderItem

from .models import DownloadGrant, ProductFile, storage_name_for

EMAIL_TASK = "downloads.tasks.download_links_email"
FILE_PRODUCTS_CACHE_KEY = "downloads:file-products:{store}"
FILE_PRODUCTS_CACHE_SECONDS = 300
_TOKEN_SALT = "downloads.grant"


# -- product files ------------------------------------------------------------------------


def file_check(upload) -> None:
    """A 422 naming ``file`` when the upload is empty or larger than
    ``DOWNLOAD_MAX_FILE_BYTES``."""
    size = getattr(upload, "size", None)
    limit = settings.DOWNLOAD_MAX_FILE_BYTES
    if size is not None and size > limit:
        raise field_error(
            "file",
            f"The file is larger than the {limit:,} bytes allowed.",
            code="file_too_large",
        )
    if not size:
        raise field_error("file", "The file is empty.")


def file_name_of(upload) -> str:
    name = posixpath.basename((getattr(upload, "name", "") or "").replace("\\", "/"))
    return name[:255] or "download"


def product_file_add(*, product, upload, variant_id: str | None = None) -> ProductFile:
    """Store ``upload`` in the private storage as a file of ``product`` (or of one of its
    variants)."""
    file_check(upload)
    variant = None
    if variant_id:
        variant = Variant.objects.filter(product=product, pk=variant_id).first()
        if variant is None:
            raise field_error("variant_id", "This product has no such variant.")
    name = file_name_of(upload)
    record = ProductFile(
        store_id=product.store_id,
        product=product,
        variant=variant,
        filename=name,
        size=upload.size,
        content_type=(
            getattr(upload, "content_type", "")
            or mimetypes.guess_type(name)[0]
            or "application/octet-stream"
        )[:100],
    )
    record.storage_name = file_store(store_id=product.store_id, upload=upload)
    try:
        record.save()
    except Exception:
        private_storage().delete(record.storage_name)
        raise
    return record


def file_store(*, store_id: str, upload) -> str:
    """Save ``upload`` in the private storage; returns its storage name."""
    upload.seek(0)
    return private_storage().save(
        storage_name_for(store_id, file_name_of(upload)), upload
    )


def product_file_delete(*, file: ProductFile) -> None:
    """Delete the file (its stored object goes once the deletion commits; the grants that
    named it go with it)."""
    file.delete()


def file_storage_forget(sender, instance: ProductFile, **kwargs) -> None:
    """``post_delete``: remove the stored object once the row's deletion commits."""
    if instance.storage_name:
        storage_forget_later(instance.storage_name)


def storage_forget_later(name: str) -> None:
    """Delete the stored object ``name`` once the current transaction commits."""
    transaction.on_commit(lambda: private_storage().delete(name))


# -- grants -------------------------------------------------------------------------------


def grants_issue(*, order: Order, now: datetime | None = None) -> list[DownloadGrant]:
    """Give a paid order's lines their download grants (idempotent: a line keeps the
    grants it has) and queue the links email after commit when any were new.

    A few queries whatever the order's size: its lines, their products' files, the grants
    it has (only when there are files)."""
    now = now or timezone.now()
    items = [
        item
        for item in OrderItem.objects.filter(order=order, product__isnull=False)
        .only("id", "product_id", "variant_id", "quantity", "quantity_refunded")
        .order_by("created_at", "id")
        if item.quantity_refunded < item.quantity
    ]
    files = list(
        ProductFile.objects.filter(
            product_id__in={item.product_id for item in items}
        ).order_by("created_at", "id")
    )
    if not files:
        return []
    have = set(
        DownloadGrant.objects.filter(order=order).values_list("item_id", "file_id")
    )
    expires_at = now + timedelta(days=settings.DOWNLOAD_EXPIRE_DAYS)
    new = [
        DownloadGrant(
            store_id=order.store_id,
            mode=order.mode,
            order=order,
            item=item,
            file=file,
            download_limit=settings.DOWNLOAD_LIMIT,
            expires_at=expires_at,
            created_at=now,
        )
        for item in items
        for file in files
        if file.product_id == item.product_id
        and file.variant_id in (None, item.variant_id)
        and (item.pk, file.pk) not in have
    ]
    if new:
        DownloadGrant.objects.bulk_create(new, ignore_conflicts=True)
        if order.email:
            enqueue(EMAIL_TASK, order.pk)
    return new


def grants_revoke(
    *, order: Order, items: list[str] | None = None, now: datetime | None = None
) -> int:
    """Stop the order's links (only those of ``items`` when given); returns how many."""
    queryset = DownloadGrant.objects.filter(order=order, revoked_at__isnull=True)
    if items is not None:
        queryset = queryset.filter(item_id__in=items)
    return queryset.update(revoked_at=now or timezone.now())


def grants_reset(
    *, order: Order, grant_ids: list[str] | None = None, now: datetime | None = None
) -> int:
    """The merchant gives the shopper a fresh start: counts back to 0 and a new expiry
    (``DOWNLOAD_EXPIRE_DAYS`` from now). Revoked links (refunds) stay revoked. Returns how
    many links were reset."""
    now = now or timezone.now()
    queryset = DownloadGrant.objects.filter(order=order, revoked_at__isnull=True)
    if grant_ids is not None:
        queryset = queryset.filter(pk__in=grant_ids)
    return queryset.update(
        download_count=0,
        expires_at=now + timedelta(days=settings.DOWNLOAD_EXPIRE_DAYS),
        updated_at=now,
    )


def products_with_files(store_id: str) -> frozenset[str]:
    """Ids of the store's products that have files, from the cache when it has them (one
    query otherwise); a file saved or deleted forgets the entry (then, again, at commit).
    Orders without such products cost no query here: checkout's query budget holds."""
    key = FILE_PRODUCTS_CACHE_KEY.format(store=store_id)
    found = _cache_quietly(cache.get, key)
    if found is None:
        found = sorted(
            set(
                ProductFile.objects.filter(store_id=store_id).values_list(
                    "product_id", flat=True
                )
            )
        )
        _cache_quietly(cache.set, key, found, FILE_PRODUCTS_CACHE_SECONDS)
    return frozenset(found)


#: Redis down: the file list is read from the database (as on a miss) and not kept; one
#: warning a minute (core.degraded), Redis skipped for 10 s after a failure.
files_cache = breakers.CircuitBreaker("Downloads file list cache (Redis)")


def _cache_quietly(operation, *args):
    """A cache call that a Redis outage must not turn into a failed checkout or save
    (None when the cache is unreachable or being skipped)."""
    if not files_cache.allows():
        return None
    try:
        result = operation(*args)
    except breakers.cache_errors() as exc:
        files_cache.failure(exc)
        return None
    files_cache.success()
    return result


def file_products_forget(sender, instance: ProductFile, **kwargs) -> None:
    """``post_save`` / ``post_delete`` of a file: the store's cached product ids go, now and
    once the change commits (a reader in between may have cached the old list)."""
    key = FILE_PRODUCTS_CACHE_KEY.format(store=instance.store_id)
    _cache_quietly(cache.delete, key)
    transaction.on_commit(lambda: _cache_quietly(cache.delete, key))


def order_event_heard(sender, *, type: str, data: dict, store=None, **kwargs) -> None:
    """``core.events.event_published`` receiver: a paid order gets its grants, a refund
    revokes the links of the lines it refunded in full (all of them once the order is
    refunded), a cancellation revokes them all. Orders none of whose lines' products have
    files are left alone without a query (the payload's lines say which products)."""
    if type not in ("order.paid", "order.refunded", "order.cancelled"):
        return
    data = data or {}
    if store is not None:
        with_files = products_with_files(store.pk)
        if not any(
            (item or {}).get("product_id") in with_files
            for item in data.get("items") or []
        ):
            return
    order = Order.objects.filter(pk=data.get("id")).first()
    if order is None:
        return
    if type == "order.paid":
        if order.payment_status == Order.PaymentStatus.PAID:
            grants_issue(order=order)
    elif (
        type == "order.cancelled"
        or order.payment_status == Order.PaymentStatus.REFUNDED
    ):
        grants_revoke(order=order)
    else:
        refunded = OrderItem.objects.filter(
            order=order, quantity_refunded__gte=F("quantity")
        ).values_list("pk", flat=True)
        grants_revoke(order=order, items=list(refunded))


# -- links and downloads ------------------------------------------------------------------


def download_token(grant: DownloadGrant) -> str:
    """The grant id and its HMAC (``SECRET_KEY``): the same link every time it is shown;
    what it may still do is the grant's row, not the token."""
    return signing.Signer(salt=_TOKEN_SALT).sign(grant.pk)


def download_url(grant: DownloadGrant, *, request=None) -> str:
    """The absolute, signed link of ``grant`` (the storage path never shows)."""
    base = request_base_url(request) if request is not None else server_base_url()
    return base + reverse("download", kwargs={"token": download_token(grant)})


def download_claim(*, token: str, now: datetime | None = None) -> DownloadGrant:
    """Count one download of the grant ``token`` names, if it may still be downloaded.

    The count is one conditional ``UPDATE`` (not revoked, not expired, under the limit), so
    parallel requests at the limit let exactly the limit through. A bad token is a 404; a
    revoked, expired or used-up link a 403 with its own code."""
    try:
        grant_id = signing.Signer(salt=_TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        raise NotFound("No such download.") from None
    now = now or timezone.now()
    counted = DownloadGrant.objects.filter(
        pk=grant_id,
        revoked_at__isnull=True,
        expires_at__gt=now,
        download_count__lt=F("download_limit"),
    ).update(
        download_count=F("download_count") + 1, last_downloaded_at=now, updated_at=now
    )
    grant = (
        DownloadGrant.objects.select_related("file", "order")
        .filter(pk=grant_id)
        .first()
    )
    if grant is None:
        raise NotFound("No such download.")
    if counted:
        return grant
    if grant.revoked_at is not None:
        raise Forbidden(
            "This download is no longer available: the order was refunded or cancelled.",
            code="download_revoked",
        )
    if grant.expires_at <= now:
        raise Forbidden(
            "This download link has expired. Ask the store to reset your downloads.",
            code="download_expired",
        )
    raise Forbidden(
        f"This file has been downloaded {grant.download_limit} times, the most allowed. "
        "Ask the store to reset your downloads.",
        code="download_limit_reached",
    )

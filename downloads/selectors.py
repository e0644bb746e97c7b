"""Reads of digital downloads: a product's files, an order's grants and the links the
order payloads show (``orders.signals.order_downloads``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from core.exceptions import NotFound
from orders.models import Order

from .models import DownloadGrant, ProductFile
from .services import download_url


def product_files(*, product) -> QuerySet[ProductFile]:
    return ProductFile.objects.filter(product=product).order_by("created_at", "id")


def product_file_get(*, product, file_id: str) -> ProductFile:
    found = ProductFile.objects.filter(product=product, pk=file_id).first()
    if found is None:
        raise NotFound("File not found.")
    return found


def order_grants(*, order: Order) -> QuerySet[DownloadGrant]:
    return (
        DownloadGrant.objects.filter(order=order)
        .select_related("file", "item")
        .order_by("created_at", "id")
    )


def grant_available(grant: DownloadGrant, now=None) -> bool:
    now = now or timezone.now()
    return (
        grant.revoked_at is None
        and grant.expires_at > now
        and grant.download_count < grant.download_limit
    )


def order_downloads_describe(
    sender, *, order: Order, request=None, **kwargs
) -> list[dict]:
    """``orders.signals.order_downloads`` receiver: the links of a paid order, not revoked
    (``url`` is null once a link no longer works)."""
    if order.type != Order.Type.ORDER or order.payment_status not in Order.PAID_STATES:
        return []
    now = timezone.now()
    found = []
    for grant in order_grants(order=order).filter(revoked_at__isnull=True):
        available = grant_available(grant, now)
        found.append(
            {
                "id": grant.pk,
                "item_id": grant.item_id,
                "product_name": grant.item.product_name,
                "file_name": grant.file.filename,
                "size": grant.file.size,
                "url": download_url(grant, request=request) if available else None,
                "downloads_used": grant.download_count,
                "download_limit": grant.download_limit,
                "expires_at": grant.expires_at,
                "available": available,
            }
        )
    return found

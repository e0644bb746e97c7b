"""Digital downloads: the files of a product (or of one variant) and the download grants
of paid orders.

A :class:`ProductFile` lives in the private storage (``core.storage.private_storage``),
under a name the shopper never sees. A :class:`DownloadGrant` is one order line's right
to one file: ``download_count`` of ``download_limit`` used, until ``expires_at``, unless
``revoked_at`` (a refund or a cancellation).
"""

from __future__ import annotations

import posixpath

from django.db import models
from django.db.models import F, Q

from core.ids import PrefixedIdField, ulid
from core.models import Mode, StoreOwnedModel


def storage_name_for(store_id: str, filename: str) -> str:
    """``downloads/<store>/<random>/<name>``: the name is kept for the shopper's copy, the
    random folder makes the storage path unguessable."""
    name = posixpath.basename(filename.replace("\\", "/")) or "download"
    return f"downloads/{store_id}/{ulid().lower()}/{name}"


class ProductFile(StoreOwnedModel):
    id = PrefixedIdField("dfile")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="download_files"
    )
    variant = models.ForeignKey(
        "catalog.Variant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="download_files",
        help_text="Only buyers of this variant get the file (empty: every variant).",
    )
    #: The object's name in the private storage (``core.storage.private_storage()``, looked
    #: up at each use, so a change of STORAGES applies at once); never shown to shoppers.
    storage_name = models.CharField(max_length=300, editable=False)
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self):
        return self.filename


class DownloadGrant(StoreOwnedModel):
    id = PrefixedIdField("dlg")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="download_grants"
    )
    item = models.ForeignKey(
        "orders.OrderItem", on_delete=models.CASCADE, related_name="download_grants"
    )
    file = models.ForeignKey(
        ProductFile, on_delete=models.CASCADE, related_name="grants"
    )
    download_count = models.PositiveIntegerField(default=0)
    download_limit = models.PositiveIntegerField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("item", "file"), name="downloads_grant_one_per_line_file"
            ),
            models.CheckConstraint(
                condition=Q(download_count__lte=F("download_limit")),
                name="downloads_grant_count_within_limit",
            ),
        ]

    def __str__(self):
        return f"{self.file.filename} ({self.order_id})"

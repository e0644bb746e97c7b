"""Catalogue imports: the uploaded file, its progress and its report.

An :class:`Import` is one CSV file applied to one store (or only tried, ``dry_run``). Its
counters are the progress the dashboard and the API show; every product of the file leaves
one :class:`ImportLine` (created, updated, unchanged or refused, with its row numbers and
reason), which is the report. :class:`ImportedImage` remembers which URL each imported image
came from, so importing the same file again fetches nothing twice.
"""

from __future__ import annotations

from django.db import models

from core.ids import PrefixedIdField
from core.models import BaseModel, Mode, StoreOwnedModel
from core.storage import private_storage


class Import(StoreOwnedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        SHOPIFY = "shopify", "Shopify product CSV"
        NATIVE = "native", "Shoprocket product CSV"

    id = PrefixedIdField("imp")
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.LIVE)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    format = models.CharField(max_length=16, choices=Format.choices)
    dry_run = models.BooleanField(default=False)
    #: The merchant's file is private (costs, stock): never under MEDIA_URL.
    file = models.FileField(
        upload_to="imports/%Y/%m/", max_length=300, storage=private_storage
    )
    filename = models.CharField(max_length=255, blank=True, default="")
    actor = models.CharField(max_length=150, blank=True, default="")
    #: Data rows in the file (the header is row 1, so data rows are numbered from 2).
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    #: The file row the run has reached (a resumed run starts after it).
    last_row = models.PositiveIntegerField(default=1)
    products_created = models.PositiveIntegerField(default=0)
    products_updated = models.PositiveIntegerField(default=0)
    products_unchanged = models.PositiveIntegerField(default=0)
    products_refused = models.PositiveIntegerField(default=0)
    images_imported = models.PositiveIntegerField(default=0)
    images_failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store", "mode", "-created_at"])]

    def __str__(self):
        return f"{self.filename or self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportLine(BaseModel):
    """One line of an import's report: what happened to one product (or one image)."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        UNCHANGED = "unchanged", "Unchanged"
        REFUSED = "refused", "Refused"
        IMAGE_FAILED = "image_failed", "Image failed"

    id = models.BigAutoField(primary_key=True)
    import_run = models.ForeignKey(
        Import, on_delete=models.CASCADE, related_name="lines"
    )
    row = models.PositiveIntegerField(help_text="First row of the product in the file.")
    last_row = models.PositiveIntegerField()
    handle = models.CharField(max_length=255, blank=True, default="")
    action = models.CharField(max_length=16, choices=Action.choices)
    product_id = models.CharField(max_length=40, blank=True, default="")
    message = models.TextField(blank=True, default="")

    store_lookup = "import_run__store"

    class Meta:
        ordering = ["row", "id"]


class ImportedImage(BaseModel):
    """The URL an imported product image was fetched from."""

    id = models.BigAutoField(primary_key=True)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+"
    )
    media = models.OneToOneField(
        "catalog.Media", on_delete=models.CASCADE, related_name="+"
    )
    source_url = models.CharField(max_length=2048)

    store_lookup = "product__store"

    class Meta:
        indexes = [models.Index(fields=["product", "source_url"])]


class ImportSku(BaseModel):
    """A SKU an import has given to a product of its file (handle, first row), so that a
    later product of the same file naming it is refused: kept in the database rather than
    in the run's memory (which then does not grow with the file), read a batch at a time,
    and deleted when the import ends."""

    id = models.BigAutoField(primary_key=True)
    import_run = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="+")
    sku = models.CharField(max_length=100)
    handle = models.CharField(max_length=255)
    row = models.PositiveIntegerField()

    store_lookup = "import_run__store"

    class Meta:
        indexes = [models.Index(fields=["import_run", "sku"])]

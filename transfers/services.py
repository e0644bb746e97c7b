"""Catalogue imports: create an import, run it in batches, apply one product at a time.

A product is applied in its own savepoint through the catalog's own services
(``product_create`` / ``product_update``, stock audited with source ``import``), so a bad
row refuses that product only and never leaves half of it. A dry run applies each product
the same way and rolls its savepoint back, so its report is what the real run would do.
A product whose file rows match what the store has is left alone (``unchanged``): importing
the same file twice changes nothing the second time.

The file is streamed (one product in memory at a time). A run works in slices of
:data:`SLICE_SECONDS` and queues itself again for the rest (``transfers.tasks.import_run``),
so no task runs longer than the outbox's stale limit; progress (rows done, counters, report
lines) is written after every batch of :data:`BATCH_ROWS` rows, and a run that is cut short
resumes after the last row written.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.exceptions import ValidationError as DrfValidationError

from catalog import services as catalog_services
from catalog.images import image_aspect_ratio
from catalog.models import Category, InventoryAdjustment, Product, Variant
from catalog.serializers import ProductInputSerializer
from core.exceptions import DomainError, field_error
from core.outbox import enqueue
from webhooks import net

from . import formats, selectors
from .models import Import, ImportedImage, ImportLine

logger = logging.getLogger(__name__)

IMPORT_TASK = "transfers.tasks.import_run"
#: Progress and report lines are written after this many rows.
BATCH_ROWS = 500
#: A task stops after the batch that passes this many seconds and queues the rest.
SLICE_SECONDS = 60
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_IMAGE_BYTES = 10 * 1024 * 1024
IMAGE_TIMEOUT_SECONDS = 15.0
_SOURCE = InventoryAdjustment.Source.IMPORT


# -- creating an import -----------------------------------------------------------------


def import_file_check(upload) -> str:
    """The uploaded file's format (``shopify`` or ``native``) from its size and header row;
    a 422 naming ``file`` when it is empty, too large or not a product CSV."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise field_error(
            "file", f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB."
        )
    if size == 0:
        raise field_error("file", "The file is empty.")
    upload.seek(0)
    head = upload.read(256 * 1024)
    upload.seek(0)
    if isinstance(head, str):
        head = head.encode()
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is fine.
        if exc.start < len(head) - 4:
            raise field_error("file", "The file must be UTF-8 text.") from None
        text = head[: exc.start].decode("utf-8-sig")
    try:
        header = next(formats.csv_reader(io.StringIO(text)), [])
        return formats.detect_format(header)
    except (formats.UnknownFormat, csv.Error) as exc:
        raise field_error("file", str(exc)) from None


def import_create(
    *,
    store,
    mode: str,
    upload,
    dry_run: bool,
    actor: str = "",
    queue: bool = True,
) -> Import:
    """Store the uploaded CSV as a new import of ``store`` and (``queue``) run it on a
    worker once committed."""
    kind = import_file_check(upload)
    name = os.path.basename(getattr(upload, "name", "") or "import.csv")[:255]
    with transaction.atomic():
        run = Import(
            store=store,
            mode=mode,
            dry_run=dry_run,
            format=kind,
            filename=name,
            actor=actor[:150],
        )
        run.file.save(name, upload, save=False)
        run.save()
        if queue:
            enqueue(IMPORT_TASK, run.pk)
    return run


# -- running it -------------------------------------------------------------------------


@dataclass
class Outcome:
    action: str
    product: Product | None = None
    messages: list[str] = field(default_factory=list)


class _DryRunRollback(Exception):
    def __init__(self, outcome: Outcome):
        self.outcome = outcome


@dataclass
class _Run:
    """What one run keeps between products: the store's categories by name and slug."""

    run: Import
    categories: dict[str, str] | None = None
    lines: list[ImportLine] = field(default_factory=list)
    #: SKU -> (handle, row) of the products this run has applied.
    skus: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: Categories the product being applied created (kept when it is saved for good).
    categories_created: dict[str, str] = field(default_factory=dict)

    def categories_keep(self, created: dict[str, str]) -> None:
        if self.categories is not None:
            self.categories.update(created)

    def sku_clashes(self, record: formats.Record) -> list[str]:
        """Another product of this file took one of the record's SKUs first."""
        return [
            f"The SKU {sku!r} belongs to {handle} (row {row}) in this file."
            for sku in _record_skus(record)
            for handle, row in [self.skus.get(sku, (record.handle, 0))]
            if handle != record.handle
        ]

    def skus_claim(self, record: formats.Record) -> None:
        for sku in _record_skus(record):
            self.skus.setdefault(sku, (record.handle, record.row))

    def category_ids(self, record: formats.Record) -> tuple[list[str], dict[str, str]]:
        """Ids of the record's categories, creating missing ones; also returns the new
        ones (``{name: id}``), which :meth:`categories_keep` remembers once the product
        is saved for good (a refused or dry-run product's new categories roll back)."""
        if self.categories is None:
            self.categories = {}
            for pk, name, slug in Category.objects.filter(
                store=self.run.store
            ).values_list("pk", "name", "slug"):
                self.categories.setdefault(name.lower(), pk)
                self.categories.setdefault(slug, pk)
        ids, created = [], {}
        for name in record.category_names:
            pk = self.categories.get(name.lower()) or self.categories.get(slugify(name))
            if pk is None:
                category = catalog_services.category_create(
                    store=self.run.store, data={"name": name[:200]}
                )
                pk = created[name.lower()] = category.pk
            ids.append(pk)
        if record.tags_are_categories:
            for tag in record.tags:
                pk = self.categories.get(tag.lower()) or self.categories.get(
                    slugify(tag)
                )
                if pk is not None:
                    ids.append(pk)
        return list(dict.fromkeys(ids)), created


def _messages(exc: Exception) -> list[str]:
    """Readable ``field: message`` lines from a refusal."""
    if isinstance(exc, DrfValidationError):
        return _flatten(exc.detail)
    if isinstance(exc, DomainError):
        if not exc.fields:
            return [exc.message]
        return [
            f"{_path(path)}: {message}"
            for path, messages in exc.fields.items()
            for message in messages
        ]
    if isinstance(exc, DjangoValidationError):
        return _flatten(getattr(exc, "message_dict", None) or exc.messages)
    return [str(exc)]


def _path(path) -> str:
    if isinstance(path, tuple):
        text = ""
        for part in path:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
        return text.lstrip(".")
    return str(path)


def _flatten(detail, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        return [
            line
            for key, value in detail.items()
            for line in _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        ]
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [f"{prefix}: {item}" if prefix else str(item) for item in detail]
        return [
            line
            for index, item in enumerate(detail)
            for line in _flatten(item, f"{prefix}[{index}]")
        ]
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def _record_skus(record: formats.Record) -> list[str]:
    skus = [record.data.get("sku")] + [
        v.get("sku") for v in record.data.get("variants") or []
    ]
    return [sku for sku in skus if sku]


def _match(store, record: formats.Record) -> Product | None:
    """The store's product for this record: same handle (slug), else same variant SKU."""
    product = Product.objects.filter(store=store, slug=record.handle).first()
    if product is not None:
        return product
    skus = _record_skus(record)
    if not skus:
        return None
    ids = set(
        Variant.objects.filter(product__store=store, sku__in=skus).values_list(
            "product_id", flat=True
        )
    )
    if len(ids) > 1:
        raise field_error(
            "sku", "The SKUs of this product belong to several products of the store."
        )
    return Product.objects.filter(pk__in=ids).first()


def _apply(state: _Run, record: formats.Record) -> Outcome:
    """Create or update the record's product (the caller holds the savepoint)."""
    run = state.run
    store = run.store
    existing = _match(store, record)
    data = dict(record.data)
    category_ids, state.categories_created = state.category_ids(record)
    data["category_ids"] = category_ids
    metadata = dict(existing.metadata) if existing is not None else {}
    if record.tags or "tags" in metadata:
        metadata["tags"] = record.tags
        data["metadata"] = metadata
    if existing is not None:
        data.pop("slug", None)
        if record.archived:
            data["status"] = Product.Status.ARCHIVED
    serializer = ProductInputSerializer(data=data, partial=existing is not None)
    serializer.is_valid(raise_exception=True)
    valid = dict(serializer.validated_data)
    actor = run.actor or f"import:{run.pk}"
    if existing is None:
        product = catalog_services.product_create(
            store=store, data=valid, mode=run.mode, actor=actor, source=_SOURCE
        )
        if record.archived:
            product = catalog_services.product_archive(product=product, mode=run.mode)
        return Outcome(ImportLine.Action.CREATED, product)
    changed = selectors.snapshot_differs(selectors.product_snapshot(existing), valid)
    if not changed:
        return Outcome(ImportLine.Action.UNCHANGED, existing)
    product = catalog_services.product_update(
        product=existing, data=valid, mode=run.mode, actor=actor, source=_SOURCE
    )
    return Outcome(
        ImportLine.Action.UPDATED, product, [f"Changed: {', '.join(changed)}."]
    )


def record_apply(state: _Run, record: formats.Record) -> Outcome:
    """Apply one product in a savepoint: refused as a whole, or (dry run) rolled back."""
    state.categories_created = {}
    errors = record.errors or state.sku_clashes(record)
    if errors:
        return Outcome(ImportLine.Action.REFUSED, messages=list(errors))
    try:
        with transaction.atomic():
            outcome = _apply(state, record)
            if state.run.dry_run:
                raise _DryRunRollback(outcome)
    except _DryRunRollback as rollback:
        outcome = rollback.outcome
        outcome.product = None
    except (DomainError, DrfValidationError, DjangoValidationError) as exc:
        return Outcome(ImportLine.Action.REFUSED, messages=_messages(exc))
    except DatabaseError as exc:
        # A constraint the services did not foresee: this product only.
        logger.warning("Import %s, %s: %s", state.run.pk, record.rows_label, exc)
        return Outcome(ImportLine.Action.REFUSED, messages=[f"Database refused: {exc}"])
    state.skus_claim(record)
    if not state.run.dry_run:
        state.categories_keep(state.categories_created)
    outcome.messages = [*record.notes, *outcome.messages]
    return outcome


def image_fetch(url: str) -> ContentFile:
    """The image at ``url`` through the webhooks' URL guard (no private or metadata
    addresses unless ``TRANSFERS_IMAGES_ALLOW_INSECURE_URLS``); ValueError says why not."""
    result = net.get_bytes(
        url,
        insecure=bool(settings.TRANSFERS_IMAGES_ALLOW_INSECURE_URLS),
        timeout=IMAGE_TIMEOUT_SECONDS,
        max_bytes=MAX_IMAGE_BYTES + 1,
    )
    if result.error:
        raise ValueError(result.error)
    if result.status_code != 200:
        raise ValueError(f"HTTP {result.status_code}.")
    if len(result.body) > MAX_IMAGE_BYTES:
        raise ValueError(f"Larger than {MAX_IMAGE_BYTES // 1024 // 1024} MB.")
    name = os.path.basename(urlsplit(url).path) or "image"
    image = ContentFile(result.body, name=name[:100])
    if image_aspect_ratio(image) is None:
        raise ValueError("Not an image.")
    return image


def _images_import(state: _Run, record: formats.Record, product: Product) -> None:
    """Fetch the record's images not imported before; a failure is a report line only."""
    run = state.run
    if not record.images:
        return
    known = set(
        ImportedImage.objects.filter(product=product).values_list(
            "source_url", flat=True
        )
    )
    position = product.media.count()
    for url, alt in record.images:
        if url in known:
            continue
        try:
            image = image_fetch(url)
        except ValueError as exc:
            run.images_failed += 1
            state.lines.append(
                _line(
                    run,
                    record,
                    ImportLine.Action.IMAGE_FAILED,
                    product,
                    [f"{url}: {exc}"],
                )
            )
            continue
        with transaction.atomic():
            media = catalog_services.media_create(
                product=product, file=image, alt=alt, position=position
            )
            ImportedImage.objects.create(product=product, media=media, source_url=url)
        position += 1
        run.images_imported += 1


def _line(run, record, action, product, messages) -> ImportLine:
    return ImportLine(
        import_run=run,
        row=record.row,
        last_row=record.last_row,
        handle=record.handle[:255],
        action=action,
        product_id=product.pk if product is not None else "",
        message=" ".join(messages),
    )


_COUNTERS = {
    ImportLine.Action.CREATED: "products_created",
    ImportLine.Action.UPDATED: "products_updated",
    ImportLine.Action.UNCHANGED: "products_unchanged",
    ImportLine.Action.REFUSED: "products_refused",
}
_PROGRESS_FIELDS = [
    "rows_done",
    "last_row",
    *_COUNTERS.values(),
    "images_imported",
    "images_failed",
    "updated_at",
]


def _flush(state: _Run) -> None:
    """Write the batch's report lines and the counters (the progress others read)."""
    ImportLine.objects.bulk_create(state.lines)
    state.lines = []
    state.run.save(update_fields=_PROGRESS_FIELDS)


def _open_text(run: Import):
    raw = run.file.storage.open(run.file.name, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _batch_run(state: _Run, records) -> bool:
    """Apply the next :data:`BATCH_ROWS` rows in one transaction (a savepoint each), with
    their report lines and the counters, so that a resumed run starts exactly after the
    last batch committed; then fetch the batch's images. True when the file is done."""
    run = state.run
    with_images = []
    exhausted, size = True, 0
    with transaction.atomic():
        for record in records:
            outcome = record_apply(state, record)
            counter = _COUNTERS[outcome.action]
            setattr(run, counter, getattr(run, counter) + 1)
            state.lines.append(
                _line(run, record, outcome.action, outcome.product, outcome.messages)
            )
            if outcome.product is not None and record.images and not run.dry_run:
                with_images.append((record, outcome.product))
            run.rows_done += record.size
            run.last_row = record.last_row
            size += record.size
            if size >= BATCH_ROWS:
                exhausted = False
                break
        _flush(state)
    # Outside the batch's transaction: no row stays locked while an image downloads.
    for record, product in with_images:
        _images_import(state, record, product)
    if with_images:
        _flush(state)
    return exhausted


def import_run(
    *,
    import_id: str,
    time_budget: float | None = SLICE_SECONDS,
    progress: Callable[[Import], None] | None = None,
) -> Import:
    """Run (or resume) an import. With a ``time_budget``, stop after the batch that goes
    past it and queue the rest; ``progress(run)`` is called after every batch."""
    run = Import.objects.select_related("store").get(pk=import_id)
    if run.finished:
        return run
    started = time.monotonic()
    if run.status != Import.Status.RUNNING:
        run.status, run.started_at = Import.Status.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at", "updated_at"])
    try:
        if run.rows_total is None:
            with _open_text(run) as text:
                run.rows_total = formats.count_rows(text)
            run.save(update_fields=["rows_total", "updated_at"])
        state = _Run(run=run)
        with _open_text(run) as text:
            records = (
                record
                for record in formats.read_records(text, currency=run.store.currency)
                if record.last_row > run.last_row  # done by an earlier slice
            )
            while not _batch_run(state, records):
                if progress:
                    progress(run)
                if time_budget is not None and time.monotonic() - started > time_budget:
                    enqueue(IMPORT_TASK, run.pk)
                    return run
    except (formats.UnknownFormat, UnicodeDecodeError, csv.Error) as exc:
        run.status, run.error = Import.Status.FAILED, f"Row {run.last_row + 1}: {exc}"
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at", "updated_at"])
        return run
    run.rows_total = run.rows_done
    run.status, run.finished_at = Import.Status.DONE, timezone.now()
    run.save(update_fields=["rows_total", "status", "finished_at", "updated_at"])
    if progress:
        progress(run)
    return run

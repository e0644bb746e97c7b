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

from catalog import bulk
from catalog import events as catalog_events
from catalog import services as catalog_services
from catalog.images import image_aspect_ratio
from catalog.models import Category, InventoryAdjustment, Product, Variant
from core.api.caching import catalog_version_bumps_deferred
from core.exceptions import DomainError, field_error
from core.models import Store
from core.outbox import enqueue
from webhooks import net

from . import formats, selectors
from .models import Import, ImportedImage, ImportLine, ImportSku
from .serializers import product_row_validate

logger = logging.getLogger(__name__)

IMPORT_TASK = "transfers.tasks.import_run"
EVENTS_TASK = "transfers.tasks.products_event"
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
    #: SKU -> (handle, row) of the products this run has applied, for the SKUs of the
    #: current batch (:meth:`skus_load`); claims of the batch not yet written.
    skus: dict[str, tuple[str, int]] = field(default_factory=dict)
    skus_new: list[str] = field(default_factory=list)
    #: Categories the product being applied created (kept when it is saved for good).
    categories_created: dict[str, str] = field(default_factory=dict)

    def categories_keep(self, created: dict[str, str]) -> None:
        if self.categories is not None:
            self.categories.update(created)

    #: SKU -> (handle, row) of the new products of the batch not written yet.
    skus_pending: dict[str, tuple[str, int]] = field(default_factory=dict)

    def sku_clashes(self, record: formats.Record) -> list[str]:
        """Another product of this file took one of the record's SKUs first."""
        return [
            f"The SKU {sku!r} belongs to {handle} (row {row}) in this file."
            for sku in _record_skus(record)
            for handle, row in [
                self.skus.get(sku) or self.skus_pending.get(sku, (record.handle, 0))
            ]
            if handle != record.handle
        ]

    def skus_claim(self, record: formats.Record) -> None:
        for sku in _record_skus(record):
            if sku not in self.skus:
                self.skus[sku] = (record.handle, record.row)
                self.skus_new.append(sku)

    def skus_load(self, records: list[formats.Record]) -> None:
        """The claims of earlier batches on the SKUs of ``records`` (one query): what the
        run keeps of the SKUs is the current batch's, however long the file."""
        skus = {sku for record in records for sku in _record_skus(record)}
        self.skus, self.skus_new = {}, []
        if skus:
            for sku, handle, row in ImportSku.objects.filter(
                import_run=self.run, sku__in=skus
            ).values_list("sku", "handle", "row"):
                self.skus.setdefault(sku, (handle, row))

    def skus_save(self) -> None:
        """Write the batch's new claims (in the batch's transaction)."""
        ImportSku.objects.bulk_create(
            ImportSku(
                import_run=self.run,
                sku=sku[:100],
                handle=self.skus[sku][0][:255],
                row=self.skus[sku][1],
            )
            for sku in self.skus_new
        )
        self.skus_new = []

    def _categories_load(self) -> dict[str, str]:
        if self.categories is None:
            self.categories = {}
            for pk, name, slug in Category.objects.filter(
                store=self.run.store
            ).values_list("pk", "name", "slug"):
                self.categories.setdefault(name.lower(), pk)
                self.categories.setdefault(slug, pk)
        return self.categories

    def _category_known(self, name: str) -> str | None:
        categories = self._categories_load()
        return categories.get(name.lower()) or categories.get(slugify(name))

    def category_ids(self, record: formats.Record) -> tuple[list[str], dict[str, str]]:
        """Ids of the record's categories, creating missing ones; also returns the new
        ones (``{name: id}``), which :meth:`categories_keep` remembers once the product
        is saved for good (a refused or dry-run product's new categories roll back)."""
        ids, created = [], {}
        for name in record.category_names:
            pk = self._category_known(name)
            if pk is None:
                category = catalog_services.category_create(
                    store=self.run.store, data={"name": name[:200]}
                )
                pk = created[name.lower()] = category.pk
            ids.append(pk)
        ids.extend(self._tag_category_ids(record))
        return list(dict.fromkeys(ids)), created

    def category_ids_known(self, record: formats.Record) -> tuple[list[str], list[str]]:
        """The ids of the record's categories that exist, and the names of those that do
        not (created only when the product is written: :func:`_pending_write`)."""
        ids, missing = [], []
        for name in record.category_names:
            pk = self._category_known(name)
            if pk is None:
                missing.append(name)
            else:
                ids.append(pk)
        ids.extend(self._tag_category_ids(record))
        return list(dict.fromkeys(ids)), missing

    def _tag_category_ids(self, record: formats.Record) -> list[str]:
        if not record.tags_are_categories:
            return []
        return [pk for tag in record.tags if (pk := self._category_known(tag))]


def _messages(exc: Exception) -> list[str]:
    """Readable ``field: message`` lines from a refusal."""
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


class _Lookup:
    """The store's products the records of a batch name (by handle or variant SKU), read
    once for the batch with what :func:`selectors.product_snapshot` needs."""

    def __init__(self, store, records: list[formats.Record]):
        handles = {record.handle for record in records}
        by_slug = dict(
            Product.objects.filter(store=store, slug__in=handles).values_list(
                "slug", "pk"
            )
        )
        skus = {
            sku
            for record in records
            if record.handle not in by_slug
            for sku in _record_skus(record)
        }
        self.by_sku: dict[str, set[str]] = {}
        if skus:
            for sku, product_id in Variant.objects.filter(
                product__store=store, sku__in=skus
            ).values_list("sku", "product_id"):
                self.by_sku.setdefault(sku, set()).add(product_id)
        self.by_slug = by_slug
        ids = set(by_slug.values()) | {pk for ids in self.by_sku.values() for pk in ids}
        self.products = selectors.products_for_snapshot(ids=ids) if ids else {}

    def reread(self, product: Product) -> None:
        """Read again the SKUs of a product just written (and its snapshot when needed)."""
        self.by_slug[product.slug] = product.pk
        for ids in self.by_sku.values():
            ids.discard(product.pk)
        for sku in Variant.objects.filter(product=product).values_list(
            "sku", flat=True
        ):
            if sku:
                self.by_sku.setdefault(sku, set()).add(product.pk)
        self.products.pop(product.pk, None)

    def match(self, record: formats.Record) -> Product | None:
        """As :func:`_match`, from what was read."""
        pk = self.by_slug.get(record.handle)
        if pk is None:
            ids = {
                product_id
                for sku in _record_skus(record)
                for product_id in self.by_sku.get(sku, ())
            }
            if len(ids) > 1:
                raise _several_products()
            pk = next(iter(ids), None)
        if pk is None:
            return None
        if pk not in self.products:
            self.products.update(selectors.products_for_snapshot(ids=[pk]))
        return self.products.get(pk)


def _several_products() -> DomainError:
    return field_error(
        "sku", "The SKUs of this product belong to several products of the store."
    )


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
        raise _several_products()
    return Product.objects.filter(pk__in=ids).first()


def _valid_data(
    record: formats.Record, existing: Product | None, category_ids: list[str]
) -> dict:
    """The record's product as the API validates it (raises ``ValidationFailed``)."""
    data = dict(record.data)
    data["category_ids"] = category_ids
    metadata = dict(existing.metadata) if existing is not None else {}
    if record.tags or "tags" in metadata:
        metadata["tags"] = record.tags
        data["metadata"] = metadata
    if existing is not None:
        data.pop("slug", None)
        if record.archived:
            data["status"] = Product.Status.ARCHIVED
    return product_row_validate(data, partial=existing is not None)


def _actor(run: Import) -> str:
    return run.actor or f"import:{run.pk}"


def _apply(
    state: _Run, record: formats.Record, existing: Product | None = None
) -> Outcome:
    """Create or update the record's product (the caller holds the savepoint)."""
    run = state.run
    store = run.store
    if existing is None:
        existing = _match(store, record)
    category_ids, state.categories_created = state.category_ids(record)
    valid = _valid_data(record, existing, category_ids)
    actor = _actor(run)
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
    # product.updated is published for the batch (_batch_run), built by a worker.
    product = catalog_services.product_update(
        product=existing,
        data=valid,
        mode=run.mode,
        actor=actor,
        source=_SOURCE,
        publish=False,
    )
    return Outcome(
        ImportLine.Action.UPDATED, product, [f"Changed: {', '.join(changed)}."]
    )


def record_apply(
    state: _Run, record: formats.Record, existing: Product | None = None
) -> Outcome:
    """Apply one product in a savepoint: refused as a whole, or (dry run) rolled back.
    ``existing`` is its product when the caller has matched it already."""
    state.categories_created = {}
    errors = record.errors or state.sku_clashes(record)
    if errors:
        return Outcome(ImportLine.Action.REFUSED, messages=list(errors))
    try:
        with transaction.atomic():
            outcome = _apply(state, record, existing)
            if state.run.dry_run:
                raise _DryRunRollback(outcome)
    except _DryRunRollback as rollback:
        outcome = rollback.outcome
        outcome.product = None
    except _REFUSALS as exc:
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


_REFUSALS = (DomainError, DjangoValidationError)


# -- a batch at once --------------------------------------------------------------------


@dataclass
class _New:
    """A new product of the batch, checked in memory (``catalog.bulk``), not written."""

    index: int
    record: formats.Record
    built: bulk.BuiltProduct
    missing_categories: list[str]


@dataclass
class _Batch:
    """One batch's records and what is known about them while they are applied."""

    state: _Run
    records: list[formats.Record]
    outcomes: list[Outcome | None]
    lookup: _Lookup | None = None
    context: bulk.BulkContext | None = None
    new: list[_New] = field(default_factory=list)
    new_handles: set[str] = field(default_factory=set)

    def fresh(self, start: int) -> None:
        """(Re)read the store's products, slugs and skus for the records from ``start``:
        after a write through the services, what was read before may be stale."""
        rest = self.records[start:]
        self.lookup = _Lookup(self.state.run.store, rest)
        self.context = None

    def written(self, product: Product) -> None:
        """``product`` was written through the services: forget what was read of it."""
        self.lookup.reread(product)
        self.context = None

    def bulk_context(self, start: int) -> bulk.BulkContext:
        if self.context is None:
            items = [
                {"slug": r.handle, "sku": None, "variants": _sku_items(r)}
                for r in self.records[start:]
            ]
            self.context = bulk.bulk_context(store=self.state.run.store, items=items)
            # The store's categories are the run's (read once), not the context's.
            self.context.category_ids = set(self.state._categories_load().values())
        return self.context


def _sku_items(record: formats.Record) -> list[dict]:
    return [{"sku": sku} for sku in _record_skus(record)]


def _unchanged(state: _Run, record: formats.Record, existing: Product) -> bool:
    """The record says nothing new about ``existing`` (read without writing anything)."""
    ids, missing = state.category_ids_known(record)
    if missing:
        return False
    try:
        valid = _valid_data(record, existing, ids)
    except _REFUSALS:
        return False  # refused by the full path, with its messages
    return not selectors.snapshot_differs(selectors.product_snapshot(existing), valid)


def _new_build(batch: _Batch, index: int, record: formats.Record) -> Outcome | None:
    """Check a new product in memory and keep it for :func:`_pending_write`; a refusal
    is its outcome (nothing was written)."""
    state = batch.state
    context = batch.bulk_context(index)
    ids, missing = state.category_ids_known(record)
    try:
        valid = _valid_data(record, None, ids)
        built = bulk.product_build(
            context=context, data=valid, actor=_actor(state.run), source=_SOURCE
        )
    except bulk.Unsupported:
        return record_apply(state, record)
    except _REFUSALS as exc:
        return Outcome(ImportLine.Action.REFUSED, messages=_messages(exc))
    batch.new.append(_New(index, record, built, missing))
    batch.new_handles.add(record.handle)
    for sku in _record_skus(record):
        state.skus_pending.setdefault(sku, (record.handle, record.row))
    return None


def _pending_write(batch: _Batch) -> None:
    """Write the batch's new products at once (one savepoint, one INSERT per table, one
    ``product.created`` event each with payloads read together); a dry run rolls them
    back. Should the database refuse the set, each is applied on its own instead."""
    state, new = batch.state, batch.new
    if not new:
        return
    batch.new, batch.new_handles, state.skus_pending = [], set(), {}
    run = state.run
    created: dict[str, str] = {}
    try:
        with transaction.atomic():
            for item in new:
                for name in item.missing_categories:
                    pk = state._category_known(name) or created.get(name.lower())
                    if pk is None:
                        category = catalog_services.category_create(
                            store=run.store, data={"name": name[:200]}
                        )
                        pk = created[name.lower()] = category.pk
                    item.built.category_ids.append(pk)
                item.built.category_ids = list(dict.fromkeys(item.built.category_ids))
            products = bulk.products_insert(
                store=run.store, built=[item.built for item in new]
            )
            if not run.dry_run:
                # Payloads are built by a worker once the batch commits (one task a
                # batch): about half the import's time when built here.
                enqueue(
                    EVENTS_TASK,
                    run.store_id,
                    run.mode,
                    "product.created",
                    [p.pk for p in products],
                )
            if run.dry_run:
                raise _DryRunRollback(Outcome(ImportLine.Action.CREATED))
    except _DryRunRollback:
        pass
    except (*_REFUSALS, DatabaseError) as exc:
        logger.warning("Import %s: one at a time after %s", run.pk, exc)
        for item in new:
            batch.outcomes[item.index] = record_apply(state, item.record)
        batch.context = None
        return
    for item in new:
        state.skus_claim(item.record)
        product = None if run.dry_run else item.built.product
        batch.outcomes[item.index] = Outcome(
            ImportLine.Action.CREATED, product, list(item.record.notes)
        )
    if not run.dry_run:
        state.categories_keep(created)
    batch.context = None


def _batch_apply(state: _Run, records: list[formats.Record]) -> list[Outcome]:
    """Apply a batch's records in file order, as :func:`record_apply` would one by one:
    the batch's products are matched in one read, unchanged ones compared without a
    write, new ones checked in memory and written together; a product that changes goes
    through ``product_update`` in its own savepoint."""
    batch = _Batch(state=state, records=records, outcomes=[None] * len(records))
    batch.fresh(0)
    for index, record in enumerate(records):
        state.categories_created = {}
        errors = record.errors or state.sku_clashes(record)
        if errors:
            batch.outcomes[index] = Outcome(
                ImportLine.Action.REFUSED, messages=list(errors)
            )
            continue
        if record.handle in batch.new_handles:
            # The same handle again before its product is written: write it first.
            _pending_write(batch)
            batch.fresh(index)
        try:
            existing = batch.lookup.match(record)
        except DomainError as exc:
            batch.outcomes[index] = Outcome(
                ImportLine.Action.REFUSED, messages=_messages(exc)
            )
            continue
        if existing is None and record.archived:
            # Created then archived by the services, so that product.created and
            # product.deleted are recorded in that order (rare in a file).
            _pending_write(batch)
            outcome = batch.outcomes[index] = record_apply(state, record)
            if outcome.product is not None:
                batch.written(outcome.product)
            continue
        if existing is None:
            batch.outcomes[index] = _new_build(batch, index, record)
            continue
        if _unchanged(state, record, existing):
            state.skus_claim(record)
            batch.outcomes[index] = Outcome(
                ImportLine.Action.UNCHANGED, existing, list(record.notes)
            )
            continue
        # A change (or a refusal) through the services: the new products first, so that
        # the services see their slugs and skus.
        _pending_write(batch)
        outcome = batch.outcomes[index] = record_apply(state, record, existing)
        batch.written(outcome.product or existing)
    _pending_write(batch)
    return batch.outcomes


def products_event(
    *, store_id: str, mode: str, type: str, product_ids: list[str]
) -> None:
    """Publish ``type`` for each of an import batch's products (the worker's half of
    :func:`_pending_write`): one event a product, as the catalog's services record it,
    the payloads read and built together. A product deleted meanwhile has none."""
    store = Store.objects.get(pk=store_id)
    with transaction.atomic():
        catalog_events.products_event(
            store=store, product_ids=product_ids, type=type, mode=mode
        )


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
    """Write the batch's report lines, SKU claims and counters (the progress others
    read)."""
    state.skus_save()
    ImportLine.objects.bulk_create(state.lines)
    state.lines = []
    state.run.save(update_fields=_PROGRESS_FIELDS)


def _open_text(run: Import):
    raw = run.file.storage.open(run.file.name, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _batch_run(state: _Run, records) -> bool:
    """Apply the next :data:`BATCH_ROWS` rows in one transaction (a savepoint a product,
    or one for the batch's new products), with their report lines and the counters, so
    that a resumed run starts exactly after the last batch committed; then fetch the
    batch's images. True when the file is done."""
    run = state.run
    batch, size, exhausted = [], 0, True
    for record in records:
        batch.append(record)
        size += record.size
        if size >= BATCH_ROWS:
            exhausted = False
            break
    state.skus_load(batch)
    with_images, updated = [], []
    # One catalogue version bump for the batch, not two cache writes a row saved.
    with transaction.atomic(), catalog_version_bumps_deferred():
        for record, outcome in zip(batch, _batch_apply(state, batch), strict=True):
            counter = _COUNTERS[outcome.action]
            setattr(run, counter, getattr(run, counter) + 1)
            state.lines.append(
                _line(run, record, outcome.action, outcome.product, outcome.messages)
            )
            if outcome.product is not None and record.images and not run.dry_run:
                with_images.append((record, outcome.product))
            if outcome.action == ImportLine.Action.UPDATED and not run.dry_run:
                updated.append(outcome.product.pk)
            run.rows_done += record.size
            run.last_row = record.last_row
        if updated:
            enqueue(EVENTS_TASK, run.store_id, run.mode, "product.updated", updated)
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
        ImportSku.objects.filter(import_run=run).delete()
        return run
    run.rows_total = run.rows_done
    run.status, run.finished_at = Import.Status.DONE, timezone.now()
    run.save(update_fields=["rows_total", "status", "finished_at", "updated_at"])
    ImportSku.objects.filter(import_run=run).delete()  # needed while it ran only
    if progress:
        progress(run)
    return run

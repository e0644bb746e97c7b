"""Runs in slices and batches, resumes where it stopped; a bad product leaves nothing."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from catalog.models import InventoryAdjustment, Product, ProductOption, Variant
from core.csvfiles import csv_lines
from transfers import formats, services, tasks
from transfers.models import Import

from .helpers import run_import, upload

pytestmark = pytest.mark.django_db


def native_csv(count: int) -> bytes:
    rows = [
        {
            "handle": f"p-{n}",
            "name": f"Product {n}",
            "price": "1.50",
            "status": "published",
            "variant_sku": f"SKU-{n}",
            "variant_stock": str(n),
        }
        for n in range(count)
    ]
    lines = csv_lines(
        formats.NATIVE_COLUMNS,
        ([row.get(c, "") for c in formats.NATIVE_COLUMNS] for row in rows),
    )
    return "".join(lines).encode()


def test_a_run_stops_after_its_time_budget_and_resumes(shop, monkeypatch):
    monkeypatch.setattr(services, "BATCH_ROWS", 3)
    queued = []
    monkeypatch.setattr(services, "enqueue", lambda *args: queued.append(args))
    run = services.import_create(
        store=shop.store,
        mode="live",
        upload=upload(native_csv(10)),
        dry_run=False,
        queue=False,
    )

    first = services.import_run(import_id=run.pk, time_budget=0)

    assert first.status == Import.Status.RUNNING
    assert (first.rows_total, first.rows_done, first.last_row) == (10, 3, 4)
    # The rest of the file, and the batch's product.created events (built by a worker).
    assert [q for q in queued if q[0] == services.IMPORT_TASK] == [
        (services.IMPORT_TASK, run.pk)
    ]
    created = Product.objects.filter(store=shop.store)
    assert [q for q in queued if q[0] == services.EVENTS_TASK] == [
        (
            services.EVENTS_TASK,
            shop.store.pk,
            "live",
            "product.created",
            [p.pk for p in created.order_by("slug")],
        )
    ]
    assert Product.objects.filter(store=shop.store).count() == 3
    assert run.lines.count() == 3

    while services.import_run(import_id=run.pk, time_budget=0).status != "done":
        pass
    run.refresh_from_db()
    assert (run.rows_done, run.products_created, run.percent) == (10, 10, 100)
    assert run.lines.count() == 10
    assert sorted(run.lines.values_list("row", flat=True)) == list(range(2, 12))
    assert Product.objects.filter(store=shop.store).count() == 10
    assert Variant.objects.get(sku="SKU-7").stock == 7
    assert InventoryAdjustment.objects.filter(source="import").count() == 9


def test_the_task_runs_an_import(shop):
    run = services.import_create(
        store=shop.store,
        mode="live",
        upload=upload(native_csv(2)),
        dry_run=False,
        queue=False,
    )
    assert tasks.import_run(run.pk) == "done"
    assert tasks.import_run(run.pk) == "done"  # a duplicate message changes nothing
    assert Product.objects.filter(store=shop.store).count() == 2


def test_a_product_refused_half_way_leaves_nothing_behind(shop):
    content = (
        b"handle,name,price,option1_name,option1_value,variant_sku,variant_stock\n"
        b"tee,Tee,10.00,Size,S,TEE-S,4\n"
        b"tee,,,,s,TEE-S2,5\n"
        b"ok,Fine,3.00,,,OK-1,1\n"
    )

    run = run_import(shop.store, content)

    assert (run.products_created, run.products_refused) == (1, 1)
    line = run.lines.get(handle="tee")
    assert (line.row, line.last_row, line.action) == (2, 3, "refused")
    assert "Same option values" in line.message or "once" in line.message
    assert not Product.objects.filter(slug="tee").exists()
    assert not ProductOption.objects.exists()
    assert not Variant.objects.filter(sku__startswith="TEE").exists()
    assert Product.objects.filter(slug="ok").exists()


def test_a_file_that_is_not_utf8_fails_the_run_with_its_row(shop):
    # Past the part of the file the upload check reads: the run finds it.
    content = native_csv(3) + "p-x,Caf\u00e9,1.00\n".encode("latin-1")
    run = Import(store=shop.store, mode="live", format="native", filename="x.csv")
    run.file.save("x.csv", ContentFile(content))
    run = services.import_run(import_id=run.pk, time_budget=None)
    assert run.status == Import.Status.FAILED
    assert "utf-8" in run.error.lower()


def test_products_of_one_type_share_its_category(shop):
    from catalog.models import Category

    content = (
        b"handle,name,price,categories,variant_sku\n"
        b"a,A,1.00,Mugs|Gifts,A-1\n"
        b"b,B,1.00,mugs,B-1\n"
        b"c,C,1.00,Gifts,C-1\n"
    )
    run_import(shop.store, content, dry_run=True)
    assert not Category.objects.exists()

    run_import(shop.store, content)

    assert sorted(Category.objects.values_list("name", flat=True)) == ["Gifts", "Mugs"]
    mugs = Category.objects.get(name="Mugs")
    assert sorted(mugs.products.values_list("slug", flat=True)) == ["a", "b"]
    again = run_import(shop.store, content)
    assert again.products_unchanged == 3

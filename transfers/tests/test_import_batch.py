"""A batch is applied at once: queries bounded per product, the same outcomes as one
product at a time, product.created events built by a worker after the batch commits."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.models import Category, InventoryAdjustment, Product, Variant
from catalog.tests.factories import make_product
from core.csvfiles import csv_lines
from transfers import formats, services
from webhooks.models import Event

from .helpers import run_import

pytestmark = pytest.mark.django_db

SIZES = ("S", "M", "L")


def shopify_csv(count: int, *, price: str = "12.50", start: int = 0) -> bytes:
    """``count`` products of three sizes each, with stock, tags and a type."""
    rows = []
    for n in range(start, start + count):
        for index, size in enumerate(SIZES):
            row = {
                "Handle": f"tee-{n}",
                "Option1 Value": size,
                "Variant SKU": f"TEE-{n}-{size}",
                "Variant Inventory Tracker": "shopify",
                "Variant Inventory Qty": str(n % 7 + index),
                "Variant Price": price,
            }
            if index == 0:
                row.update(
                    {
                        "Title": f"Tee {n}, cotton",
                        "Body (HTML)": "<p>Soft</p>",
                        "Vendor": "Acme",
                        "Type": "Shirts",
                        "Tags": "summer",
                        "Published": "TRUE",
                        "Option1 Name": "Size",
                    }
                )
            rows.append([row.get(c, "") for c in formats.SHOPIFY_COLUMNS])
    return "".join(csv_lines(formats.SHOPIFY_COLUMNS, rows)).encode()


def _queries(store, content: bytes, monkeypatch) -> tuple[int, object]:
    """Queries of one import run (the create is not counted), tasks not run."""
    monkeypatch.setattr(services, "enqueue", lambda *args: None)
    run = services.import_create(
        store=store,
        mode="live",
        upload=_upload(content),
        dry_run=False,
        queue=False,
    )
    with CaptureQueriesContext(connection) as queries:
        run = services.import_run(import_id=run.pk, time_budget=None)
    return len(queries), run


def _upload(content: bytes):
    from .helpers import upload

    return upload(content)


@pytest.mark.parametrize("kind", ["created", "unchanged", "updated"])
def test_queries_per_product_are_bounded_whatever_the_batch_size(
    make_store, monkeypatch, kind
):
    monkeypatch.setattr(services, "BATCH_ROWS", 10_000)  # one batch each
    counts = {}
    for count in (5, 40):
        store = make_store().store
        if kind != "created":
            _queries(store, shopify_csv(count), monkeypatch)
        price = "13.00" if kind == "updated" else "12.50"
        counts[count], run = _queries(
            store, shopify_csv(count, price=price), monkeypatch
        )
        assert getattr(run, f"products_{kind}") == count
    if kind == "updated":
        # Each changed product goes through product_update (its own savepoint).
        assert (counts[40] - counts[5]) / 35 <= 40
    else:
        # New and unchanged products cost a fixed number of queries a batch (SQLite
        # splits a large INSERT in two: its limit on parameters).
        assert counts[40] - counts[5] <= 4, counts
        assert counts[5] <= 40, counts


def test_a_batch_writes_what_one_at_a_time_wrote(shop):
    run = run_import(shop.store, shopify_csv(3))

    assert run.products_created == 3
    tee = Product.objects.get(store=shop.store, slug="tee-1")
    assert tee.name == "Tee 1, cotton"
    assert tee.price_amount == 1250
    assert [o.name for o in tee.options.all()] == ["Size"]
    assert [v.value for v in tee.options.get().values.all()] == list(SIZES)
    variants = list(tee.variants.order_by("position"))
    assert [v.sku for v in variants] == ["TEE-1-S", "TEE-1-M", "TEE-1-L"]
    assert [v.stock for v in variants] == [1, 2, 3]
    assert [sorted(ov.value for ov in v.option_values.all()) for v in variants] == [
        ["S"],
        ["M"],
        ["L"],
    ]
    assert [c.name for c in tee.categories.all()] == ["Shirts"]
    assert tee.metadata["tags"] == ["summer"]
    audits = InventoryAdjustment.objects.filter(product=tee, source="import")
    assert sorted(a.stock_after for a in audits) == [1, 2, 3]
    assert {a.reason for a in audits} == {"Initial stock"}
    assert Category.objects.filter(store=shop.store).count() == 1


def test_refusals_inside_a_batch_leave_the_other_products(shop):
    make_product(shop.store, slug="one", sku="TEE-1-S")
    make_product(shop.store, slug="two", sku="TEE-1-M")
    content = shopify_csv(3).replace(b"Tee 2, cotton", b"")  # no title: refused

    run = run_import(shop.store, content)

    assert (run.products_created, run.products_refused) == (1, 2)
    lines = {line.handle: line for line in run.lines.all()}
    assert lines["tee-0"].action == "created"
    assert lines["tee-1"].action == "refused"
    assert "belong to several products" in lines["tee-1"].message
    assert lines["tee-2"].action == "refused"
    assert (lines["tee-2"].row, lines["tee-2"].last_row) == (8, 10)
    assert not Product.objects.filter(slug__in=["tee-1", "tee-2"]).exists()
    assert not Variant.objects.filter(sku__startswith="TEE-2").exists()
    assert Variant.objects.filter(sku="TEE-1-M").count() == 1
    assert Product.objects.get(slug="two").name == "Hand-poured candle"


def test_a_sku_of_an_earlier_product_in_the_same_batch_is_refused(shop):
    content = shopify_csv(2).replace(b"TEE-1-S", b"TEE-0-S")

    run = run_import(shop.store, content)

    line = run.lines.get(handle="tee-1")
    assert line.action == "refused"
    assert "belongs to tee-0 (row 2) in this file" in line.message
    assert Variant.objects.filter(sku="TEE-0-S").count() == 1


def test_the_dry_run_reports_what_the_real_run_does(shop):
    make_product(shop.store, slug="one", sku="TEE-1-S")
    make_product(shop.store, slug="two", sku="TEE-1-M")
    content = shopify_csv(4)

    dry = run_import(shop.store, content, dry_run=True)
    assert not Product.objects.filter(slug__startswith="tee-").exists()
    assert not Category.objects.filter(store=shop.store).exists()
    real = run_import(shop.store, content)

    def report(run):
        return [
            (line.row, line.last_row, line.handle, line.action, line.message)
            for line in run.lines.order_by("row")
        ]

    assert report(dry) == report(real)
    assert (real.products_created, real.products_refused) == (3, 1)
    assert real.lines.get(handle="tee-1").action == "refused"


def test_a_mix_of_new_unchanged_and_changed_products(shop):
    run_import(shop.store, shopify_csv(4))
    content = (
        shopify_csv(2)
        + shopify_csv(2, start=2, price="15.00").split(b"\n", 1)[1]
        + shopify_csv(2, start=4).split(b"\n", 1)[1]
    )

    run = run_import(shop.store, content)

    assert (
        run.products_unchanged,
        run.products_updated,
        run.products_created,
        run.products_refused,
    ) == (2, 2, 2, 0)
    assert Product.objects.get(slug="tee-3").price_amount == 1500
    assert Product.objects.get(slug="tee-5").variants.count() == 3


def test_each_created_product_has_one_event_built_after_the_batch(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = run_import(shop.store, shopify_csv(3))

    events = Event.objects.filter(store=shop.store, type="product.created")
    assert events.count() == 3 == run.products_created
    event = events.get(data__id=Product.objects.get(slug="tee-2").pk)
    assert event.mode == "live"
    assert event.data["name"] == "Tee 2, cotton"
    assert [v["sku"] for v in event.data["variants"]] == [
        "TEE-2-S",
        "TEE-2-M",
        "TEE-2-L",
    ]
    # Importing it again changes nothing and tells nobody.
    with django_capture_on_commit_callbacks(execute=True):
        again = run_import(shop.store, shopify_csv(3))
    assert again.products_unchanged == 3
    assert Event.objects.filter(store=shop.store).count() == 3


def test_a_dry_run_publishes_nothing(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_import(shop.store, shopify_csv(2), dry_run=True)
    assert not Event.objects.filter(store=shop.store).exists()


def test_an_updated_product_has_one_product_updated_event(
    shop, django_capture_on_commit_callbacks
):
    run_import(shop.store, shopify_csv(3))
    with django_capture_on_commit_callbacks(execute=True):
        run = run_import(
            shop.store,
            shopify_csv(1) + shopify_csv(2, start=1, price="14.00").split(b"\n", 1)[1],
        )

    assert (run.products_unchanged, run.products_updated) == (1, 2)
    events = Event.objects.filter(store=shop.store, type="product.updated")
    assert sorted(e.data["id"] for e in events) == sorted(
        Product.objects.filter(slug__in=["tee-1", "tee-2"]).values_list("pk", flat=True)
    )
    assert {e.data["price"]["amount"] for e in events} == {1400}


def test_the_catalogue_version_is_bumped_once_a_batch(shop, monkeypatch):
    from core.api import caching

    run_import(shop.store, shopify_csv(4))
    bumps = []
    real_set = caching.cache.set

    def counting_set(key, *args, **kwargs):
        if str(key).startswith("catalog-version:"):
            bumps.append(key)
        return real_set(key, *args, **kwargs)

    monkeypatch.setattr(caching.cache, "set", counting_set)
    # Two changed, two new products in one batch: dozens of rows saved.
    content = shopify_csv(2, price="20.00") + shopify_csv(2, start=4).split(b"\n", 1)[1]
    with transaction.atomic():  # the test's own transaction: on-commit bumps wait
        run = run_import(shop.store, content)

    assert (run.products_updated, run.products_created) == (2, 2)
    assert bumps == [f"catalog-version:{shop.store.pk}"]


def test_a_new_archived_product_is_created_then_deleted_in_that_order(
    shop, django_capture_on_commit_callbacks
):
    content = (
        b"handle,name,price,status,variant_sku\n"
        b"a,A,1.00,published,A-1\n"
        b"old,Old,2.00,archived,OLD-1\n"
        b"b,B,1.00,published,B-1\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = run_import(shop.store, content)

    assert run.products_created == 3
    old = Product.objects.get(store=shop.store, slug="old")
    assert old.status == "archived"
    events = Event.objects.filter(data__id=old.pk).order_by("created_at", "id")
    assert [e.type for e in events] == ["product.created", "product.deleted"]
    assert Event.objects.filter(type="product.created").count() == 3


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_sku_of_a_product_in_an_earlier_batch_or_slice_is_refused(
    shop, monkeypatch, dry_run
):
    from transfers.models import ImportSku

    monkeypatch.setattr(services, "BATCH_ROWS", 3)  # one product a batch
    monkeypatch.setattr(services, "enqueue", lambda *args: None)
    content = shopify_csv(3).replace(b"TEE-2-L", b"TEE-0-M")
    run = services.import_create(
        store=shop.store,
        mode="live",
        upload=_upload(content),
        dry_run=dry_run,
        queue=False,
    )
    # One slice a batch: nothing of the first batches is in the run's memory any more.
    while services.import_run(import_id=run.pk, time_budget=0).status != "done":
        assert ImportSku.objects.filter(import_run=run).exists()
    run.refresh_from_db()

    line = run.lines.get(handle="tee-2")
    assert line.action == "refused"
    assert "'TEE-0-M' belongs to tee-0 (row 2) in this file" in line.message
    assert (run.products_created, run.products_refused) == (2, 1)
    assert not ImportSku.objects.filter(import_run=run).exists()

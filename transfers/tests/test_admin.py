"""The dashboard: upload an import, its progress JSON and report, exports; scoped."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, TestCase
from django.urls import reverse

from catalog.models import Product
from core import services as core_services
from transfers import services
from transfers.models import Import

from .helpers import run_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(shop):
    user, _ = core_services.merchant_add(store=shop.store, email="owner@acme.test")
    client = Client()
    client.force_login(user)
    return client


def test_upload_then_progress_and_report(merchant, shop, shopify_csv):
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        response = merchant.post(
            reverse("admin:transfers_import_add"),
            {
                "store": shop.store.pk,
                "dry_run": "on",
                "upload": SimpleUploadedFile("shop.csv", shopify_csv),
            },
        )
    run = Import.objects.get()
    assert response.status_code == 302, response.content[:2000]
    assert response["Location"] == reverse(
        "admin:transfers_import_change", args=[run.pk]
    )
    assert (run.mode, run.dry_run, run.filename) == ("live", True, "shop.csv")
    services.import_run(import_id=run.pk, time_budget=None)

    page = merchant.get(response["Location"])
    assert page.status_code == 200
    assert reverse("admin:transfers_import_progress", args=[run.pk]) in page.text
    progress = merchant.get(
        reverse("admin:transfers_import_progress", args=[run.pk])
    ).json()
    assert progress["finished"] is True
    assert (progress["rowsDone"], progress["rowsTotal"], progress["refused"]) == (
        11,
        11,
        2,
    )
    report = merchant.get(reverse("admin:transfers_import_report", args=[run.pk]))
    text = b"".join(report.streaming_content).decode()
    assert "broken-price" in text
    assert not Product.objects.exists()


def test_a_file_that_is_not_a_product_csv_is_refused_in_the_form(merchant, shop):
    response = merchant.post(
        reverse("admin:transfers_import_add"),
        {"store": shop.store.pk, "upload": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")},
    )
    assert response.status_code == 200
    assert "header of a Shopify product CSV" in response.text
    assert not Import.objects.exists()


def test_other_stores_imports_and_exports_are_out_of_reach(
    merchant, shop, other_shop, shopify_csv
):
    theirs = run_import(other_shop.store, shopify_csv, dry_run=True)
    for name in ("change", "progress", "report"):
        url = reverse(f"admin:transfers_import_{name}", args=[theirs.pk])
        assert merchant.get(url).status_code == 404
    url = reverse(
        "admin:transfers_export_download", args=[other_shop.store.pk, "orders"]
    )
    assert merchant.get(url).status_code == 404


def test_export_page_and_downloads(merchant, shop, shopify_csv):
    run_import(shop.store, shopify_csv)
    page = merchant.get(reverse("admin:transfers_exports"))
    assert page.status_code == 200
    url = reverse("admin:transfers_export_download", args=[shop.store.pk, "products"])
    assert url in page.text
    response = merchant.get(url, {"format": "shopify"})
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert {r["Handle"] for r in rows} == {
        "linen-shirt",
        "cafe-creme-mug",
        "gift-wrap",
        "old-candle",
    }


def test_dashboard_exports_orders_and_customers_in_live_mode(merchant, shop):
    from datetime import UTC, datetime

    from customers.models import Customer
    from orders.models import Order, OrderItem

    from .test_exports import _order

    store = shop.store
    store.timezone = "America/New_York"
    store.save(update_fields=["timezone"])
    buyer = Customer.objects.create(
        store=store, mode="live", email="yes@example.com", marketing_opt_in=True
    )
    Customer.objects.create(store=store, mode="live", email="no@example.com")
    Customer.objects.create(store=store, mode="test", email="sandbox@example.com")
    order = _order(store, "live", buyer, order_number=1001)
    Order.objects.filter(pk=order.pk).update(
        created_at=datetime(2026, 7, 1, 3, 30, tzinfo=UTC)
    )
    for sku in ("A-1", "B-2"):
        OrderItem.objects.create(
            order=order,
            product_name=sku,
            sku=sku,
            quantity=1,
            unit_price_amount=100,
            subtotal_amount=100,
        )
    _order(store, "test")

    def rows(kind, **query):
        url = reverse("admin:transfers_export_download", args=[store.pk, kind])
        response = merchant.get(url, query)
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode()
        return list(csv.DictReader(io.StringIO(text)))

    everyone = rows("customers")
    assert {(r["email"], r["accepts_marketing"]) for r in everyone} == {
        ("yes@example.com", "yes"),
        ("no@example.com", "no"),
    }
    assert [r["email"] for r in rows("customers", audience="marketing")] == [
        "yes@example.com"
    ]
    orders = rows("orders")
    assert [(r["order_id"], r["sku"]) for r in orders] == [
        (order.pk, "A-1"),
        (order.pk, "B-2"),
    ]
    assert {r["created_at"] for r in orders} == {"2026-06-30T23:30:00-04:00"}
    bad = reverse("admin:transfers_export_download", args=[store.pk, "customers"])
    assert merchant.get(bad, {"audience": "spam"}).status_code == 404

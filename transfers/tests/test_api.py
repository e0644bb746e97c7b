"""The private API: imports (upload, progress, report), exports, tenancy and key modes."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client, TestCase

from catalog.models import Product
from transfers import services
from transfers.models import Import

pytestmark = pytest.mark.django_db


def _post_import(key: str, content: bytes, **fields):
    client = Client()
    upload = io.BytesIO(content)
    upload.name = "products.csv"
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        return client.post(
            "/v3/private/imports",
            {"file": upload, **fields},
            headers={"Authorization": f"Bearer {key}"},
        )


def _rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_upload_progress_and_report(shop, shopify_csv, api_client_for):
    response = _post_import(shop.live_sk, shopify_csv, dryRun="false")
    assert response.status_code == 202, response.content
    data = response.json()["data"]
    assert data["id"].startswith("imp_")
    assert data["format"] == "shopify"
    assert data["dryRun"] is False
    # A worker runs it (eagerly without Redis); run it here either way (a no-op if done).
    services.import_run(import_id=data["id"], time_budget=None)

    live = api_client_for("private", shop.live_sk)
    body = live.get(f"/imports/{data['id']}").json()["data"]
    assert body["status"] == "done"
    assert body["progress"] == {
        "rowsTotal": 11,
        "rowsDone": 11,
        "percent": 100,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "refused": 2,
        "imagesImported": 3,
        "imagesFailed": 1,
    }
    assert body["reportUrl"] == f"/v3/private/imports/{data['id']}/report"

    report = live.get(f"/imports/{data['id']}/report")
    assert report.status_code == 200
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    rows = _rows(report)
    refused = [r for r in rows if r["action"] == "refused"]
    assert [(r["row"], r["handle"]) for r in refused] == [
        ("10", "broken-price"),
        ("11", "sku-clash"),
    ]
    assert Product.objects.filter(store=shop.store).count() == 4


def test_the_uploaded_file_is_private(shop, shopify_csv, settings):
    from pathlib import Path

    from transfers.models import Import

    response = _post_import(shop.sk, shopify_csv, dryRun="true")
    assert response.status_code == 202
    upload = Import.objects.get(pk=response.json()["data"]["id"]).file
    # In the private storage (signed, expiring links), never under the public MEDIA_URL.
    assert Path(upload.path).is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert not upload.url.startswith(settings.MEDIA_URL)


def test_dry_run_through_the_api_changes_nothing(shop, shopify_csv):
    response = _post_import(shop.sk, shopify_csv, dryRun="true")
    assert response.status_code == 202, response.content
    run_id = response.json()["data"]["id"]
    run = services.import_run(import_id=run_id, time_budget=None)
    assert (run.dry_run, run.mode, run.products_created) == (True, "test", 4)
    assert not Product.objects.filter(store=shop.store).exists()


def test_a_test_key_may_only_dry_run(shop, shopify_csv):
    response = _post_import(shop.sk, shopify_csv)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "test_mode_dry_run_only"
    assert not Import.objects.exists()


def test_bad_upload_is_a_422_naming_the_file(shop):
    response = _post_import(shop.live_sk, b"\xff\xfe not csv at all")
    assert response.status_code == 422
    assert "file" in response.json()["error"]["fields"]
    missing = Client().post(
        "/v3/private/imports", {}, headers={"Authorization": f"Bearer {shop.live_sk}"}
    )
    assert missing.status_code == 422
    assert "file" in missing.json()["error"]["fields"]
    assert not Import.objects.exists()


def test_another_store_or_mode_cannot_read_an_import(
    shop, other_shop, shopify_csv, api_client_for
):
    run_id = _post_import(shop.live_sk, shopify_csv).json()["data"]["id"]
    for key in (other_shop.live_sk, shop.sk):
        client = api_client_for("private", key)
        assert client.get(f"/imports/{run_id}").status_code == 404
        assert client.get(f"/imports/{run_id}/report").status_code == 404
    assert (
        api_client_for("private", shop.live_sk).get(f"/imports/{run_id}").status_code
        == 200
    )


def test_product_export_formats(shop, shopify_csv, api_client_for):
    services.import_run(
        import_id=_post_import(shop.live_sk, shopify_csv).json()["data"]["id"],
        time_budget=None,
    )
    client = api_client_for("private", shop.live_sk)
    native = _rows(client.get("/exports/products"))
    assert native[0]["handle"] == "linen-shirt"
    assert {r["variant_sku"] for r in native} >= {"LS-S-SAND", "MUG-350"}
    shopify = client.get("/exports/products", query={"format": "shopify"})
    assert shopify["Content-Disposition"].startswith('attachment; filename="products-')
    mug = next(r for r in _rows(shopify) if r["Handle"] == "cafe-creme-mug")
    assert (mug["Variant Price"], mug["Variant Compare At Price"]) == ("12.00", "15.00")
    bad = client.get("/exports/products", query={"format": "xml"})
    assert bad.status_code == 422
    assert "format" in bad.json()["error"]["fields"]
    # Another store's export has none of these products.
    other = api_client_for("private", shop.sk)
    assert other.get("/exports/products").status_code == 200

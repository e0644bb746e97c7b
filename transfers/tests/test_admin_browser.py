"""The import page's live progress bar in a real browser: it follows a running import and
shows the final report link when it is done (tests/browser.py)."""

from __future__ import annotations

import re

import pytest

from core import services as core_services
from transfers import services
from transfers.models import Import

from .helpers import upload
from .test_batches import native_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_the_progress_bar_follows_a_running_import(
    page, page_errors, live_server, shop, monkeypatch
):
    core_services.merchant_add(
        store=shop.store, email="owner@acme.test", password=PASSWORD
    )
    monkeypatch.setattr(services, "BATCH_ROWS", 4)
    monkeypatch.setattr(services, "enqueue", lambda *args: None)
    run = services.import_create(
        store=shop.store,
        mode="live",
        upload=upload(native_csv(10)),
        dry_run=False,
        queue=False,
    )
    services.import_run(import_id=run.pk, time_budget=0)  # one batch of the three

    page.goto(
        f"{live_server.url}/admin/login/?next=/admin/transfers/import/{run.pk}/change/"
    )
    page.fill("#id_username", "owner@acme.test")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/change/$"))
    bar = page.locator("#import-progress-bar")
    assert bar.get_attribute("value") == "40"
    assert "4 of 10 rows, 0 refused (Running)" in page.inner_text(
        "#import-progress-text"
    )

    # The worker goes on; the page polls and shows it without a reload by the merchant.
    while services.import_run(import_id=run.pk, time_budget=0).status != "done":
        pass
    page.wait_for_function(
        "document.getElementById('import-progress-text').textContent.includes('(Done)')"
    )
    assert page.locator("#import-progress-bar").get_attribute("value") == "100"
    assert "10 of 10 rows" in page.inner_text("#import-progress-text")
    report = page.get_by_text("Download the report (CSV)")
    assert report.get_attribute("href").endswith(f"/{run.pk}/report/")
    assert Import.objects.get(pk=run.pk).products_created == 10
    assert page_errors == []

"""Parallel downloads at the limit on PostgreSQL, each request on its own connection."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carts.tests.factories import make_product
from downloads import services
from downloads.models import DownloadGrant
from tests.concurrency import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_downloads_at_the_limit_let_exactly_the_limit_through(
    make_store, make_order, settings
):
    settings.DOWNLOAD_LIMIT = 3
    shop = make_store()
    product = make_product(shop.store, product_type="digital", price=1000)
    services.product_file_add(
        product=product, upload=SimpleUploadedFile("book.pdf", b"%PDF book")
    )
    order = make_order(shop.store, lines=[(product.variants.get(), 1)])
    order.payment_status = "paid"
    order.save()
    [grant] = services.grants_issue(order=order)
    path = urlsplit(services.download_url(grant)).path
    statuses = []

    def fetch(index):
        response = Client().get(path)
        if response.status_code == 200:
            assert b"".join(response.streaming_content) == b"%PDF book"
            response.close()
        statuses.append(response.status_code)

    run_threads(12, fetch)

    assert sorted(statuses) == [200] * 3 + [403] * 9
    assert DownloadGrant.objects.get().download_count == 3

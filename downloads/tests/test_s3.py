"""Downloads with the private storage on S3 (moto in server mode on a loopback port): the
same upload and link, answered by a redirect to a presigned URL of a few seconds."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carts.tests.factories import make_product
from core.storage import private_storage
from core.tests import test_storage
from downloads import services
from downloads.models import DownloadGrant

pytestmark = pytest.mark.django_db

s3_server = test_storage.s3_server
s3_storages_on = test_storage.s3_storages_on


def test_on_s3_a_download_redirects_to_a_short_presigned_url(
    s3_storages_on, make_store, make_order, settings, django_capture_on_commit_callbacks
):
    settings.DOWNLOAD_REDIRECT_SECONDS = 30
    shop = make_store()
    product = make_product(shop.store, product_type="digital", price=1000)
    record = services.product_file_add(
        product=product,
        upload=SimpleUploadedFile("Guide 2026.pdf", b"%PDF on s3"),
    )
    assert private_storage().exists(record.storage_name)
    order = make_order(shop.store, lines=[(product.variants.get(), 1)])
    order.payment_status = "paid"
    order.save()
    [grant] = services.grants_issue(order=order)
    link = services.download_url(grant)
    assert record.storage_name not in link

    response = Client().get(urlsplit(link).path)

    assert response.status_code == 302
    target = response["Location"]
    query = parse_qs(urlsplit(target).query)
    assert query["X-Amz-Expires"] == ["30"] and "X-Amz-Signature" in query
    assert query["response-content-disposition"] == [
        'attachment; filename="Guide 2026.pdf"'
    ]
    assert test_storage._get(target) == (200, b"%PDF on s3")
    assert DownloadGrant.objects.get().download_count == 1

    # Deleting the file removes the object from the bucket once committed.
    with django_capture_on_commit_callbacks(execute=True):
        services.product_file_delete(file=record)
    assert not private_storage().exists(record.storage_name)

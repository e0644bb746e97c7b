"""The dashboard: files inline on the product page, and the download links list with its
"Reset downloads" action; scoped to the merchant's stores."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from catalog.tests.test_admin import _inline_management, _product_form
from core import services as core_services
from downloads.models import DownloadGrant, ProductFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(checkout_shop):
    user, _ = core_services.merchant_add(
        store=checkout_shop.store, email="owner@acme.test"
    )
    client = Client()
    client.force_login(user)
    return client


def _ebook_form(checkout_shop, ebook, **rows):
    data = _product_form(
        checkout_shop.keys,
        name=ebook.name,
        slug=ebook.slug,
        product_type="digital",
        price_amount="10.00",
        shipping_type="none",
    )
    data.update(_inline_management("download_files", total=1, initial=1))
    data.update(
        {"download_files-0-id": ebook.file.pk, "download_files-0-product": ebook.pk}
    )
    data.update(rows)
    return data


def test_the_product_page_uploads_a_file_inline(
    merchant, checkout_shop, ebook, private_disk
):
    url = reverse("admin:catalog_product_change", args=[ebook.pk])
    page = merchant.get(url)
    assert page.status_code == 200
    assert "Downloadable files" in page.content.decode()
    assert "candles.pdf" in page.content.decode()

    data = _ebook_form(checkout_shop, ebook)
    data.update(_inline_management("download_files", total=2, initial=1))
    data["download_files-1-upload"] = SimpleUploadedFile(
        "wicks.pdf", b"%PDF wicks", content_type="application/pdf"
    )
    response = merchant.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    added = ProductFile.objects.get(filename="wicks.pdf")
    assert (added.product_id, added.store_id) == (ebook.pk, checkout_shop.store.pk)
    assert added.size == 10 and added.content_type == "application/pdf"
    assert (private_disk / added.storage_name).read_bytes() == b"%PDF wicks"


def test_the_product_page_refuses_a_file_over_the_limit(
    merchant, checkout_shop, ebook, settings
):
    settings.DOWNLOAD_MAX_FILE_BYTES = 5
    url = reverse("admin:catalog_product_change", args=[ebook.pk])
    data = _ebook_form(checkout_shop, ebook)
    data.update(_inline_management("download_files", total=2, initial=1))
    data["download_files-1-upload"] = SimpleUploadedFile("big.pdf", b"123456")

    response = merchant.post(url, data)

    assert response.status_code == 200
    assert "larger than the 5 bytes allowed" in response.content.decode()
    assert ProductFile.objects.count() == 1


def test_deleting_a_file_inline_removes_it_from_storage(
    merchant, checkout_shop, ebook, private_disk, django_capture_on_commit_callbacks
):
    name = ebook.file.storage_name
    url = reverse("admin:catalog_product_change", args=[ebook.pk])
    data = _ebook_form(checkout_shop, ebook, **{"download_files-0-DELETE": "on"})

    with django_capture_on_commit_callbacks(execute=True):
        response = merchant.post(url, data)

    assert response.status_code == 302
    assert not ProductFile.objects.exists()
    assert not (private_disk / name).exists()


def test_the_reset_action_gives_the_shopper_fresh_downloads(merchant, paid):
    grant = DownloadGrant.objects.get()
    DownloadGrant.objects.filter(pk=grant.pk).update(download_count=5)
    listing = merchant.get(reverse("admin:downloads_downloadgrant_changelist"))
    assert (
        listing.status_code == 200 and "reader@example.com" in listing.content.decode()
    )

    response = merchant.post(
        reverse("admin:downloads_downloadgrant_changelist"),
        {"action": "reset_downloads", "_selected_action": [grant.pk]},
        follow=True,
    )

    assert "Reset 1 download link(s)." in [str(m) for m in response.context["messages"]]
    grant.refresh_from_db()
    assert grant.download_count == 0


def test_another_stores_merchant_sees_no_links(paid, other_shop):
    user, _ = core_services.merchant_add(
        store=other_shop.store, email="other@other.test"
    )
    client = Client()
    client.force_login(user)
    listing = client.get(reverse("admin:downloads_downloadgrant_changelist"))
    assert listing.status_code == 200
    assert "reader@example.com" not in listing.content.decode()
    grant = DownloadGrant.objects.get()
    assert (
        client.get(
            reverse("admin:downloads_downloadgrant_change", args=[grant.pk])
        ).status_code
        == 404
    )

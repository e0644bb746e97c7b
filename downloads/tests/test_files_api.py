"""Product files through the private API: upload (multipart), list, delete, limits and
tenancy."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carts.tests.factories import make_product
from downloads.models import ProductFile

pytestmark = pytest.mark.django_db


def upload(key, product_id, content=b"%PDF-1.7", name="guide.pdf", **fields):
    return Client().post(
        f"/v3/private/products/{product_id}/files",
        {"file": SimpleUploadedFile(name, content, "application/pdf"), **fields},
        headers={"Authorization": f"Bearer {key}"},
    )


def files(private, product_id):
    response = private.get(f"/products/{product_id}/files")
    assert response.status_code == 200
    return response.json()["data"]


def test_upload_list_and_delete_a_file(shop, private, private_disk):
    product = make_product(shop.store, product_type="digital")

    response = upload(shop.sk, product.pk, b"%PDF-1.7 guide", "Guide 2026.pdf")

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["productId"] == product.pk and data["variantId"] is None
    assert data["fileName"] == "Guide 2026.pdf" and data["size"] == 14
    assert data["contentType"] == "application/pdf"
    assert data["id"].startswith("dfile_")
    assert "storageName" not in data and "downloads/" not in str(data)
    stored = ProductFile.objects.get(pk=data["id"])
    assert (private_disk / stored.storage_name).read_bytes() == b"%PDF-1.7 guide"
    # by slug as well as by id
    assert [f["id"] for f in files(private, product.slug)] == [data["id"]]

    deleted = private.delete(f"/products/{product.pk}/files/{data['id']}")

    assert deleted.status_code == 204
    assert files(private, product.pk) == []
    assert not (private_disk / stored.storage_name).exists()
    again = private.delete(f"/products/{product.pk}/files/{data['id']}")
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"


def test_a_file_for_one_variant(shop, private):
    product = make_product(
        shop.store,
        product_type="digital",
        variants=[{"values": {"Format": "PDF"}}, {"values": {"Format": "EPUB"}}],
    )
    epub = product.variants.get(option_values__value="EPUB")

    response = upload(shop.sk, product.pk, variantId=epub.pk)

    assert response.status_code == 201, response.json()
    assert response.json()["data"]["variantId"] == epub.pk
    other = make_product(shop.store)
    wrong = upload(shop.sk, product.pk, variantId=other.variants.get().pk)
    assert wrong.status_code == 422
    assert wrong.json()["error"]["fields"] == {
        "variantId": ["This product has no such variant."]
    }


def test_size_limit_empty_and_missing_files_are_422_and_store_nothing(
    shop, settings, private_disk
):
    settings.DOWNLOAD_MAX_FILE_BYTES = 10
    product = make_product(shop.store, product_type="digital")

    too_big = upload(shop.sk, product.pk, b"x" * 11)
    empty = upload(shop.sk, product.pk, b"")
    missing = Client().post(
        f"/v3/private/products/{product.pk}/files",
        {},
        headers={"Authorization": f"Bearer {shop.sk}"},
    )

    assert too_big.status_code == 422
    assert too_big.json()["error"]["code"] == "file_too_large"
    assert too_big.json()["error"]["fields"] == {
        "file": ["The file is larger than the 10 bytes allowed."]
    }
    assert empty.status_code == 422
    assert empty.json()["error"]["fields"] == {"file": ["The file is empty."]}
    assert missing.status_code == 422 and "file" in missing.json()["error"]["fields"]
    assert not ProductFile.objects.exists()
    assert not private_disk.exists() or not any(private_disk.rglob("*.*"))
    assert upload(shop.sk, product.pk, b"x" * 10).status_code == 201


def test_another_stores_key_sees_a_404(shop, other_shop, private, api_client_for):
    product = make_product(shop.store, product_type="digital")
    made = upload(shop.sk, product.pk).json()["data"]
    other = api_client_for("private", other_shop.sk)

    assert upload(other_shop.sk, product.pk).status_code == 404
    assert other.get(f"/products/{product.pk}/files").status_code == 404
    gone = other.delete(f"/products/{product.pk}/files/{made['id']}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"
    assert ProductFile.objects.filter(pk=made["id"]).exists()
    # A file id under another product of the same store is not found either.
    second = make_product(shop.store, product_type="digital")
    assert (
        private.delete(f"/products/{second.pk}/files/{made['id']}").status_code == 404
    )


def test_a_malformed_file_id_is_a_404_without_a_query(shop, private):
    product = make_product(shop.store, product_type="digital")
    response = private.delete(f"/products/{product.pk}/files/prod_x")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_demo_gives_digital_products_a_file_once(shop, private_disk):
    from downloads import demo

    guide = make_product(shop.store, product_type="digital", name="Guide")
    make_product(shop.store, name="Candle")

    demo.seed(store=shop.store)
    demo.seed(store=shop.store)

    [record] = ProductFile.objects.all()
    assert record.product_id == guide.pk and record.content_type == "text/plain"
    assert b"Guide" in (private_disk / record.storage_name).read_bytes()

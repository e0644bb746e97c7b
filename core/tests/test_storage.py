"""Media through Django's storage API: public product images and private files (signed,
expiring URLs), on this machine's disk or on an S3-compatible store (moto in server mode,
started here on a loopback port and stopped by its process id)."""

from __future__ import annotations

import uuid
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import ProxyHandler, build_opener

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core.storage import private_file_url, private_storage
from tests.processes import MotoServer, s3_available, tool_missing

S3_BUCKET = "shop-media"
S3_PRIVATE_BUCKET = "shop-private"


@pytest.fixture
def disk_storages(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
        "private": {
            "BACKEND": "core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    return tmp_path


def test_a_private_file_on_disk_downloads_by_its_signed_link_only(
    disk_storages, client
):
    name = private_storage().save("exports/orders.csv", ContentFile(b"a,b\n1,2\n"))
    assert (disk_storages / "private" / name).exists()
    assert not (disk_storages / "media" / name).exists()

    url = private_file_url(name)
    assert url.startswith("http://") and "/files/" in url
    path = urlsplit(url).path
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"a,b\n1,2\n"
    assert 'attachment; filename="orders.csv"' in response["Content-Disposition"]

    assert client.get(path[:-2] + "xx").status_code == 404  # tampered signature
    assert client.get(f"/media/{name}").status_code == 404  # not public media
    expired = private_file_url(name, expire=-1)
    assert client.get(urlsplit(expired).path).status_code == 404


# -- S3 (moto in server mode) -------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    if not s3_available():
        tool_missing(
            "needs moto[server] and django-storages[s3] (the dev and s3 extras)"
        )
    server = MotoServer(log_dir=tmp_path_factory.mktemp("moto")).start()
    try:
        server.create_buckets(public=S3_BUCKET, private=S3_PRIVATE_BUCKET)
        yield server
    finally:
        server.stop()


def _get(url: str) -> tuple[int, bytes]:
    opener = build_opener(ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, b""


@pytest.fixture
def s3_storages_on(s3_server, settings, load_settings):
    """STORAGES as the settings make them with STORAGE_BACKEND=s3, on the local server (a
    prefix of its own in each bucket)."""
    prefix = uuid.uuid4().hex[:8]
    configured = load_settings(
        **s3_server.environment(public=S3_BUCKET, private=S3_PRIVATE_BUCKET),
        AWS_MEDIA_LOCATION=f"{prefix}/media",
        AWS_PRIVATE_LOCATION=f"{prefix}/private",
        AWS_S3_URL_PROTOCOL="http:",
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": configured.STORAGES["default"],
        "private": configured.STORAGES["private"],
    }
    return s3_server.client()


def test_storage_backend_s3_switches_both_storages(load_settings):
    module = load_settings(
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="media-bucket",
        AWS_PRIVATE_BUCKET_NAME="private-bucket",
        AWS_S3_ENDPOINT_URL="http://minio.invalid:9000",
        AWS_S3_REGION_NAME="eu-west-1",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    public, private = module.STORAGES["default"], module.STORAGES["private"]
    assert public["BACKEND"] == private["BACKEND"] == "storages.backends.s3.S3Storage"
    assert public["OPTIONS"]["bucket_name"] == "media-bucket"
    assert private["OPTIONS"]["bucket_name"] == "private-bucket"
    assert public["OPTIONS"]["querystring_auth"] is False
    assert private["OPTIONS"]["querystring_auth"] is True
    for options in (public["OPTIONS"], private["OPTIONS"]):
        assert options["endpoint_url"] == "http://minio.invalid:9000"
        assert options["region_name"] == "eu-west-1"
        assert (options["access_key"], options["secret_key"]) == ("key", "secret")
    # Media is served by the object store, not by Django.
    assert module.SERVE_MEDIA is False

    with pytest.raises(ValueError, match="STORAGE_BACKEND"):
        load_settings(STORAGE_BACKEND="ftp")
    assert load_settings().STORAGES["private"]["BACKEND"] == (
        "core.storage.PrivateFileSystemStorage"
    )


def test_product_images_are_public_urls_on_s3(s3_storages_on):
    name = default_storage.save("products/2026/12/candle.jpg", ContentFile(b"JPEG"))
    url = default_storage.url(name)
    assert "X-Amz-Signature" not in url
    assert _get(url) == (200, b"JPEG")


def test_private_files_on_s3_need_their_signed_url(s3_storages_on):
    name = private_storage().save("downloads/ebook.pdf", ContentFile(b"%PDF-1.7"))
    url = private_file_url(name, expire=300)
    assert "X-Amz-Signature" in url and "X-Amz-Expires=300" in url
    assert _get(url) == (200, b"%PDF-1.7")
    unsigned = url.split("?", 1)[0]
    assert _get(unsigned)[0] == 403
    # (moto does not check the signature itself, only that the request is signed.)


def test_the_health_check_writes_to_both_storages_on_s3(s3_storages_on, settings):
    from core.selectors import system_health

    assert system_health()["storage"] == "ok"
    # The private bucket gone (a wrong name, a deleted bucket): the check says so.
    private = settings.STORAGES["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            **private,
            "OPTIONS": {**private["OPTIONS"], "bucket_name": "shop-missing"},
        },
    }
    assert system_health()["storage"].startswith("error")


@pytest.mark.django_db
def test_the_storefront_page_takes_product_images_from_the_object_store(
    s3_storages_on, shop, client
):
    page = client.get(f"/storefront/{shop.pk}/")
    assert page.status_code == 200
    base = default_storage.url("x")[:-1]
    assert base.startswith("http://127.0.0.1:") and base.endswith("/media/")
    assert f'data-media-base="{base}"' in page.content.decode()
    assert urlsplit(base).netloc in page["Content-Security-Policy"]
    # The API's media path appended to that base is the image.
    name = default_storage.save("products/2026/12/front.jpg", ContentFile(b"JPEG"))
    assert _get(base + name) == (200, b"JPEG")


@pytest.mark.django_db
def test_on_disk_the_storefront_takes_images_from_this_server(
    disk_storages, shop, client
):
    page = client.get(f"/storefront/{shop.pk}/")
    assert 'data-media-base="http://testserver/media/"' in page.content.decode()

"""Media through Django's storage API: public product images and private files (signed,
expiring URLs), on this machine's disk or on an S3-compatible store (moto in server mode,
started here on a loopback port and stopped by its process id)."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import ProxyHandler, build_opener

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core.storage import private_file_url, private_storage
from tests.processes import Process, free_port, wait_until

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
    if (
        importlib.util.find_spec("moto") is None
        or importlib.util.find_spec("storages") is None
    ):
        pytest.skip(
            "needs moto[server] and django-storages[s3] (the dev and s3 extras)"
        )
    log_dir = tmp_path_factory.mktemp("moto")
    port = free_port()
    server = Process(
        f"moto-{port}",
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env={
            "PATH": "/usr/bin:/bin",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        },
        log_dir=log_dir,
    ).start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _get(endpoint)[0] in {200, 403, 404}, 30), (
            server.log()
        )
        yield endpoint
    finally:
        server.stop()


def _get(url: str) -> tuple[int, bytes]:
    opener = build_opener(ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, b""
    except OSError:
        return 0, b""


def s3_storages(base: dict, *, endpoint: str, prefix: str) -> dict:
    """The settings' S3 branch, pointed at the local server (as STORAGE_BACKEND=s3 does)."""
    common = {
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "access_key": "testing",
        "secret_key": "testing",
        "signature_version": "s3v4",
        "file_overwrite": False,
    }
    return {
        **base,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": S3_BUCKET,
                "location": f"{prefix}/media",
                "querystring_auth": False,
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": S3_PRIVATE_BUCKET,
                "location": f"{prefix}/private",
                "querystring_auth": True,
                "querystring_expire": 600,
                "default_acl": "private",
            },
        },
    }


@pytest.fixture
def s3_storages_on(s3_server, settings):
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for bucket in (S3_BUCKET, S3_PRIVATE_BUCKET):
        client.create_bucket(Bucket=bucket)
    # Public media readable by anyone, as a shop's media bucket is configured.
    client.put_bucket_policy(
        Bucket=S3_BUCKET,
        Policy=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
            f'"Action":"s3:GetObject","Resource":"arn:aws:s3:::{S3_BUCKET}/*"}}]}}'
        ),
    )
    settings.STORAGES = s3_storages(
        settings.STORAGES, endpoint=s3_server, prefix=uuid.uuid4().hex[:8]
    )
    return client


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


def test_the_health_check_writes_to_both_storages_on_s3(s3_storages_on):
    from core.selectors import system_health

    assert system_health()["storage"] == "ok"
    s3_storages_on.delete_bucket_policy(Bucket=S3_BUCKET)
    for bucket in (S3_PRIVATE_BUCKET,):
        for item in s3_storages_on.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3_storages_on.delete_object(Bucket=bucket, Key=item["Key"])
        s3_storages_on.delete_bucket(Bucket=bucket)
    assert system_health()["storage"].startswith("error")

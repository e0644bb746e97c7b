"""Where files live: public media (product images) and private files (digital downloads,
generated exports and imports), each through Django's storage API.

``STORAGES["default"]`` holds public media, ``STORAGES["private"]`` private files; settings
point both at this machine's disk or, with ``STORAGE_BACKEND=s3``, at an S3-compatible
store, so code never knows which. A private file is reached only by a signed URL that
expires: S3 signs it itself (a presigned URL); on disk :class:`PrivateFileSystemStorage`
signs a link to :func:`private_file_view`.
"""

from __future__ import annotations

import posixpath
import time

from django.conf import settings
from django.core import signing
from django.core.files.storage import (
    FileSystemStorage,
    Storage,
    default_storage,
    storages,
)
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.views.decorators.http import require_safe

from .links import request_base_url, server_base_url

PRIVATE_STORAGE = "private"
_SIGNING_SALT = "core.storage.private-file"


def public_media_base(request=None) -> str:
    """The absolute URL public media paths are appended to (ends in ``/``): ``MEDIA_URL`` on
    this server, or the object store's (or its CDN's) address of the media bucket."""
    url = default_storage.url("x")[:-1]  # a name's URL less the name: the prefix
    if url.startswith("/"):
        base = request_base_url(request) if request is not None else server_base_url()
        url = base + url
    return url


def private_storage() -> Storage:
    """The storage of private files (``STORAGES["private"]``)."""
    return storages[PRIVATE_STORAGE]


def private_file_url(name: str, *, expire: int | None = None, request=None) -> str:
    """An absolute URL that downloads private file ``name`` for ``expire`` seconds
    (``PRIVATE_URL_EXPIRE_SECONDS`` by default), then stops working."""
    url = private_storage().url(name, expire=expire)
    if url.startswith("/"):
        base = request_base_url(request) if request is not None else server_base_url()
        url = base + url
    return url


class PrivateFileSystemStorage(FileSystemStorage):
    """Private files on this machine's disk (``PRIVATE_MEDIA_ROOT``), for one machine.

    Not under ``MEDIA_URL``: :meth:`url` is a signed link to :func:`private_file_view`,
    with the same ``expire`` argument as django-storages' S3 backend.
    """

    def __init__(self, location=None, **kwargs):
        super().__init__(location=location or settings.PRIVATE_MEDIA_ROOT, **kwargs)

    def url(self, name, expire=None):
        seconds = settings.PRIVATE_URL_EXPIRE_SECONDS if expire is None else expire
        token = signing.dumps(
            {"name": name, "until": int(time.time()) + int(seconds)},
            salt=_SIGNING_SALT,
            compress=True,
        )
        return reverse("private-file", kwargs={"token": token})


@require_safe
def private_file_view(request, token: str):
    """Send the private file a signed, unexpired token names; anything else is a 404."""
    try:
        payload = signing.loads(token, salt=_SIGNING_SALT)
    except signing.BadSignature:
        raise Http404("No such file.") from None
    if payload["until"] < time.time():
        raise Http404("This link has expired.")
    storage = private_storage()
    name = payload["name"]
    if not storage.exists(name):
        raise Http404("No such file.")
    return FileResponse(
        storage.open(name, "rb"),
        as_attachment=True,
        filename=posixpath.basename(name),
    )


site_urlpatterns = [
    path("files/<str:token>", private_file_view, name="private-file"),
]

"""The download link: ``GET /downloads/<signed token>`` (outside ``/v3``: a link in an email
or on the confirmation page, no key).

It counts the download (``services.download_claim``) and then streams the file from this
machine's disk, or redirects to a presigned URL of a few seconds
(``DOWNLOAD_REDIRECT_SECONDS``) when the private storage is S3. The storage path never
appears in a link the shopper keeps. Refusals are the API's error envelope.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpResponseRedirect, JsonResponse
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from core.api.exceptions import domain_error_body, domain_status
from core.exceptions import DomainError
from core.storage import private_storage

from . import services


def _on_disk(storage, name: str) -> bool:
    try:
        storage.path(name)
    except NotImplementedError:
        return False
    return True


@require_GET
def download_view(request, token: str):
    try:
        grant = services.download_claim(token=token)
    except DomainError as exc:
        return JsonResponse(domain_error_body(exc), status=domain_status(exc))
    storage = private_storage()
    stored = grant.file
    if _on_disk(storage, stored.storage_name):
        response = FileResponse(
            storage.open(stored.storage_name, "rb"),
            as_attachment=True,
            filename=stored.filename,
            content_type=stored.content_type or None,
        )
    else:
        disposition = content_disposition_header(True, stored.filename)
        response = HttpResponseRedirect(
            storage.url(
                stored.storage_name,
                expire=settings.DOWNLOAD_REDIRECT_SECONDS,
                parameters={"ResponseContentDisposition": disposition},
            )
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


site_urlpatterns = [
    path("downloads/<str:token>", download_view, name="download"),
]

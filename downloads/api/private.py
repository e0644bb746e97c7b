"""Private endpoints: a product's downloadable files, and an order's download links."""

from __future__ import annotations

from djangorestframework_camel_case.parser import (
    CamelCaseFormParser,
    CamelCaseMultiPartParser,
)
from drf_spectacular.utils import extend_schema
from rest_framework import status as http

from catalog.selectors import product_lookup
from core.api.schema import envelope
from core.api.views import PrivateApi
from orders.selectors import order_get

from .. import selectors, services
from ..serializers import (
    DownloadGrantSerializer,
    DownloadResetSerializer,
    ProductFileCreateSerializer,
    ProductFileSerializer,
)


class ProductFilesApi(PrivateApi):
    rate_limits = {"GET": "240/m", "POST": "30/m"}
    parser_classes = (CamelCaseMultiPartParser, CamelCaseFormParser)

    @extend_schema(
        operation_id="product_files_list",
        summary="List a product's downloadable files",
        responses=envelope(ProductFileSerializer, many=True),
    )
    def get(self, request, product, **kwargs):
        found = product_lookup(store=self.store, ref=product)
        files = selectors.product_files(product=found)
        return self.respond(self.serialize(ProductFileSerializer, files, many=True))

    @extend_schema(
        operation_id="product_file_create",
        summary="Upload a downloadable file",
        description="Multipart upload of a file that buyers of the product (or of one "
        "variant, `variantId`) can download once their order is paid. At most "
        "`DOWNLOAD_MAX_FILE_BYTES` (500 MB by default).",
        request={"multipart/form-data": ProductFileCreateSerializer},
        responses={201: envelope(ProductFileSerializer)},
    )
    def post(self, request, product, **kwargs):
        found = product_lookup(store=self.store, ref=product)
        data = self.validate(ProductFileCreateSerializer)
        record = services.product_file_add(
            product=found, upload=data["file"], variant_id=data.get("variant_id")
        )
        return self.respond(
            self.serialize(ProductFileSerializer, record),
            status=http.HTTP_201_CREATED,
        )


class ProductFileApi(PrivateApi):
    rate_limits = {"DELETE": "60/m"}

    @extend_schema(
        operation_id="product_file_delete",
        summary="Delete a downloadable file",
        description="The file goes, and with it the download links that named it.",
        responses={204: None},
    )
    def delete(self, request, product, file, **kwargs):
        found = product_lookup(store=self.store, ref=product)
        record = selectors.product_file_get(product=found, file_id=file)
        services.product_file_delete(file=record)
        return self.no_content()


class OrderDownloadsApi(PrivateApi):
    rate_limits = {"GET": "240/m"}

    @extend_schema(
        operation_id="order_downloads_list",
        summary="List an order's download links",
        responses=envelope(DownloadGrantSerializer, many=True),
    )
    def get(self, request, order, **kwargs):
        found = order_get(store=self.store, mode=self.mode, order_id=order)
        grants = selectors.order_grants(order=found)
        return self.respond(self.serialize(DownloadGrantSerializer, grants, many=True))


class OrderDownloadsResetApi(PrivateApi):
    rate_limits = {"POST": "60/m"}

    @extend_schema(
        operation_id="order_downloads_reset",
        summary="Reset a shopper's downloads",
        description="Counts back to 0 and a new expiry for the order's links (or only "
        "`grantIds`). Links revoked by a refund stay revoked.",
        request=DownloadResetSerializer,
        responses=envelope(DownloadGrantSerializer, many=True),
    )
    def post(self, request, order, **kwargs):
        found = order_get(store=self.store, mode=self.mode, order_id=order)
        data = self.validate(DownloadResetSerializer)
        services.grants_reset(order=found, grant_ids=data.get("grant_ids"))
        grants = selectors.order_grants(order=found)
        return self.respond(self.serialize(DownloadGrantSerializer, grants, many=True))

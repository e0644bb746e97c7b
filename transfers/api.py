"""Private endpoints: imports (upload, status and progress, report) and CSV exports.

Imports are kept per key mode: a key reads only the imports made in its own mode. The
catalogue itself is shared by both modes, so a test key may only dry-run an import (test
mode never changes the live catalogue); a live key runs it for real.
"""

from __future__ import annotations

from djangorestframework_camel_case.parser import (
    CamelCaseFormParser,
    CamelCaseMultiPartParser,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.negotiation import DefaultContentNegotiation

from core.api.schema import envelope
from core.api.views import PrivateApi
from core.exceptions import Forbidden

from . import exports, reports, selectors, services
from .exports import csv_response
from .serializers import (
    CustomerExportQuerySerializer,
    ImportCreateSerializer,
    ImportSerializer,
    ProductExportQuerySerializer,
)

CSV_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.STR, description="CSV (text/csv), streamed."
)


class CsvNegotiation(DefaultContentNegotiation):
    """``?format=`` names the CSV flavour here, not a renderer (DRF's URL override);
    errors are JSON as everywhere."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ImportsApi(PrivateApi):
    rate_limits = {"POST": "10/m"}
    parser_classes = (CamelCaseMultiPartParser, CamelCaseFormParser)
    error_statuses = (403,)

    @extend_schema(
        operation_id="import_create",
        summary="Import products from a CSV file",
        description="Multipart upload of a Shopify product CSV or this platform's "
        "product export. The import runs in the background: poll "
        "`GET /imports/{id}` for progress and download the report when done. A test "
        "key may only dry-run.",
        request={"multipart/form-data": ImportCreateSerializer},
        responses={202: envelope(ImportSerializer)},
    )
    def post(self, request, **kwargs):
        data = self.validate(ImportCreateSerializer)
        if self.mode == "test" and not data["dry_run"]:
            raise Forbidden(
                "A test key can only dry-run an import: the catalogue is shared by test "
                "and live mode. Send dryRun=true, or use a live key.",
                code="test_mode_dry_run_only",
            )
        run = services.import_create(
            store=self.store,
            mode=self.mode,
            upload=data["file"],
            dry_run=data["dry_run"],
            actor=f"api:{request.auth.display_prefix}",
        )
        return self.respond(
            self.serialize(ImportSerializer, run), status=http.HTTP_202_ACCEPTED
        )


class ImportApi(PrivateApi):
    rate_limits = {"GET": "240/m"}

    @extend_schema(
        operation_id="import_get",
        summary="Get an import's status and progress",
        responses=envelope(ImportSerializer),
    )
    def get(self, request, run, **kwargs):
        found = selectors.import_get(store=self.store, mode=self.mode, import_id=run)
        return self.respond(self.serialize(ImportSerializer, found))


class ImportReportApi(PrivateApi):
    rate_limits = {"GET": "60/m"}

    @extend_schema(
        operation_id="import_report",
        summary="Download an import's report (CSV)",
        responses={(200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, run, **kwargs):
        found = selectors.import_get(store=self.store, mode=self.mode, import_id=run)
        return csv_response(
            reports.report_csv_lines(found), f"import-report-{found.pk}"
        )


class ProductExportApi(PrivateApi):
    rate_limits = {"GET": "10/m"}
    content_negotiation_class = CsvNegotiation

    @extend_schema(
        operation_id="products_export",
        summary="Export products (CSV)",
        parameters=[
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=list(exports.PRODUCT_FORMATS)
            )
        ],
        responses={(200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        query = self.validate_query(ProductExportQuerySerializer)
        lines = exports.product_csv_lines(
            store=self.store,
            format=query["format"],
            media_url=lambda name: request.build_absolute_uri(
                exports.default_storage.url(name)
            ),
        )
        return csv_response(lines, f"products-{query['format']}")


class OrderExportApi(PrivateApi):
    rate_limits = {"GET": "10/m"}

    @extend_schema(
        operation_id="orders_export",
        summary="Export orders, one row per line (CSV)",
        responses={(200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        lines = exports.order_csv_lines(store=self.store, mode=self.mode)
        return csv_response(lines, "orders")


class CustomerExportApi(PrivateApi):
    rate_limits = {"GET": "10/m"}

    @extend_schema(
        operation_id="customers_export",
        summary="Export customers (CSV)",
        parameters=[
            OpenApiParameter(
                "audience",
                OpenApiTypes.STR,
                enum=list(exports.AUDIENCES),
                description="all: every customer with an acceptsMarketing column; "
                "marketing: only those who opted in.",
            )
        ],
        responses={(200, "text/csv"): CSV_RESPONSE},
    )
    def get(self, request, **kwargs):
        query = self.validate_query(CustomerExportQuerySerializer)
        lines = exports.customer_csv_lines(
            store=self.store, mode=self.mode, audience=query["audience"]
        )
        return csv_response(lines, f"customers-{query['audience']}")

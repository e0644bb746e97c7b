from django.urls import path

from . import api

public_urlpatterns: list = []

private_urlpatterns = [
    path("imports", api.ImportsApi.as_view(), name="imports"),
    path("imports/<imp_id:run>", api.ImportApi.as_view(), name="import"),
    path(
        "imports/<imp_id:run>/report",
        api.ImportReportApi.as_view(),
        name="import-report",
    ),
    path("exports/products", api.ProductExportApi.as_view(), name="export-products"),
    path("exports/orders", api.OrderExportApi.as_view(), name="export-orders"),
    path("exports/customers", api.CustomerExportApi.as_view(), name="export-customers"),
]

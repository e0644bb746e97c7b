"""The dashboard's import and export pages.

*Imports*: upload a CSV (dry run or real), watch its progress bar (a little script polls
``<id>/progress/``, a JSON view of the counters) and download the report. *Exports*
(``import/exports/``): product, order and customer CSVs of each of the merchant's stores,
streamed. Every write calls the same services as the API, in the dashboard's mode (live).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.admin import DASHBOARD_MODE, StoreScopedAdmin
from core.exceptions import ValidationFailed
from core.models import Store

from . import exports, reports, services
from .exports import csv_response
from .models import Import


class ImportUploadForm(forms.ModelForm):
    upload = forms.FileField(
        label="CSV file",
        help_text="A Shopify product export, or this platform's product export.",
    )

    class Meta:
        model = Import
        fields = ["store", "dry_run"]
        help_texts = {
            "dry_run": "Only report what would be created, updated and refused.",
        }

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            services.import_file_check(upload)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.fields["file"]) from None
        return upload


@admin.register(Import)
class ImportAdmin(StoreScopedAdmin):
    list_display = ("__str__", "store", "dry_run", "status", "progress", "created_at")
    list_filter = ("status", "dry_run")
    ordering = ("-created_at",)
    change_form_template = "admin/transfers/import/change_form.html"
    change_list_template = "admin/transfers/import/change_list.html"
    readonly_fields = (
        "store",
        "filename",
        "format",
        "dry_run",
        "status",
        "progress",
        "products_created",
        "products_updated",
        "products_unchanged",
        "products_refused",
        "images_imported",
        "images_failed",
        "error",
        "actor",
        "created_at",
        "started_at",
        "finished_at",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(mode=DASHBOARD_MODE)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ImportUploadForm
            kwargs["fields"] = ["store", "upload", "dry_run"]
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["store", "upload", "dry_run"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request)

    @admin.display(description="Progress")
    def progress(self, obj) -> str:
        total = obj.rows_total if obj.rows_total is not None else "?"
        return f"{obj.rows_done}/{total} rows ({obj.percent}%), {obj.products_refused} refused"

    def save_model(self, request, obj, form, change):
        run = services.import_create(
            store=form.cleaned_data["store"],
            mode=DASHBOARD_MODE,
            upload=form.cleaned_data["upload"],
            dry_run=form.cleaned_data["dry_run"],
            actor=f"dashboard:{request.user.get_username()}"[:150],
        )
        # The admin logs and redirects to ``obj``: let it be the import just made.
        obj.pk, obj.filename, obj._state.adding = run.pk, run.filename, False

    def response_add(self, request, obj, post_url_continue=None):
        """Straight to the new import's page, where its progress bar runs."""
        self.message_user(request, f"Import {obj.pk} queued.", messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:transfers_import_change", args=[obj.pk])
        )

    # -- extra pages ------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/progress/",
                wrap(self.progress_view),
                name="transfers_import_progress",
            ),
            path(
                "<path:object_id>/report/",
                wrap(self.report_view),
                name="transfers_import_report",
            ),
            path("exports/", wrap(self.exports_view), name="transfers_exports"),
            path(
                "exports/<str:store_id>/<str:kind>/",
                wrap(self.export_download_view),
                name="transfers_export_download",
            ),
            *super().get_urls(),
        ]

    def _viewable(self, request, object_id) -> Import:
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404("No such import in your stores.")
        return run

    def progress_view(self, request, object_id):
        run = self._viewable(request, object_id)
        return JsonResponse(
            {
                "status": run.status,
                "finished": run.finished,
                "rowsDone": run.rows_done,
                "rowsTotal": run.rows_total,
                "percent": run.percent,
                "created": run.products_created,
                "updated": run.products_updated,
                "unchanged": run.products_unchanged,
                "refused": run.products_refused,
                "imagesFailed": run.images_failed,
                "error": run.error,
            }
        )

    def report_view(self, request, object_id):
        run = self._viewable(request, object_id)
        return csv_response(reports.report_csv_lines(run), f"import-report-{run.pk}")

    def _stores(self, request):
        ids = self.allowed_store_ids(request)
        stores = Store.objects.order_by("name")
        return stores if ids is None else stores.filter(pk__in=ids)

    def exports_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Export CSV",
            "opts": self.opts,
            "stores": self._stores(request),
        }
        return TemplateResponse(request, "admin/transfers/exports.html", context)

    def export_download_view(self, request, store_id, kind):
        if not self.has_view_permission(request):
            raise PermissionDenied
        store = self._stores(request).filter(pk=store_id).first()
        if store is None:
            raise Http404("No such store.")
        if kind == "products":
            flavour = request.GET.get("format", "native")
            if flavour not in exports.PRODUCT_FORMATS:
                raise Http404("Unknown format.")
            lines = exports.product_csv_lines(
                store=store,
                format=flavour,
                media_url=lambda name: request.build_absolute_uri(
                    exports.default_storage.url(name)
                ),
            )
            return csv_response(lines, f"products-{flavour}")
        if kind == "orders":
            return csv_response(
                exports.order_csv_lines(store=store, mode=DASHBOARD_MODE), "orders"
            )
        if kind == "customers":
            audience = request.GET.get("audience", "all")
            if audience not in exports.AUDIENCES:
                raise Http404("Unknown audience.")
            lines = exports.customer_csv_lines(
                store=store, mode=DASHBOARD_MODE, audience=audience
            )
            return csv_response(lines, f"customers-{audience}")
        raise Http404("Unknown export.")

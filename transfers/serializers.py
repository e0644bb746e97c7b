"""Input and output shapes of the import/export endpoints (camelCase on the wire)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from core.api.fields import TimestampField

from .exports import AUDIENCES, PRODUCT_FORMATS
from .models import Import


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A Shopify product CSV or this platform's product export (UTF-8)."
    )
    dry_run = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Report what would happen without changing the catalogue.",
    )


class ImportProgressSerializer(serializers.Serializer):
    rows_total = serializers.IntegerField(allow_null=True)
    rows_done = serializers.IntegerField()
    percent = serializers.IntegerField()
    created = serializers.IntegerField(source="products_created")
    updated = serializers.IntegerField(source="products_updated")
    unchanged = serializers.IntegerField(source="products_unchanged")
    refused = serializers.IntegerField(source="products_refused")
    images_imported = serializers.IntegerField()
    images_failed = serializers.IntegerField()

    class Meta:
        ref_name = "ImportProgress"


class ImportSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=Import.Status.choices)
    format = serializers.ChoiceField(choices=Import.Format.choices)
    dry_run = serializers.BooleanField()
    filename = serializers.CharField()
    progress = ImportProgressSerializer(source="*")
    error = serializers.CharField()
    report_url = serializers.SerializerMethodField()
    created_at = TimestampField()
    started_at = TimestampField(allow_null=True)
    finished_at = TimestampField(allow_null=True)

    class Meta:
        ref_name = "Import"

    def get_report_url(self, run) -> str:
        return reverse("private:import-report", kwargs={"run": run.pk})


class ProductExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=PRODUCT_FORMATS, default="native")


class CustomerExportQuerySerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=AUDIENCES, default="all")

"""Input and output shapes of the import/export endpoints (camelCase on the wire)."""

from __future__ import annotations

import functools

from django.urls import reverse
from rest_framework import serializers

from catalog.serializers import ProductInputSerializer
from core.api.fields import TimestampField
from core.exceptions import ValidationFailed

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


# -- an imported row's product, checked as the API checks it ------------------------------


def product_row_validate(data: dict, *, partial: bool) -> dict:
    """A row's product as ``POST``/``PATCH /products`` validate it (``ProductInputSerializer``).

    A refusal is a :class:`ValidationFailed` naming each field by its path
    (``("variants", 0, "sku")``), so the import service reads domain errors only."""
    try:
        return dict(_product_validator(partial=partial).run_validation(data))
    except serializers.ValidationError as exc:
        fields: dict[tuple, list[str]] = {}
        for path, message in _detail_paths(exc.detail):
            fields.setdefault(path, []).append(message)
        raise ValidationFailed("The product is not valid.", fields=fields) from exc


@functools.cache
def _product_validator(*, partial: bool) -> ProductInputSerializer:
    """One ``ProductInputSerializer`` per kind, reused: a new one a product deep-copies
    its fields every time (a fifth of an import's time). ``run_validation`` keeps no
    state on the instance (``is_valid`` would)."""
    return ProductInputSerializer(partial=partial)


def _detail_paths(detail, path: tuple = ()):
    """``(path, message)`` for every message of a DRF error detail, in its order."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _detail_paths(value, (*path, str(key)))
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            for item in detail:
                yield path, str(item)
        else:
            for index, item in enumerate(detail):
                yield from _detail_paths(item, (*path, index))
    else:
        yield path, str(detail)

"""Helpers of the import tests: an upload, and an import run in-process."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from transfers import services


def upload(content: bytes, name: str = "products.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def run_import(store, content: bytes, *, dry_run: bool = False, mode: str = "live"):
    """Create and run an import in-process; returns the finished Import."""
    run = services.import_create(
        store=store, mode=mode, upload=upload(content), dry_run=dry_run, queue=False
    )
    return services.import_run(import_id=run.pk, time_budget=None)

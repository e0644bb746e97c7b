"""Thin Celery tasks of the import/export app."""

from celery import shared_task

from core.outbox import OutboxTask

from . import services


# A slice stops after services.SLICE_SECONDS (plus one batch) and queues the rest.
@shared_task(base=OutboxTask, ignore_result=True, soft_time_limit=240, time_limit=280)
def import_run(import_id: str) -> str:
    """Run (a slice of) an import."""
    return services.import_run(import_id=import_id).status

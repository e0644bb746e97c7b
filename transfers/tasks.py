"""Thin Celery tasks of the import/export app."""

from celery import shared_task

from core.outbox import OutboxTask

from . import services


# A slice stops after services.SLICE_SECONDS (plus one batch) and queues the rest.
@shared_task(base=OutboxTask, ignore_result=True, soft_time_limit=240, time_limit=280)
def import_run(import_id: str) -> str:
    """Run (a slice of) an import."""
    return services.import_run(import_id=import_id).status


@shared_task(base=OutboxTask, ignore_result=True)
def products_event(store_id: str, mode: str, type: str, product_ids: list[str]) -> None:
    """Publish an import batch's product events (payloads built here, not in the run)."""
    services.products_event(
        store_id=store_id, mode=mode, type=type, product_ids=product_ids
    )

"""Housekeeping tasks of core (the ``housekeeping`` queue); each is also a management command."""

from celery import shared_task

from core import outbox
from core.api import idempotency


@shared_task
def purge_idempotency_keys() -> int:
    """Delete idempotency records older than their 24-hour window."""
    return idempotency.purge_expired()


@shared_task(ignore_result=True)
def outbox_sweep() -> dict:
    """Publish queued work the broker never got, retries that are due, and work whose worker
    died (runs every minute)."""
    return outbox.outbox_sweep()

from celery import shared_task

from core.api import idempotency


@shared_task
def purge_idempotency_keys() -> int:
    """Delete idempotency records older than their 24-hour window."""
    return idempotency.purge_expired()

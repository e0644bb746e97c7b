"""Download background work: the links email (retried on SMTP failure)."""

from celery import shared_task

from core.emails import EMAIL_TASK_OPTIONS

from . import emails


@shared_task(**EMAIL_TASK_OPTIONS)
def download_links_email(order_id: str) -> int:
    return emails.download_links_send(order_id=order_id)

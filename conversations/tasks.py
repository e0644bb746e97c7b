"""Thin Celery tasks for conversation emails."""

from celery import shared_task

from core.emails import EMAIL_TASK_OPTIONS

from . import services


@shared_task(ignore_result=True, **EMAIL_TASK_OPTIONS)
def message_notify(message_id: str) -> int:
    """Email the store about a visitor message, or the visitor about a seller reply."""
    return services.message_notification_send(message_id=message_id)

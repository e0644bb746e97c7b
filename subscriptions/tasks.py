"""Subscription background work: the renewal run (beat) and the shopper's emails.

Thin tasks that take ids and call a service; services queue the emails by name
(``core.outbox.enqueue("subscriptions.tasks.subscription_cancelled_email", id)``).
"""

from celery import shared_task

from core.emails import EMAIL_TASK_OPTIONS
from core.outbox import OutboxTask

from . import emails, services


@shared_task
def subscriptions_renew_due() -> int:
    """Charge every subscription whose next charge has come (every 5 minutes)."""
    return services.subscriptions_renew_due()


@shared_task(**EMAIL_TASK_OPTIONS)
def subscription_payment_failed_email(subscription_id: str, message: str = "") -> int:
    return emails.payment_failed_send(subscription_id=subscription_id, message=message)


@shared_task(**EMAIL_TASK_OPTIONS)
def subscription_cancelled_email(subscription_id: str) -> int:
    return emails.cancelled_send(subscription_id=subscription_id)


@shared_task(base=OutboxTask, soft_time_limit=60, time_limit=90)
def subscription_billing_sync(subscription_id: str) -> None:
    """Create, pause, resume or cancel the Stripe Billing side (retried by the outbox)."""
    services.subscription_billing_sync(subscription_id=subscription_id)

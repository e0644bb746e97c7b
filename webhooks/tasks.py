"""Thin Celery tasks for webhook delivery; each takes ids and calls a service."""

from celery import shared_task

from core.emails import EMAIL_TASK_OPTIONS

from . import services


@shared_task(ignore_result=True)
def event_dispatch(event_id: str) -> int:
    """Fan an event out into one delivery per subscribed endpoint."""
    return len(services.event_fan_out(event_id=event_id))


# A delivery gives up after net.TIMEOUT_SECONDS (10 s); the limits leave room for the database.
@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30)
def delivery_attempt(delivery_id: str) -> str | None:
    """Make one delivery attempt (a no-op if it is not pending and due)."""
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery is not None else None


@shared_task(ignore_result=True)
def webhooks_sweep() -> dict:
    """Re-queue undispatched events and due deliveries (runs every minute)."""
    return services.webhooks_sweep()


@shared_task(ignore_result=True, **EMAIL_TASK_OPTIONS)
def webhook_disabled_notify(endpoint_id: str) -> int:
    """Email the merchant that an endpoint was disabled."""
    return services.webhook_disabled_email_send(endpoint_id=endpoint_id)

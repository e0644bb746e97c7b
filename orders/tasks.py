"""Order background work: emails (retried on SMTP failure) and the reservation timeout.

Thin tasks that take ids and call a service; services queue them by name
(``core.outbox.enqueue("orders.tasks.order_confirmation_email", order_id)``).
"""

from celery import shared_task

from core.emails import EMAIL_TASK_OPTIONS

from . import emails, services


@shared_task(**EMAIL_TASK_OPTIONS)
def order_confirmation_email(order_id: str) -> int:
    return emails.order_confirmation_send(order_id=order_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def order_new_order_email(order_id: str) -> int:
    return emails.new_order_send(order_id=order_id)


@shared_task
def order_reservations_expire() -> int:
    """Fail pending orders whose stock reservation has expired (every minute)."""
    return services.order_reservations_expire()


# -- order operations: fulfilment, refund and cancellation emails ------------------------------


@shared_task(**EMAIL_TASK_OPTIONS)
def order_fulfillment_email(fulfillment_id: str) -> int:
    return emails.fulfillment_send(fulfillment_id=fulfillment_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def order_refund_email(refund_id: str) -> int:
    return emails.refund_send(refund_id=refund_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def order_cancellation_email(order_id: str) -> int:
    return emails.cancellation_send(order_id=order_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def order_auto_refund_customer_email(event_id: str) -> int:
    return emails.auto_refund_send(event_id=event_id, audience="customer")


@shared_task(**EMAIL_TASK_OPTIONS)
def order_auto_refund_store_email(event_id: str) -> int:
    return emails.auto_refund_send(event_id=event_id, audience="store")

"""Order background work: emails (retried on SMTP failure) and the reservation timeout."""

from celery import shared_task

from core.emails import EMAIL_TASK_OPTIONS


@shared_task(**EMAIL_TASK_OPTIONS)
def order_confirmation_email(order_id: str) -> int:
    from .emails import order_confirmation_send

    return order_confirmation_send(order_id=order_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def order_new_order_email(order_id: str) -> int:
    from .emails import new_order_send

    return new_order_send(order_id=order_id)


@shared_task
def order_reservations_expire() -> int:
    """Fail pending orders whose stock reservation has expired (every minute)."""
    from .services import order_reservations_expire as expire

    return expire()


# -- order operations: fulfilment, refund and cancellation emails ------------------------------


@shared_task(**EMAIL_TASK_OPTIONS)
def order_fulfillment_email(fulfillment_id: str) -> int:
    from .emails import fulfillment_send

    return fulfillment_send(fulfillment_id=fulfillment_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def order_refund_email(refund_id: str) -> int:
    from .emails import refund_send

    return refund_send(refund_id=refund_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def order_cancellation_email(order_id: str) -> int:
    from .emails import cancellation_send

    return cancellation_send(order_id=order_id)


@shared_task(**EMAIL_TASK_OPTIONS)
def order_auto_refund_customer_email(event_id: str) -> int:
    from .emails import auto_refund_send

    return auto_refund_send(event_id=event_id, audience="customer")


@shared_task(**EMAIL_TASK_OPTIONS)
def order_auto_refund_store_email(event_id: str) -> int:
    from .emails import auto_refund_send

    return auto_refund_send(event_id=event_id, audience="store")

from celery import shared_task

from . import services


@shared_task
def purge_idle_carts() -> int:
    """Delete carts idle for 30 days (see ``services.carts_purge_idle``)."""
    return services.carts_purge_idle()

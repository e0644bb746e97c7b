"""End to end through a real Celery worker and the Redis broker to a local HTTP receiver."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.processes import (
    app_database_url,
    app_environment,
    celery_worker,
    wait_until,
    worker_ready,
)
from webhooks import services
from webhooks.models import Delivery, Event

from .receiver import verify_signature


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_delivery_through_a_real_celery_worker(
    make_store, receiver, insecure, settings, tmp_path
):
    from shoprocket_site.celery import app

    shop = make_store(name="Worker Store")
    endpoint = services.webhook_endpoint_create(
        store=shop.store, url=receiver.url, events=["order.paid"]
    )
    # The worker consumes the webhooks queue of this Redis database (the project's own DB in
    # tests); stale messages from an earlier run name rows that no longer exist: no-ops.
    worker = celery_worker(
        queues="webhooks",
        pool="solo",
        env=app_environment(
            DATABASE_URL=app_database_url(),
            REDIS_URL=settings.REDIS_URL,
            WEBHOOKS_ALLOW_INSECURE_URLS="true",
            LOG_LEVEL="INFO",
        ),
        log_dir=tmp_path,
    ).start()
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        assert wait_until(lambda: worker_ready(worker), 45), worker.log()
        with transaction.atomic():
            event = services.event_record(
                store=shop.store,
                type="order.paid",
                data={"id": "ord_worker", "total": 2400},
            )
        # Committed: the on-commit hook published event_dispatch to Redis; the worker fans
        # it out and publishes delivery_attempt, which POSTs to the receiver.
        requests = receiver.wait_for(1, timeout=45)
        assert requests, worker.log()
        [request] = requests
        assert request.json()["id"] == event.pk
        assert request.json()["data"] == {"id": "ord_worker", "total": 2400}
        assert request.headers["Shoprocket-Event"] == "order.paid"
        assert verify_signature(
            request.headers["Shoprocket-Signature"],
            request.body,
            endpoint.signing_secret,
            tolerance=300,
        )
        assert wait_until(
            lambda: Delivery.objects.filter(
                event_id=event.pk, status=Delivery.Status.SUCCEEDED
            ).exists(),
            timeout=15,
        )
        assert Event.objects.get(pk=event.pk).dispatched_at is not None
        delivery = Delivery.objects.get(event_id=event.pk)
        assert request.headers["Shoprocket-Delivery"] == delivery.pk
    finally:
        app.conf.task_always_eager = previous
        worker.stop()

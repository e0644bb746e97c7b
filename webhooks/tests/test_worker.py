"""End to end through a real Celery worker and the Redis broker to a local HTTP receiver."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction

from webhooks import services
from webhooks.models import Delivery, Event

from .receiver import verify_signature

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    """The *test* database, as a DATABASE_URL the worker's settings understand."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


def _wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


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
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "WEBHOOKS_ALLOW_INSECURE_URLS": "true",
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "shoprocket_site.settings",
        "PYTHONPATH": str(ROOT),
    }
    # The worker consumes the default queue of this Redis database (the project's own DB in
    # tests); stale messages from an earlier run name rows that no longer exist: no-ops.
    name = f"convhooks-test-{uuid.uuid4().hex[:8]}"
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shoprocket_site",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{name}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with transaction.atomic():
            event = services.event_record(
                store=shop.store,
                type="order.paid",
                data={"id": "ord_worker", "total": 2400},
            )
        # Committed: the on-commit hook published event_dispatch to Redis; the worker fans
        # it out and publishes delivery_attempt, which POSTs to the receiver.
        requests = receiver.wait_for(1, timeout=45)
        assert requests, (tmp_path / "worker.log").read_text()[-3000:]
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
        assert _wait_until(
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
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()

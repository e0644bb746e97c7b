"""Work that must stay right with several machines: each periodic job sent once when two
beats run, the imports queue for store transfers, and a liveness probe that touches nothing."""

from __future__ import annotations

import time

import pytest
from celery.beat import ScheduleEntry
from celery.schedules import crontab, schedule

from core.beat import ClaimingScheduler, claim_seconds
from shoprocket_site.celery import app


@pytest.fixture
def two_beats(monkeypatch, tmp_path):
    """Two beats over one cache (Redis when REDIS_URL is set); what each one sent."""
    sent = {"first": [], "second": []}

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        sent[self.label].append(entry.name)

    monkeypatch.setattr(ClaimingScheduler, "apply_async", apply_async)
    beats = []
    for label in ("first", "second"):
        beat = ClaimingScheduler(
            app, schedule_filename=str(tmp_path / label), lazy=True
        )
        beat.label = label
        beats.append(beat)
    return (*beats, sent)


def entry(name: str, seconds: float) -> ScheduleEntry:
    return ScheduleEntry(
        name=name, task="core.tasks.outbox_sweep", schedule=schedule(seconds), app=app
    )


def test_a_periodic_job_is_sent_once_when_two_beats_run(two_beats):
    first, second, sent = two_beats
    sweep = entry("scale-test-sweep", 60)
    purge = entry("scale-test-purge", 3600)
    first.apply_entry(sweep)
    second.apply_entry(sweep)  # a second beat, seconds later: already sent
    second.apply_entry(purge)
    first.apply_entry(purge)
    assert sent == {"first": ["scale-test-sweep"], "second": ["scale-test-purge"]}


def test_a_claim_lasts_just_under_the_interval_so_the_next_run_is_sent(two_beats):
    first, second, sent = two_beats
    quick = entry("scale-test-quick", 2)  # claimed for 1 second
    first.apply_entry(quick)
    second.apply_entry(quick)
    time.sleep(1.2)
    # The next run, from whichever beat is first: the other beat takes over if one dies.
    second.apply_entry(quick)
    first.apply_entry(quick)
    assert sent == {"first": ["scale-test-quick"], "second": ["scale-test-quick"]}


def test_claim_lengths():
    assert claim_seconds(entry("e", 60)) == 54
    assert claim_seconds(entry("e", 3600)) == 3240
    minutely = ScheduleEntry(name="c", task="t", schedule=crontab(), app=app)
    assert claim_seconds(minutely) == 50


def test_beat_uses_the_claiming_scheduler():
    assert app.conf.beat_scheduler == "core.beat:ClaimingScheduler"


def test_store_transfers_run_on_the_imports_queue():
    route = app.amqp.router.route({}, "transfers.tasks.store_import")
    assert route["queue"].name == "imports"
    assert "imports" in {queue.name for queue in app.conf.task_queues}


def test_liveness_touches_no_database_and_no_cache(client):
    from unittest import mock

    # No django_db mark: any query fails the test ("Database access not allowed").
    with mock.patch("django.core.cache.cache.get", side_effect=AssertionError):
        response = client.get("/healthz")
        head = client.head("/healthz")
    assert response.status_code == head.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert client.post("/healthz").status_code == 404


def test_liveness_answers_a_probe_by_the_machine_address(client, settings):
    settings.ALLOWED_HOSTS = ["shop.example.test"]
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    # Everything else still checks the host.
    assert (
        client.get("/v3/private/health", HTTP_HOST="10.0.0.7:8000").status_code == 400
    )

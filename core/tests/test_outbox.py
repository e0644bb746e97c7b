"""The outbox: one way to queue work, after commit, never raising into the request and never
losing the message (broker down, worker died, task failed), each message run once at a time."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import breakers
from core.models import OutboxMessage
from core.outbox import OutboxTask, backoff, enqueue, outbox_sweep
from shoprocket_site.celery import app

pytestmark = pytest.mark.django_db

RUNS: list[tuple] = []


@shared_task(base=OutboxTask, name="core.tests.record_run")
def record_run(value, fail_times=0):
    """Records each run; raises on its first ``fail_times`` runs of ``value``."""
    RUNS.append(value)
    if RUNS.count(value) <= fail_times:
        raise ConnectionError(f"receiver down for {value}")
    return value


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    yield
    RUNS.clear()


@pytest.fixture
def broker_down(monkeypatch):
    """``apply_async`` refuses like Redis does when it is down; counts the tries."""
    tries = []

    def refuse(*args, **kwargs):
        tries.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Refused.")

    monkeypatch.setattr(record_run, "apply_async", refuse)
    return tries


@pytest.fixture
def not_eager():
    """Publishing goes to a broker (as in production), not run in-process."""
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


def test_work_runs_after_commit_and_its_row_is_gone(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message = enqueue(record_run, "a")
            assert RUNS == []  # not before the commit
            assert OutboxMessage.objects.get().pk == message.pk
    assert RUNS == ["a"]
    assert not OutboxMessage.objects.exists()


def test_work_rolls_back_with_the_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue(record_run, "never")
            raise RuntimeError("the change failed")
    assert callbacks == [] and RUNS == []
    assert not OutboxMessage.objects.exists()


def test_a_broker_outage_loses_nothing_and_raises_nothing(
    broker_down, not_eager, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            enqueue(record_run, "a")
        with transaction.atomic():
            enqueue(record_run, "b")
    # The first refusal opens the breaker: the second commit does not wait on the broker.
    assert len(broker_down) == 1
    assert breakers.broker.failing
    waiting = OutboxMessage.objects.order_by("created_at")
    assert [m.args for m in waiting] == [["a"], ["b"]]
    assert all(m.queued_at is None and m.status == "pending" for m in waiting)
    # The broker is back: the sweeper (which always tries) hands both over.
    monkeypatch.undo()
    app.conf.task_always_eager = True
    assert outbox_sweep() == {"published": 2, "reset": 0}
    assert RUNS == ["a", "b"]
    assert not OutboxMessage.objects.exists()


def test_a_sweep_stops_at_the_first_refusal_and_leaves_the_rest_for_later(
    broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for value in "abc":
            enqueue(record_run, value)
    OutboxMessage.objects.update(queued_at=None)
    assert outbox_sweep() == {"published": 0, "reset": 0}
    assert len(broker_down) == 4  # three at enqueue, one at the sweep
    assert OutboxMessage.objects.filter(queued_at__isnull=True).count() == 3


def test_a_failed_run_is_retried_with_backoff_then_given_up(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(record_run, "flaky", 1)
    message = OutboxMessage.objects.get()
    assert message.status == "pending" and message.attempts == 1
    assert message.error == "ConnectionError: receiver down for flaky"
    assert timedelta(seconds=23) <= message.scheduled_at - timezone.now()
    assert outbox_sweep()["published"] == 0  # not due yet
    assert outbox_sweep(now=message.scheduled_at)["published"] == 1
    assert RUNS == ["flaky", "flaky"]
    assert not OutboxMessage.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        enqueue(record_run, "dead", 99)
    for _ in range(OutboxTask.max_attempts - 1):
        message = OutboxMessage.objects.get()
        assert message.status == "pending"
        outbox_sweep(now=message.scheduled_at)
    message = OutboxMessage.objects.get()
    assert message.status == "failed" and message.attempts == OutboxTask.max_attempts
    assert outbox_sweep(now=timezone.now() + timedelta(days=30))["published"] == 0
    assert RUNS.count("dead") == OutboxTask.max_attempts


def test_the_backoff_doubles_to_its_cap_with_jitter():
    assert backoff(1, base=30, cap=3600, rand=lambda: 0.5) == timedelta(seconds=30)
    assert backoff(3, base=30, cap=3600, rand=lambda: 0.5) == timedelta(seconds=120)
    assert backoff(12, base=30, cap=3600, rand=lambda: 0.5) == timedelta(hours=1)
    assert backoff(1, base=30, cap=3600, rand=lambda: 0.0) == timedelta(seconds=24)
    assert backoff(1, base=30, cap=3600, rand=lambda: 1.0) == timedelta(seconds=36)


def test_a_message_runs_once_however_often_it_is_delivered(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        message = enqueue(record_run, "once")
    record_run.apply(args=["once"], task_id=message.pk)
    record_run.apply(args=["once"], task_id=message.pk)  # a duplicate broker message
    assert RUNS == ["once"]
    # Running elsewhere right now: not run twice at once either.
    with django_capture_on_commit_callbacks(execute=False):
        busy = enqueue(record_run, "busy")
    OutboxMessage.objects.filter(pk=busy.pk).update(status="running")
    record_run.apply(args=["busy"], task_id=busy.pk)
    assert RUNS == ["once"]


def test_work_whose_worker_died_is_run_again(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = enqueue(record_run, "orphan")
    started = timezone.now() - timedelta(minutes=10)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status="running", started_at=started, attempts=1
    )
    # Not stale yet at 4 minutes: it may still be running.
    assert outbox_sweep(now=started + timedelta(minutes=4)) == {
        "published": 0,
        "reset": 0,
    }
    assert outbox_sweep() == {"published": 1, "reset": 1}
    assert RUNS == ["orphan"]
    assert not OutboxMessage.objects.exists()


def test_queued_but_never_started_is_published_again_after_a_while(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        message = enqueue(record_run, "lost")  # the broker lost it (Redis restarted)
    assert outbox_sweep()["published"] == 0  # just queued: the broker has it
    later = message.queued_at + timedelta(minutes=6)
    assert outbox_sweep(now=later)["published"] == 1
    assert RUNS == ["lost"]


def test_only_outbox_tasks_can_be_enqueued():
    from core.tasks import purge_idempotency_keys

    with pytest.raises(TypeError):
        enqueue(purge_idempotency_keys)
    with pytest.raises(TypeError):
        enqueue("core.tasks.purge_idempotency_keys")


def test_a_task_is_queued_by_its_registered_name(django_capture_on_commit_callbacks):
    """Services name the task instead of importing their app's ``tasks`` module (which
    imports them): the name finds the same task, its queue and its outbox row."""
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue("core.tests.record_run", "by name")
        assert message.task == "core.tests.record_run"
    assert RUNS == ["by name"]
    with pytest.raises(LookupError):
        enqueue("core.tests.no_such_task", "x")


def test_the_task_called_directly_just_runs():
    assert record_run("direct") == "direct"
    assert record_run.apply(args=["applied"]).get() == "applied"
    assert RUNS == ["direct", "applied"]


def test_sweep_is_periodic_and_a_management_command(
    django_capture_on_commit_callbacks, broker_down, monkeypatch
):
    from io import StringIO

    from django.core.management import call_command

    from shoprocket_site.celery import collect_beat_schedule

    entry = collect_beat_schedule()["core-outbox-sweep"]
    assert entry == {"task": "core.tasks.outbox_sweep", "schedule": 60.0}
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(record_run, "cron")
    monkeypatch.undo()
    out = StringIO()
    call_command("outbox_sweep", stdout=out)
    assert "Queued 1 message(s)" in out.getvalue()
    assert RUNS == ["cron"]


# -- one way to queue work, on queues that isolate, time-boxed ---------------------------------

APP_DIRS = (
    "core",
    "catalog",
    "carts",
    "orders",
    "customers",
    "conversations",
    "webhooks",
)


def test_no_service_queues_work_any_other_way():
    """Services call ``enqueue`` (or, for rows that are their own outbox, ``publish``); a
    bare ``.delay()``/``.apply_async()`` would raise into the request or lose the message."""
    root = Path(settings.BASE_DIR)
    offenders = []
    for app_dir in APP_DIRS:
        for path in (root / app_dir).rglob("*.py"):
            if "tests" in path.parts or path.name == "outbox.py":
                continue
            text = path.read_text()
            for match in re.finditer(r"\.(delay|apply_async)\(", text):
                line = text[: match.start()].count("\n") + 1
                offenders.append(f"{path.relative_to(root)}:{line}")
    assert offenders == []


def project_tasks():
    app.loader.import_default_modules()
    return {
        name: task
        for name, task in app.tasks.items()
        if name.split(".")[0] in APP_DIRS and ".tests." not in name
    }


def test_each_task_has_its_queue_and_a_time_limit():
    from core.outbox import queue_for

    queues = {q.name for q in settings.CELERY_TASK_QUEUES}
    expected = {
        "orders.tasks.order_confirmation_email": "emails",
        "orders.tasks.order_new_order_email": "emails",
        "orders.tasks.order_fulfillment_email": "emails",
        "orders.tasks.order_refund_email": "emails",
        "orders.tasks.order_cancellation_email": "emails",
        "customers.tasks.login_link_email_send": "emails",
        "conversations.tasks.message_notify": "emails",
        "webhooks.tasks.webhook_disabled_notify": "emails",
        "webhooks.tasks.event_dispatch": "webhooks",
        "webhooks.tasks.delivery_attempt": "webhooks",
        "webhooks.tasks.webhooks_sweep": "housekeeping",
        "core.tasks.outbox_sweep": "housekeeping",
        "core.tasks.purge_idempotency_keys": "housekeeping",
        "carts.tasks.purge_idle_carts": "housekeeping",
        "orders.tasks.order_reservations_expire": "housekeeping",
        "customers.tasks.login_tokens_purge": "housekeeping",
    }
    tasks = project_tasks()
    assert set(expected) <= set(tasks)
    for name, task in tasks.items():
        queue = queue_for(name)
        assert queue in queues, name
        if name in expected:
            assert queue == expected[name], name
        hard = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert hard and soft and soft < hard, name
    delivery = tasks["webhooks.tasks.delivery_attempt"]
    assert (
        delivery.time_limit <= 30
    )  # 10 s per delivery: a hung receiver cannot hold on
    for name, queue in expected.items():
        if queue == "emails":
            assert isinstance(tasks[name], OutboxTask), name
            assert tasks[name].time_limit <= 90, name


def test_a_message_the_broker_cannot_take_waits_without_tripping_the_breaker(
    not_eager, monkeypatch, django_capture_on_commit_callbacks
):
    """Not an outage (say the message cannot be encoded): logged, left for the sweeper,
    and other work still goes to the broker."""

    def cannot_encode(*args, **kwargs):
        raise TypeError("Object of type Thing is not JSON serializable")

    monkeypatch.setattr(record_run, "apply_async", cannot_encode)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(record_run, "odd")
    assert OutboxMessage.objects.get().queued_at is None
    assert not breakers.broker.failing

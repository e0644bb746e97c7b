"""The one way to queue work: ``enqueue(task, *args)``, after commit, never lost.

``enqueue`` writes an :class:`~core.models.OutboxMessage` in the caller's transaction, so the
message commits or rolls back with the change that caused it, and hands it to the broker once
that transaction commits. Nothing here raises into the request: when the broker (Redis) is
down the message simply waits in the table, and :func:`outbox_sweep` (every minute, from beat,
or ``manage.py outbox_sweep``) publishes whatever the broker never got, retries failures with
backoff, and recovers messages whose worker died. The shape is the webhooks' outbox (events
and deliveries, ``webhooks/services.py``), generalised to any task::

    from core.outbox import enqueue

    @transaction.atomic
    def order_fulfil(...):
        ...
        enqueue("orders.tasks.order_fulfillment_email", fulfillment.pk)

Services name the task (its registered name) rather than import it: an app's ``tasks`` module
imports its ``services``, never the other way round. A task queued this way declares
``base=OutboxTask`` (its retry policy lives on the class), takes
JSON-serialisable arguments (ids, not objects) and is routed to its queue by
``CELERY_TASK_ROUTES``. Work that already keeps its own rows (webhook events and deliveries)
hands them to the broker with :func:`publish`, the same never-raising path.

Delivery is at least once: a message runs again only if its worker died mid-run (the sweeper
re-queues it after ``STALE_AFTER``); the conditional claim stops two workers from running the
same message at once, and a finished message's row is deleted, so a duplicate broker message
finds nothing to do.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from celery import Task, current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import KombuError

from . import breakers
from .ids import is_well_formed
from .models import OutboxMessage

logger = logging.getLogger(__name__)

#: Outbox message ids (``job_...``) double as Celery task ids.
ID_PREFIX = "job"
#: A message handed to the broker but not started after this long, or started and not
#: finished after this long (its worker died: longer than any task's hard time limit), is
#: queued again.
STALE_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500

_random = random.Random()


def backoff(
    attempt: int, *, base: float, cap: float, jitter: float = 0.2, rand=None
) -> timedelta:
    """The wait after failed attempt number ``attempt`` (1-based): ``base × 2^(attempt-1)``,
    capped at ``cap`` seconds, times a random factor in ``[1 - jitter, 1 + jitter]`` so that
    what failed together is not retried all at once."""
    rand = rand if rand is not None else _random.random
    seconds = min(base * 2 ** max(attempt - 1, 0), cap)
    return timedelta(seconds=seconds * (1 - jitter + 2 * jitter * rand()))


class OutboxTask(Task):
    """Base class of tasks queued with :func:`enqueue`: a run claims its message, and its
    outcome is recorded there (success deletes it; a failure schedules the next attempt).

    Called any other way (directly, ``.delay()``, ``.apply()``), the task simply runs.
    """

    #: Attempts before the message is marked failed; the wait between them doubles from
    #: ``retry_backoff`` seconds up to ``retry_backoff_max``.
    max_attempts = 8
    retry_backoff = 30
    retry_backoff_max = 3600
    ignore_result = True

    def __call__(self, *args, **kwargs):
        message_id = self.request.id
        if not is_well_formed(message_id, ID_PREFIX):
            return super().__call__(*args, **kwargs)
        if not _claim(message_id):
            logger.info("Outbox message %s: already done or running", message_id)
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except Exception as exc:
            _attempt_failed(message_id, exc, task=self)
            raise
        OutboxMessage.objects.filter(pk=message_id).delete()
        return result


def enqueue(task: Task | str, *args):
    """Run ``task(*args)`` on a worker once the current transaction commits (at once in
    autocommit). ``task`` is the task or its registered name (``"orders.tasks.x"``).
    Returns the outbox row. Never raises for a broker failure."""
    return enqueue_many([(task, *args)])[0]


def enqueue_many(calls: list[tuple]) -> list[OutboxMessage]:
    """:func:`enqueue` each ``(task, *args)`` of ``calls``, with one ``INSERT`` for all
    their rows (checkout's two emails). Returns the rows, in order."""
    now = timezone.now()
    messages = []
    for task, *args in calls:
        task = _task(task)
        if not isinstance(task, OutboxTask):
            raise TypeError(f"{task.name} must be declared with base=OutboxTask")
        messages.append(
            OutboxMessage(
                task=task.name,
                args=list(args),
                queue=queue_for(task.name),
                scheduled_at=now,
                queued_at=now,
            )
        )
    OutboxMessage.objects.bulk_create(messages)
    for message in messages:
        message_id, name, arguments = message.pk, message.task, message.args
        transaction.on_commit(
            lambda message_id=message_id, name=name, arguments=arguments: (
                _publish_message(message_id, name, arguments)
            )
        )
    return messages


def task_named(name: str):
    """The registered task called ``name`` (importing every app's ``tasks`` module the first
    time: a web process or a management command has not necessarily imported them)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks.get(name)


def _task(task: Task | str) -> Task:
    """The task itself, looked up by name when given one (an unknown name fails fast)."""
    if not isinstance(task, str):
        return task
    found = task_named(task)
    if found is None:
        raise LookupError(f"No task is registered as {task!r}")
    return found


def queue_for(task_name: str) -> str:
    """The queue ``CELERY_TASK_ROUTES`` sends the task to."""
    route = current_app.amqp.router.route({}, task_name)
    queue = route.get("queue")
    return getattr(queue, "name", queue) or current_app.conf.task_default_queue


def publish(
    task: Task | str,
    *args,
    task_id: str | None = None,
    countdown: float | None = None,
    breaker: bool = True,
) -> bool:
    """Hand ``task(*args)`` to the broker now; False (logged, not raised) when it refuses.

    For rows that are their own outbox (a sweeper re-publishes them). While the broker is
    known to be down, requests do not wait for it (``breaker``); sweepers always try.
    ``task`` is the task or its registered name.
    """
    task = _task(task)
    eager = current_app.conf.task_always_eager
    if breaker and not eager and not breakers.broker.allows():
        return False
    try:
        task.apply_async(args, task_id=task_id, countdown=countdown)
    except Exception as exc:
        if eager and not isinstance(exc, KombuError):
            # Tasks run in-process (no broker): the task itself failed, and recorded it.
            logger.exception("Task %s%s failed", task.name, tuple(args))
            return True
        if not eager and isinstance(exc, breakers.cache_errors()):
            breakers.broker.failure(exc)
        logger.warning("Could not queue %s%s: %s", task.name, tuple(args), exc)
        return False
    if not eager:
        breakers.broker.success()
    return True


def _publish_message(
    message_id: str, task_name: str, args: list, *, breaker: bool = True
) -> bool:
    task = task_named(task_name)
    if publish(task, *args, task_id=message_id, breaker=breaker):
        return True
    OutboxMessage.objects.filter(
        pk=message_id, status=OutboxMessage.Status.PENDING
    ).update(queued_at=None)
    return False


def _claim(message_id: str) -> bool:
    now = timezone.now()
    return bool(
        OutboxMessage.objects.filter(
            pk=message_id, status=OutboxMessage.Status.PENDING
        ).update(
            status=OutboxMessage.Status.RUNNING,
            started_at=now,
            attempts=F("attempts") + 1,
        )
    )


def _attempt_failed(message_id: str, exc: BaseException, *, task: OutboxTask) -> None:
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        return
    error = f"{exc.__class__.__name__}: {exc}"[:500]
    if message.attempts >= task.max_attempts:
        logger.error(
            "Outbox message %s (%s) failed %d times, giving up: %s",
            message_id,
            message.task,
            message.attempts,
            error,
        )
        message.status = OutboxMessage.Status.FAILED
    else:
        message.status = OutboxMessage.Status.PENDING
        message.scheduled_at = timezone.now() + backoff(
            message.attempts, base=task.retry_backoff, cap=task.retry_backoff_max
        )
        message.queued_at = None
    message.error = error
    message.save(
        update_fields=["status", "scheduled_at", "queued_at", "error", "updated_at"]
    )


def outbox_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Publish what the broker never got or lost, and what is due for a retry; recover
    messages whose worker died."""
    now = now or timezone.now()
    stale = now - STALE_AFTER
    reset = 0
    for message in OutboxMessage.objects.filter(
        status=OutboxMessage.Status.RUNNING, started_at__lte=stale
    ):
        task = task_named(message.task)
        limit = getattr(task, "max_attempts", OutboxTask.max_attempts)
        status = (
            OutboxMessage.Status.FAILED
            if message.attempts >= limit
            else OutboxMessage.Status.PENDING
        )
        reset += OutboxMessage.objects.filter(
            pk=message.pk, status=OutboxMessage.Status.RUNNING
        ).update(
            status=status,
            queued_at=None,
            error="The worker stopped during the attempt.",
        )
    due = list(
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.PENDING, scheduled_at__lte=now
        )
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=stale))
        .order_by("scheduled_at")
        .values_list("pk", "task", "args")[:SWEEP_BATCH]
    )
    published = 0
    for message_id, task_name, args in due:
        if task_named(task_name) is None:
            logger.error("Outbox message %s names no task %s", message_id, task_name)
            continue
        OutboxMessage.objects.filter(pk=message_id).update(queued_at=now)
        if not _publish_message(message_id, task_name, args, breaker=False):
            break  # the broker is down: the next sweep tries again
        published += 1
    return {"published": published, "reset": reset}

"""Celery beat that is safe to run twice (``CELERY_BEAT_SCHEDULER``).

One beat should run per deployment, but a second one started by mistake (two machines
with the same compose file, a deploy that overlaps the old and the new) must not send
every periodic job twice. Before sending an entry, a beat claims it in the shared cache
(Redis: ``SET NX`` with an expiry) for 90% of the entry's interval; another beat finds it
claimed and skips that run. If the beat holding the claims dies, its claims expire and the
other beat sends the next runs. The periodic jobs are idempotent besides (purges, sweeps
that lock what they take), so a run sent twice anyway would do no harm.
"""

from __future__ import annotations

import logging
import os
import socket

from celery.beat import PersistentScheduler, ScheduleEntry
from django.core.cache import cache

logger = logging.getLogger(__name__)

#: Crontab entries run at most once a minute.
CRONTAB_CLAIM_SECONDS = 50


def claim_seconds(entry: ScheduleEntry) -> int:
    """How long a claim on one run of ``entry`` lasts: a little less than its interval,
    so the next run of the same beat is never blocked by its own claim."""
    run_every = getattr(entry.schedule, "run_every", None)
    if run_every is None:
        return CRONTAB_CLAIM_SECONDS
    return max(1, int(run_every.total_seconds() * 0.9))


def claim_run(entry: ScheduleEntry, *, owner: str) -> bool:
    """Claim the current run of ``entry`` for ``owner``; False if another beat has it."""
    return cache.add(f"beat-claim:{entry.name}", owner, timeout=claim_seconds(entry))


class ClaimingScheduler(PersistentScheduler):
    """Celery's default scheduler that sends a due entry only when it wins the claim."""

    def __init__(self, *args, **kwargs):
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        super().__init__(*args, **kwargs)

    def apply_entry(self, entry, producer=None):
        if not claim_run(entry, owner=self.owner):
            logger.info(
                "Scheduler: %s already sent by another beat, skipped", entry.name
            )
            return
        super().apply_entry(entry, producer=producer)

"""Run code in real threads, each with its own database connection (PostgreSQL tests)."""

from __future__ import annotations

import threading

from django.db import connection


def run_threads(count, target):
    """Start ``count`` threads on ``target(index)`` released together; re-raise any crash."""
    barrier = threading.Barrier(count)
    crashes = []

    def runner(index):
        try:
            barrier.wait(timeout=30)
            target(index)
        except Exception as exc:
            crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not crashes, crashes

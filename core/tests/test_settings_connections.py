"""Connections that survive faults: database health checks and lifetimes, the same SQLite
settings whether SQLite is the default or given by URL, and short Redis timeouts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sqlite_by_url_gets_the_default_sqlites_settings(load_settings, tmp_path):
    default = load_settings().DATABASES["default"]
    by_url = load_settings(DATABASE_URL=f"sqlite:///{tmp_path}/shop.sqlite3")
    database = by_url.DATABASES["default"]
    assert database["NAME"] == f"{tmp_path}/shop.sqlite3"
    assert database["ENGINE"] == default["ENGINE"] == "core.backends.sqlite3"
    assert database["OPTIONS"] == default["OPTIONS"]
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] == 20
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_persistent_connections_are_health_checked_and_their_age_configurable(
    load_settings,
):
    for env in ({}, {"DATABASE_URL": "postgres://u@db:5432/shop"}):
        database = load_settings(**env).DATABASES["default"]
        assert database["CONN_HEALTH_CHECKS"] is True
        assert database["CONN_MAX_AGE"] == 60
    database = load_settings(
        DATABASE_URL="postgres://u@db:5432/shop", CONN_MAX_AGE="0"
    ).DATABASES["default"]
    assert database["CONN_MAX_AGE"] == 0
    assert "transaction_mode" not in database.get("OPTIONS", {})  # SQLite's only


def test_every_redis_client_has_connect_and_socket_timeouts(load_settings):
    module = load_settings(REDIS_URL="redis://cache:6379/0")
    options = module.CACHES["default"]["OPTIONS"]
    assert options["socket_connect_timeout"] == 0.5
    assert options["socket_timeout"] == 1.0
    transport = module.CELERY_BROKER_TRANSPORT_OPTIONS
    assert transport["socket_connect_timeout"] == 0.5
    assert 1 < transport["socket_timeout"] <= 5
    assert module.CELERY_BROKER_CONNECTION_TIMEOUT == 0.5
    assert module.CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"] == 1
    assert module.EMAIL_TIMEOUT == 20


SQLITE_WRITERS = textwrap.dedent(
    """
    import threading, time
    import django
    django.setup()
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        cursor.execute("INSERT INTO counter VALUES (1, 0)")
    connection.close()
    errors = []

    def bump():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT n FROM counter WHERE id = 1")
                    n = cursor.fetchone()[0]
                    time.sleep(0.02)  # read, then write: a deferred transaction deadlocks here
                    cursor.execute("UPDATE counter SET n = %s WHERE id = 1", [n + 1])
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=bump) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with connection.cursor() as cursor:
        cursor.execute("SELECT n FROM counter WHERE id = 1")
        print(cursor.fetchone()[0], errors)
    """
)


def test_concurrent_writers_on_a_sqlite_url_queue_instead_of_failing(tmp_path):
    """10 read-then-write transactions at once on ``DATABASE_URL=sqlite:///...``: none fails
    with "database is locked" and no update is lost."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/new/shop.sqlite3",  # a folder to create
        "DJANGO_SETTINGS_MODULE": "shoprocket_site.settings",
        "DEBUG": "true",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_WRITERS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["10", "[]"]

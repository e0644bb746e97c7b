"""Read replicas: the settings that make the aliases, the routing rules, and the reads
against a replica alias (tests/replica/, run here in a pytest with a replica configured)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import DEFAULT_DB_ALIAS

from core import db
from core.db import ReplicaRouter, replica_alias, use_replica

ROOT = Path(__file__).resolve().parents[2]


def test_replica_urls_make_mirrored_aliases_and_the_router(load_settings):
    assert load_settings().DATABASE_ROUTERS == []
    module = load_settings(
        DATABASE_URL="postgres://u@primary.invalid:5432/shop",
        DATABASE_REPLICA_URLS="postgres://u@r1.invalid:5432/shop, postgres://u@r2.invalid/shop",
    )
    assert list(module.DATABASES) == ["default", "replica_1", "replica_2"]
    assert module.DATABASES["replica_1"]["HOST"] == "r1.invalid"
    assert module.DATABASES["replica_2"]["HOST"] == "r2.invalid"
    for alias in ("replica_1", "replica_2"):
        replica = module.DATABASES[alias]
        assert replica["TEST"] == {"MIRROR": "default"}
        assert replica["CONN_HEALTH_CHECKS"] is True
    assert module.DATABASE_ROUTERS == ["core.db.ReplicaRouter"]


@pytest.fixture
def two_replicas(monkeypatch):
    monkeypatch.setattr(db, "replica_aliases", lambda: ["replica_1", "replica_2"])


@pytest.mark.django_db(transaction=True)
def test_only_marked_reads_outside_transactions_and_before_writes_use_a_replica(
    two_replicas,
):
    router = ReplicaRouter()
    assert router.db_for_read(None) == DEFAULT_DB_ALIAS  # unmarked
    with use_replica():
        assert router.db_for_read(None) in {"replica_1", "replica_2"}
        from django.db import transaction

        with transaction.atomic():
            assert router.db_for_read(None) == DEFAULT_DB_ALIAS
        assert router.db_for_read(None) in {"replica_1", "replica_2"}
        assert router.db_for_write(None) == DEFAULT_DB_ALIAS
        assert router.db_for_read(None) == DEFAULT_DB_ALIAS  # read-your-writes
        with use_replica():  # nested: still after the write
            assert router.db_for_read(None) == DEFAULT_DB_ALIAS
    # The next marked block starts afresh; a lazy report marks itself.
    assert use_replica(lambda: router.db_for_read(None))() in {"replica_1", "replica_2"}
    assert replica_alias() in {"replica_1", "replica_2"}
    assert router.db_for_write(None) == DEFAULT_DB_ALIAS
    assert not router.allow_migrate("replica_1", "catalog")
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "catalog")


def test_without_replicas_everything_is_the_primary():
    with use_replica():
        assert replica_alias() == DEFAULT_DB_ALIAS
        assert ReplicaRouter().db_for_read(None) == DEFAULT_DB_ALIAS


@pytest.mark.postgres
def test_reads_against_a_replica_alias_on_the_same_server(tmp_path):
    """tests/replica/ in a pytest whose settings have ``replica_1``: the same PostgreSQL
    server, a database of its own (its test database is not this run's)."""
    from django.conf import settings

    # On PostgreSQL (the marker) the settings came from DATABASE_URL.
    parts = urlsplit(settings.DATABASE_URL)
    name = settings.DATABASES["default"]["NAME"].removeprefix("test_") + "_replicas"
    url = urlunsplit(parts._replace(path=f"/{name}"))
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_REPLICA_URLS": url}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/replica"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout, result.stdout

"""Real services for the tests that need them: a private ``redis-server``, Celery workers and a
gunicorn, each started by the test and stopped by its own process id (never by name), with
its output in a log file for the failure message.

The processes use the test database (committed data: ``django_db(transaction=True)``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def app_database_url(*, application_name: str | None = None) -> str:
    """The *test* database as a DATABASE_URL for another process's settings; with
    ``application_name`` its connections can be told apart in ``pg_stat_activity``."""
    from django.db import connection

    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    url = f"postgres://{auth}@{host}:{port}/{s['NAME']}"
    if application_name:
        url += f"?application_name={quote(application_name)}"
    return url


def app_environment(**overrides: str) -> dict[str, str]:
    """The environment of an app process: production-like (DEBUG off, a real secret key)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shoprocket_site.settings",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "false",
        "SECRET_KEY": f"test-{uuid.uuid4().hex}{uuid.uuid4().hex}",
        "LOG_LEVEL": "WARNING",
    }
    env.update(overrides)
    return env


class Process:
    """A process this test started; ``stop()`` ends exactly it (and waits for it)."""

    def __init__(self, name: str, argv: list[str], *, env: dict, log_dir: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Process:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM (a warm shutdown), then SIGKILL if it does not exit in time."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: the process dies at once, as in a crash."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def log(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


class RedisServer(Process):
    """A private redis-server on a free loopback port, nothing saved to disk."""

    def __init__(self, *, log_dir: Path, port: int | None = None):
        self.port = port or free_port()
        super().__init__(
            f"redis-{self.port}",
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(log_dir),
            ],
            env=dict(os.environ),
            log_dir=log_dir,
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        import redis

        try:
            return redis.Redis(
                port=self.port, socket_connect_timeout=0.2, socket_timeout=0.2
            ).ping()
        except redis.RedisError:
            return False

    def start(self) -> RedisServer:
        super().start()
        assert wait_until(self.ping, 10), self.log()
        return self


def celery_worker(
    *,
    queues: str,
    env: dict,
    log_dir: Path,
    concurrency: int = 1,
    pool: str = "prefork",
) -> Process:
    """A Celery worker on ``queues`` (comma-separated); started, not yet waited for."""
    name = f"{queues.replace(',', '-')}-{uuid.uuid4().hex[:6]}"
    return Process(
        f"worker-{name}",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shoprocket_site",
            "worker",
            "-Q",
            queues,
            "-n",
            f"{name}@%h",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        log_dir=log_dir,
    )


def worker_ready(worker: Process) -> bool:
    return " ready." in worker.log(100_000)


def gunicorn(*, port: int, env: dict, log_dir: Path, workers: int = 2) -> Process:
    return Process(
        f"gunicorn-{port}",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "shoprocket_site.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
        ],
        env=env,
        log_dir=log_dir,
    )


def manage(*args: str, env: dict, timeout: float = 60) -> str:
    """Run ``manage.py <args>`` as a separate process with ``env``; its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


class MotoServer(Process):
    """A local S3-compatible server (moto in server mode) on a free loopback port, with
    throwaway credentials; its data lives in memory and goes with it."""

    ACCESS_KEY = "testing"
    SECRET_KEY = "testing"
    REGION = "us-east-1"

    def __init__(self, *, log_dir: Path, port: int | None = None):
        self.port = port or free_port()
        super().__init__(
            f"moto-{self.port}",
            [
                sys.executable,
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                str(self.port),
            ],
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "AWS_ACCESS_KEY_ID": self.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": self.SECRET_KEY,
            },
            log_dir=log_dir,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def start(self) -> MotoServer:
        super().start()
        assert wait_until(self.answers, 30), self.log()
        return self

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=self.REGION,
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.SECRET_KEY,
        )

    def create_buckets(self, *, public: str, private: str) -> None:
        """A media bucket anyone may read and a private one (signed URLs only)."""
        client = self.client()
        for bucket in (public, private):
            client.create_bucket(Bucket=bucket)
        client.put_bucket_policy(
            Bucket=public,
            Policy=(
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                '"Principal":"*","Action":"s3:GetObject",'
                f'"Resource":"arn:aws:s3:::{public}/*"}}]}}'
            ),
        )

    def environment(self, *, public: str, private: str) -> dict[str, str]:
        """The settings' variables of an app process that keeps its media here."""
        return {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": public,
            "AWS_PRIVATE_BUCKET_NAME": private,
            "AWS_S3_ENDPOINT_URL": self.url,
            "AWS_S3_REGION_NAME": self.REGION,
            "AWS_ACCESS_KEY_ID": self.ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": self.SECRET_KEY,
        }


def tool_missing(reason: str):
    """Skip a test whose tool (redis-server, moto, ...) is not installed here, unless the run
    requires every tool (``REQUIRE_TOOLS=1``, set by ``.ci/run``): a missing tool is then a
    failure, so CI can never pass by skipping the fault and scale-out tests."""
    if os.environ.get("REQUIRE_TOOLS") == "1":
        pytest.fail(f"{reason} (REQUIRE_TOOLS=1)")
    pytest.skip(reason)


def s3_available() -> bool:
    """moto (dev extra) and django-storages with boto3 (s3 extra) are installed."""
    import importlib.util

    return all(
        importlib.util.find_spec(name) is not None
        for name in ("moto", "storages", "boto3")
    )

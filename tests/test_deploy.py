"""deploy/: the compose file names every role the README describes (N web machines behind a
proxy, a worker for every Celery queue, one beat, PostgreSQL with a streaming replica, Redis,
an S3-compatible store) and only environment variables the settings read. No Docker needed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
#: Variables compose itself uses (passwords of the services, sizes, ports), not the app.
COMPOSE_ONLY = {
    "POSTGRES_PASSWORD",
    "REPLICATION_PASSWORD",
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
    "WEB_REPLICAS",
    "HTTP_PORT",
    "MINIO_PORT",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def settings_variables() -> set[str]:
    """Every environment variable shoprocket_site/settings.py reads."""
    source = (ROOT / "shoprocket_site" / "settings.py").read_text()
    return set(
        re.findall(r'(?:os\.environ\.get|env_bool|env_list)\(\s*"([A-Z0-9_]+)"', source)
    )


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value
    return pairs


def command_queues(service: dict) -> set[str]:
    argv = service.get("command") or []
    if "worker" not in argv:
        return set()
    return set(argv[argv.index("-Q") + 1].split(","))


def test_the_roles_are_all_there(compose):
    services = compose["services"]
    assert {
        "proxy",
        "web",
        "migrate",
        "beat",
        "db",
        "db-replica",
        "redis",
        "minio",
    } <= set(services)
    assert services["web"]["deploy"]["replicas"] == "${WEB_REPLICAS:-3}"
    assert services["beat"]["deploy"]["replicas"] == 1
    beats = [s for s in services.values() if "beat" in (s.get("command") or [])]
    assert len(beats) == 1
    # The proxy reaches the web machines by the service name, and checks their liveness.
    assert "server web:8000" in (DEPLOY / "nginx.conf").read_text()
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    # The replica streams from the primary.
    replica_script = (DEPLOY / "postgres" / "replica-entrypoint.sh").read_text()
    assert "pg_basebackup" in replica_script and "--host=db" in replica_script


def test_every_celery_queue_has_a_worker_and_every_worker_a_queue(compose):
    served = set().union(*(command_queues(s) for s in compose["services"].values()))
    assert served == {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert "imports" in served


def test_the_app_containers_are_configured_for_several_machines(compose):
    web = compose["services"]["web"]
    env = web["environment"]
    assert env["STORAGE_BACKEND"] == "s3"
    assert (
        env["DATABASE_URL"].startswith("postgres://") and "@db:" in env["DATABASE_URL"]
    )
    assert "@db-replica:" in env["DATABASE_REPLICA_URLS"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert web["env_file"] == ".env"
    # Workers, beat and migrations run the same image with the same configuration.
    for name in ("migrate", "beat", "worker-emails", "worker-imports"):
        assert compose["services"][name]["environment"] == env
        assert compose["services"][name]["image"] == web["image"]


def test_only_variables_the_settings_read(compose):
    read = settings_variables()
    example = env_example()
    app_env = compose["services"]["web"]["environment"]
    assert set(app_env) <= read, set(app_env) - read
    assert set(example) - COMPOSE_ONLY <= read, set(example) - COMPOSE_ONLY - read
    # What a production machine must set is there.
    required = {
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "PUBLIC_BASE_URL",
        "AWS_STORAGE_BUCKET_NAME",
        "AWS_PRIVATE_BUCKET_NAME",
        "EMAIL_BACKEND",
    }
    assert required <= set(example)
    assert example["DEBUG"] == "false"
    # Every ${VARIABLE} compose substitutes is given in the env file.
    text = (DEPLOY / "compose.yaml").read_text()
    substituted = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", text))
    assert substituted <= set(example), substituted - set(example)


def test_the_image_installs_the_s3_extra_and_serves_with_gunicorn():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "pip install -e '.[s3]'" in dockerfile
    assert '"gunicorn", "shoprocket_site.wsgi"' in dockerfile
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {".venv", "var", ".git"} <= set(ignored)


def test_the_readme_documents_every_variable_the_settings_read():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") : readme.index("## Running in")]
    missing = sorted(name for name in settings_variables() if f"`{name}`" not in table)
    assert missing == []

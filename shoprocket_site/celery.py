"""The Celery app. Tasks live in each app's ``tasks.py``; periodic ones are listed here."""

import importlib
import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shoprocket_site.settings")

app = Celery("shoprocket")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work (run by `celery -A shoprocket_site beat`): each app may list its entries in
# ``<app>/schedule.py`` as ``BEAT_SCHEDULE`` (a module with no Django imports). Each periodic
# task is also a management command, so cron can replace beat.
APPS_WITH_SCHEDULES = (
    "core",
    "catalog",
    "carts",
    "orders",
    "customers",
    "conversations",
    "webhooks",
    "subscriptions",
)


def collect_beat_schedule() -> dict:
    schedule = {}
    for name in APPS_WITH_SCHEDULES:
        try:
            module = importlib.import_module(f"{name}.schedule")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.schedule":
                raise
            continue
        schedule.update(getattr(module, "BEAT_SCHEDULE", {}))
    return schedule


app.conf.beat_schedule = collect_beat_schedule()


@worker_init.connect
def _refuse_insecure_secret_key(**kwargs):
    from core.checks import refuse_insecure_secret_key

    refuse_insecure_secret_key()

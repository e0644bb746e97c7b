"""Periodic core work, collected by shoprocket_site.celery (no Django imports here).

``outbox_sweep`` is also ``manage.py outbox_sweep`` (e.g. from cron every minute).
"""

BEAT_SCHEDULE = {
    "core-purge-idempotency-keys": {
        "task": "core.tasks.purge_idempotency_keys",
        "schedule": 3600.0,
    },
    "core-outbox-sweep": {
        "task": "core.tasks.outbox_sweep",
        "schedule": 60.0,
    },
}

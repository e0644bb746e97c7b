"""Periodic webhook work, collected by shoprocket_site.celery (no Django imports here).

Also runnable without beat: ``manage.py webhooks_sweep`` (e.g. from cron every minute).
"""

BEAT_SCHEDULE = {
    "webhooks-sweep": {
        "task": "webhooks.tasks.webhooks_sweep",
        "schedule": 60.0,
    },
}

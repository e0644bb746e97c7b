"""Periodic tasks of the subscriptions app (collected by shoprocket_site.celery; no Django
imports). ``subscriptions_renew_due`` is also ``manage.py renew_subscriptions`` for cron."""

BEAT_SCHEDULE = {
    "subscriptions-renew-due": {
        "task": "subscriptions.tasks.subscriptions_renew_due",
        "schedule": 300.0,
    },
}

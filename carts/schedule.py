"""Periodic tasks of the carts app (collected by shoprocket_site.celery; no Django imports).

``purge_idle_carts`` is also ``manage.py purge_carts`` for cron.
"""

BEAT_SCHEDULE = {
    "carts-purge-idle-carts": {
        "task": "carts.tasks.purge_idle_carts",
        "schedule": 3600.0,
    },
}

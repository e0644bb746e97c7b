"""Domain events: how an app tells the rest of the platform what happened, without
importing the apps that listen.

Each domain app keeps an ``events.py`` that builds its events' payloads (the object in its
private API shape) and publishes them with :func:`event_publish`, inside the transaction of
the change. Subscribers connect to :data:`event_published`; the webhooks app records each
event there (its transactional outbox, so the event commits or rolls back with the change)
and delivers it after commit. The publisher names no subscriber, so an app low in the
dependency order (catalog, customers) never imports one above it (webhooks).

``event_published.send(sender=type, store=store, mode=mode, type=type, data=data)``:
``type`` is one of the webhook event types (``order.paid``, ``product.updated``, ...),
``mode`` the key mode the change was made in, ``data`` a dict of snake_case keys.
"""

from __future__ import annotations

from django.dispatch import Signal

event_published = Signal()


def event_publish(*, store, mode: str, type: str, data: dict) -> None:
    """Tell every subscriber that ``type`` happened in ``store`` and key ``mode``."""
    if mode not in ("test", "live"):
        raise ValueError(f"An event needs the key mode (test or live), not {mode!r}")
    event_published.send(sender=type, store=store, mode=mode, type=type, data=data)

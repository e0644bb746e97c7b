"""Degrade, don't fail: stop calling a failing dependency for a while, and say so once.

A :class:`CircuitBreaker` guards one optional dependency (the rate-limit cache, the Celery
broker). After a failure the caller skips the dependency for ``cooldown`` seconds (the
request goes on without it), then tries again; the failure is logged once per
``log_interval``, with how many more happened meanwhile, instead of once per request.

State is per process on purpose: each web or worker process finds out about an outage, and
its end, on its own, with no shared store (the shared store is what is down).
"""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger("core.degraded")


def cache_errors() -> tuple[type[BaseException], ...]:
    """What a cache or broker client raises when Redis is down, slow or unreachable."""
    from kombu.exceptions import OperationalError as KombuOperationalError
    from redis.exceptions import RedisError

    return (RedisError, KombuOperationalError, OSError)


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        cooldown: float = 10.0,
        log_interval: float = 60.0,
        clock=None,
    ):
        self.name = name
        self.cooldown = cooldown
        self.log_interval = log_interval
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._failing = False
        self._logged_at: float | None = None
        self._unreported = 0

    def allows(self) -> bool:
        """False while the dependency is being skipped after a failure."""
        return self._clock() >= self._open_until

    @property
    def failing(self) -> bool:
        return self._failing

    def failure(self, exc: BaseException) -> None:
        """Record a failure: skip the dependency for ``cooldown``; log at most once per
        ``log_interval``."""
        with self._lock:
            now = self._clock()
            self._open_until = now + self.cooldown
            self._failing = True
            self._unreported += 1
            if (
                self._logged_at is not None
                and now - self._logged_at < self.log_interval
            ):
                return
            count, self._unreported, self._logged_at = self._unreported, 0, now
        logger.warning(
            "%s unavailable (%s: %s); carrying on without it for %.0f s "
            "(%d failure(s) since the last report)",
            self.name,
            exc.__class__.__name__,
            str(exc)[:200],
            self.cooldown,
            count,
        )

    def success(self) -> None:
        """Record a success: a failing dependency is back."""
        if not self._failing:
            return
        with self._lock:
            if not self._failing:
                return
            self._failing = False
            self._open_until = 0.0
            self._logged_at = None
            self._unreported = 0
        logger.warning("%s is back", self.name)

    def reset(self) -> None:
        """Forget every failure (tests)."""
        with self._lock:
            self._open_until = 0.0
            self._failing = False
            self._logged_at = None
            self._unreported = 0


#: The cache behind rate limits: while it fails, requests are not rate limited.
ratelimit_cache = CircuitBreaker("Rate-limit cache (Redis)")
#: The Celery broker: while it fails, messages wait in the outbox for the sweeper.
broker = CircuitBreaker("Celery broker (Redis)")

"""Billing periods: a pure function, so the calendar rules are written (and tested) once."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta


def period_add(start: datetime, *, interval: str, count: int = 1) -> datetime:
    """``start`` plus ``count`` intervals (day, week, month, year).

    Months and years keep the day of the month, clamped to the month's last day
    (31 January + 1 month is 28 or 29 February), as card subscriptions usually bill.
    """
    if count < 1:
        raise ValueError("A billing period is at least one interval long.")
    if interval == "day":
        return start + timedelta(days=count)
    if interval == "week":
        return start + timedelta(weeks=count)
    if interval == "month":
        months = count
    elif interval == "year":
        months = 12 * count
    else:
        raise ValueError(f"Unknown billing interval {interval!r}")
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)

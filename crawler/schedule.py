"""When to ask a feed, sitemap or home page again: busy sources often, quiet ones rarely, failing ones
with growing patience."""
from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median

MIN_INTERVAL = timedelta(minutes=15)
MAX_INTERVAL = timedelta(hours=12)
QUIET_INTERVAL = timedelta(hours=6)
MAX_BACKOFF = timedelta(hours=24)


def next_interval(*, item_dates: list[datetime], failures: int = 0, new_items: int = 0) -> timedelta:
    """Time until the next poll.

    After ``failures`` consecutive failures the interval doubles from the minimum up to a day. Otherwise it
    is half the typical gap between the newest items (so a new item waits half a gap on average), kept
    between 15 minutes and 12 hours; without dates, 1 hour if the last poll found new items, else 6 hours.
    """
    if failures > 0:
        return min(MIN_INTERVAL * (2 ** min(failures, 10)), MAX_BACKOFF)
    newest = sorted(item_dates, reverse=True)[:10]
    gaps = [(a - b).total_seconds() for a, b in zip(newest, newest[1:]) if a > b]
    if gaps:
        return min(max(timedelta(seconds=median(gaps) / 2), MIN_INTERVAL), MAX_INTERVAL)
    return timedelta(hours=1) if new_items else QUIET_INTERVAL


def is_due(next_poll: str | None, *, now: datetime) -> bool:
    if not next_poll:
        return True
    try:
        return datetime.fromisoformat(next_poll) <= now
    except ValueError:
        return True

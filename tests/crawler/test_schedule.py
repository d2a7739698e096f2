from datetime import datetime, timedelta, timezone

from advocacy.crawler.schedule import MAX_BACKOFF, MAX_INTERVAL, MIN_INTERVAL, is_due, next_interval

NOW = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)


def test_busy_feeds_are_polled_often_and_quiet_ones_rarely():
    busy = [NOW - timedelta(minutes=20 * i) for i in range(10)]
    daily = [NOW - timedelta(days=i) for i in range(10)]
    assert next_interval(item_dates=busy) == MIN_INTERVAL
    assert next_interval(item_dates=daily) == MAX_INTERVAL
    weekly_mix = [NOW - timedelta(hours=4 * i) for i in range(10)]
    assert next_interval(item_dates=weekly_mix) == timedelta(hours=2)


def test_failures_back_off_up_to_a_day():
    intervals = [next_interval(item_dates=[], failures=n) for n in range(1, 12)]
    assert intervals[0] == 2 * MIN_INTERVAL
    assert intervals == sorted(intervals)
    assert intervals[-1] == MAX_BACKOFF


def test_without_dates():
    assert next_interval(item_dates=[], new_items=3) == timedelta(hours=1)
    assert next_interval(item_dates=[]) == timedelta(hours=6)


def test_is_due():
    assert is_due(None, now=NOW)
    assert is_due((NOW - timedelta(seconds=1)).isoformat(), now=NOW)
    assert not is_due((NOW + timedelta(hours=1)).isoformat(), now=NOW)
    assert is_due("garbage", now=NOW)

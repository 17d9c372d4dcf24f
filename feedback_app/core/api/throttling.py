"""API write limits: one rate for every POST, PUT, PATCH or DELETE, counted per API user.

Reads are not limited here; the public web forms have their own limit (PUBLIC_FORM_RATE, counted
by django-ratelimit). A user's writes are counted in fixed windows (each user's windows end at a
moment of their own, so many clients' do not all reopen at once) in the shared cache, which every
web worker on the machine or the cluster sees, so the limit holds across workers.

Each worker adds its writes to the shared count in steps of 1% of the rate (one by one under 200
a window), not one by one: at the rates integrations are given (thousands a minute) a write then
costs no shared write at all most of the time, where adding each one made every worker queue for
the same cache entry (over HTTP on this machine, the limit alone cost the accept-only complaint
API a quarter of its throughput). A worker refuses once what it last saw counted plus its own
not yet added reaches the limit, so the limit is never refused early; it may let through up to
1% of the rate more per other worker in a window before it sees theirs. DRF's own throttles keep
the moment of every request in the window and rewrite that whole list on each one.
"""

from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass
from math import ceil

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# What a window's count may lose at most when a worker stops: its part not yet added.
SHARE_PER_CENT = 1
clock = time.time  # the wall clock: windows are shared by every worker


@dataclass
class _Window:
    key: str
    ends: float
    seen: int = 0  # the shared count as this worker last saw it
    pending: int = 0  # counted here, not yet added to it


_windows: dict[str, _Window] = {}
_lock = threading.Lock()


def write_counts_forget() -> None:
    """Forget this process's part of every count (tests start from none)."""
    with _lock:
        _windows.clear()


def _window(who: str, scope: str, period: int, now: float) -> _Window:
    offset = zlib.crc32(who.encode()) % period
    start = (now - offset) // period * period + offset
    key = f"api:{scope}:{who}:{int(start)}"
    window = _windows.get(who)
    if window is None or window.key != key:
        window = _windows[who] = _Window(key, start + period)
    return window


def parse_rate(rate: str) -> tuple[int, int]:
    """DRF's rate format: "600/min", "10/s", "1000/day" as (writes, seconds)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0].lower()]


def _add(key: str, count: int, period: int) -> int:
    """Add to a shared count (made with the window's lifetime on first use); the new total."""
    try:
        return cache.incr(key, count)
    except ValueError:
        if cache.add(key, count, period + 5):
            return count
        return cache.incr(key, count)


class WriteRateThrottle(BaseThrottle):
    """At most the `writes` rate of DEFAULT_THROTTLE_RATES (API_WRITE_RATE, for example
    "600/min") per user; over it, 429 with Retry-After: the seconds until the window ends."""

    THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    scope = "writes"

    def __init__(self):
        self.seconds_left: int | None = None

    def allow_request(self, request, view) -> bool:
        rate = self.THROTTLE_RATES.get(self.scope)
        if request.method not in WRITE_METHODS or not rate:
            return True
        limit, period = parse_rate(rate)
        step = max(1, limit * SHARE_PER_CENT // 100)
        now = clock()
        with _lock:
            window = _window(self.who(request), self.scope, period, now)
            window.pending += 1  # a refused write counts too, as it always has
            if window.pending >= step:
                window.seen, window.pending = _add(window.key, window.pending, period), 0
            allowed = window.seen + window.pending <= limit
        if not allowed:
            self.seconds_left = max(1, ceil(window.ends - now))
        return allowed

    def who(self, request) -> str:
        user = request.user
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return f"ip:{self.get_ident(request)}"

    def wait(self) -> int | None:
        return self.seconds_left

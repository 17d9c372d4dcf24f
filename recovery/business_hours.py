"""SLA clocks in business hours: when an apology or a resolution is due, and what is overdue.

Only the hours the business is open count: a ticket opened on Friday at 16:00 with 4 hours to
the apology is due on Monday at 12:00 (9:00-17:00, Monday to Friday).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hours() -> tuple[time, time, frozenset[int]]:
    try:
        start, end = (
            time.fromisoformat(part.strip()) for part in settings.BUSINESS_HOURS.split("-")
        )
        days = frozenset(DAY_NAMES.index(day.strip().lower()[:3]) for day in settings.BUSINESS_DAYS)
    except ValueError:
        raise ImproperlyConfigured(
            "BUSINESS_HOURS must look like 09:00-17:00 and BUSINESS_DAYS like mon,tue,wed,thu,fri."
        ) from None
    if end <= start or not days:
        raise ImproperlyConfigured("BUSINESS_HOURS must end after it starts, on at least one day.")
    return start, end, days


def add_business_hours(moment: datetime, hours: float) -> datetime:
    """The moment `hours` business hours after `moment` (aware in, aware out)."""
    start, end, days = _hours()
    local = timezone.localtime(moment)
    zone = local.tzinfo
    remaining = timedelta(hours=hours)
    for _ in range(3700):  # ten years of days: a bound, never reached with sane targets
        day_start = datetime.combine(local.date(), start, zone)
        day_end = datetime.combine(local.date(), end, zone)
        if local.weekday() not in days or local >= day_end:
            local = datetime.combine(local.date() + timedelta(days=1), start, zone)
            continue
        local = max(local, day_start)
        available = day_end - local
        if remaining <= available:
            return local + remaining
        remaining -= available
        local = datetime.combine(local.date() + timedelta(days=1), start, zone)
    raise ValueError("SLA target too far in the future")


def business_hours_between(earlier: datetime, later: datetime) -> float:
    """Business hours from `earlier` to `later` (negative if later is before earlier)."""
    if later < earlier:
        return -business_hours_between(later, earlier)
    start, end, days = _hours()
    local, until = timezone.localtime(earlier), timezone.localtime(later)
    zone = local.tzinfo
    total = timedelta(0)
    while local < until:
        day_start = datetime.combine(local.date(), start, zone)
        day_end = datetime.combine(local.date(), end, zone)
        if local.weekday() in days and local < day_end:
            begin = max(local, day_start)
            finish = min(until, day_end)
            if finish > begin:
                total += finish - begin
        local = datetime.combine(local.date() + timedelta(days=1), time.min, zone)
    return total.total_seconds() / 3600


def business_day_hours() -> float:
    """How many hours one business day has (9:00-17:00: 8)."""
    start, end, _days = _hours()
    return (end.hour - start.hour) + (end.minute - start.minute) / 60

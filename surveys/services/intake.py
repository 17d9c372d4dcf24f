"""Checks every kind of incoming feedback shares (responses and complaints alike)."""

from datetime import datetime, timedelta

from django.utils import timezone

from feedback_app.customers.models import Channel
from feedback_app.errors import DomainError

# Clocks of shops and call centres drift a little; anything later than this is refused.
CLOCK_SKEW = timedelta(minutes=5)


def check_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise DomainError(f"Unknown channel {channel!r}.", field="channel")


def check_past(moment: datetime, *, field: str, now: datetime | None = None) -> None:
    """`moment` must carry a time zone and not lie in the future."""
    now = now or timezone.now()
    if timezone.is_naive(moment) or moment > now + CLOCK_SKEW:
        raise DomainError(f"{field} must be a past moment with a time zone.", field=field)

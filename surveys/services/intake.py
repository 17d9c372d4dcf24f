"""Checks every kind of incoming feedback shares (responses and complaints alike)."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from feedback_app.core.errors import DomainError
from feedback_app.customers.models import Channel

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


def client_key(actor: AbstractBaseUser | None, key: str | None, *, limit: int) -> str | None:
    """The stored form of a sender's idempotency key (or event id): scoped to the login that
    sent it, so one API client can neither collide with another's keys nor read another's item
    back by guessing one. Keys from no login (e-mail Message-IDs, the public forms) stay as they
    are. `limit` is what the sender may send; the stored form is at most 12 characters longer."""
    key = (key or "").strip()[:limit]
    if not key:
        return None
    if actor is None or not getattr(actor, "pk", None):
        return key
    return f"u{actor.pk}:{key}"


def client_key_shown(stored: str) -> str:
    """The key as its sender sent it."""
    scope, sep, key = stored.partition(":")
    return key if sep and scope[:1] == "u" and scope[1:].isdecimal() else stored


def submitter(actor: AbstractBaseUser | None) -> AbstractBaseUser | None:
    """The login to record as an item's sender (None for the system and for customers)."""
    return actor if actor is not None and getattr(actor, "pk", None) else None

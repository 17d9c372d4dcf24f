"""Checks every kind of incoming feedback shares (responses and complaints alike)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone

from feedback_app.core.bulk import insert_rows
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


T = TypeVar("T", bound=Model)


def by_key(model: type[T], **unique) -> T | None:
    """The row with these unique values, or None (get(): an index seek, no sort, unlike
    first())."""
    try:
        return model.objects.get(**unique)
    except model.DoesNotExist:
        return None


def insert_once(model: type[Model], **fields) -> bool:
    """Insert one row (its id not read back); False when a unique index refuses it (a replay).
    On its own (autocommit) one INSERT needs no transaction around it; inside the caller's, a
    savepoint keeps that one usable after a refusal."""
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                insert_rows([model(**fields)])
        else:
            insert_rows([model(**fields)])
    except IntegrityError:
        return False
    return True


def waiting_failed(model: type[Model], key, exc: Exception) -> None:
    """Count a failed try on a row accepted and waiting to be stored (received answers or an
    accepted complaint), with its error, for the sweep's next try and the admin."""
    model.objects.filter(pk=key).update(
        attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
    )


def intake_once(
    *,
    find: Callable[[], T | None],
    create: Callable[[], tuple[T, bool]],
    winner: Callable[[], T | None] | None = None,
    look_first: bool = True,
) -> tuple[T, bool]:
    """The idempotent intake every channel shares: what `find()` finds (a replayed key) comes
    back with created False; otherwise `create()` runs in its own transaction and says whether
    it created. When a concurrent request stored the same thing first, the unique index refuses
    this one and the winner (`winner()`, by default `find()`) comes back instead.

    `look_first=False` skips the lookup before writing when the unique index alone guards the
    key: a first submission (the usual case) then costs no statement for it, and a replay is
    found after the index refuses it, its writes rolled back. Refused with nothing found, it is
    made once more (a random case number drawn twice)."""
    existing = find() if look_first else None
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        first = (winner or find)()
        if first is not None:
            return first, False
    # Refused, and not as a replay: a number the row drew at random (a complaint's case number)
    # was taken. Drawn again once; anything else is refused again and raised.
    with transaction.atomic():
        return create()

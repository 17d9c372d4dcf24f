"""The customer's timeline: one entry for everything that happened with them, on any channel."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from feedback_app.core.errors import DomainError
from feedback_app.core.phrases import Phrase
from feedback_app.customers.models import (
    Channel,
    Customer,
    TimelineEntry,
)

_CHANNELS = frozenset(Channel.values)


def timeline_entry(
    *,
    customer: Customer,
    kind: str,
    title: str | Phrase,
    channel: str = "",
    body: str = "",
    actor=None,
    subject: models.Model | None = None,
    data: Mapping | None = None,
    occurred_at: datetime | None = None,
) -> TimelineEntry:
    """One entry of the customer's timeline, not yet saved (for bulk_create). A title given as
    a Phrase is kept in English and as its message, so each reader sees it in their language."""
    if channel and channel not in _CHANNELS:
        raise DomainError(f"Unknown channel {channel!r}.", field="channel")
    data = dict(data or {})
    if isinstance(title, Phrase):
        data["title"] = title.stored()
        title = title.english()
    entry = TimelineEntry(
        customer=customer,
        kind=kind,
        title=title[:200],
        channel=channel,
        body=body,
        actor=actor,
        data=data,
        occurred_at=occurred_at or timezone.now(),
    )
    if subject is not None:
        entry.subject_type = ContentType.objects.get_for_model(subject)
        entry.subject_id = subject.pk
    return entry


def timeline_record(**fields) -> TimelineEntry:
    """Append one entry to the customer's timeline. Never updates an existing entry."""
    entry = timeline_entry(**fields)
    entry.save(force_insert=True)
    return entry

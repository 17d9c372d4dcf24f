"""How far a customer got with an invitation, for the survey's funnel (surveys/funnel.py).

The answer page's script reports it (`POST /s/<token>/` with `progress`): the page was seen in a
browser (opened), the customer answered something on it (started), and how many questions in
they got (reached). Link scanners open links but run no script, so they count for nothing here,
as they store nothing. Each report is a conditional UPDATE or two: the first time counts for opened
and started, the furthest for reached; reports after the answer was sent change nothing.
"""

from __future__ import annotations

from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from feedback_app.core.errors import DomainError
from surveys.models import Invitation
from surveys.selectors import survey_questions

STEPS = ("opened", "started", "reached")


def invitation_progress(*, invitation: Invitation, step: str, position: int | None = None) -> bool:
    """Record one step; True when it changed something. Reaching a question counts as having
    started, and starting as having opened the page."""
    if step not in STEPS:
        raise DomainError(f"Unknown step {step!r}.", field="progress")
    rows = Invitation.objects.filter(pk=invitation.pk, answered_at__isnull=True)
    changed = 0
    if step == "reached":
        count = len(survey_questions(invitation.survey))
        if position is None or not 1 <= position <= count:
            raise DomainError(f"The position must be from 1 to {count}.", field="position")
        changed = rows.filter(Q(reached__isnull=True) | Q(reached__lt=position)).update(
            reached=position
        )
    now = Value(timezone.now())
    if step in ("started", "reached"):
        changed += rows.filter(started_at__isnull=True).update(
            started_at=now, opened_at=Coalesce("opened_at", now)
        )
    else:
        changed += rows.filter(opened_at__isnull=True).update(opened_at=now)
    return bool(changed)

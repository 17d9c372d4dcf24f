"""Answering a survey: the checks every channel shares, and the one way a response is stored.

Anonymous link, API and file import call `response_submit`. It stores the whole response or
nothing, answers an invitation once (a second submit returns the first response and changes
nothing), and queues triage after commit. The invitation form, the path a burst of customers
takes at once, accepts first and stores in batches (`surveys.services.received`), giving each
response what `response_submit` would, from the same parts (`response_new`, `submitted_entry`,
`own_moments`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feedback_app.core.background import (
    queue_item_task_on_commit,
)
from feedback_app.core.errors import Conflict, DomainError
from feedback_app.core.formatting import shortened
from feedback_app.core.phrases import Phrase
from feedback_app.core.signals import customer_active
from feedback_app.customers.models import Customer
from feedback_app.customers.services.timeline import timeline_record
from surveys.logic import follows
from surveys.models import Answer, Invitation, Question, Response, Survey
from surveys.selectors import survey_questions
from surveys.services.intake import (
    by_key,
    check_channel,
    check_past,
    client_key,
    intake_once,
    submitter,
)
from surveys.services.rollups import rollup_arrival
from surveys.services.triage import triage_response

logger = logging.getLogger(__name__)


class AnswersInvalid(DomainError):
    """Some answers are missing or wrong; `errors` maps question ids to messages."""

    def __init__(self, errors: dict[int | str, str]):
        super().__init__("Some answers need your attention.", field="answers", errors=errors)
        self.errors = errors


class InvitationExpired(Conflict):
    pass


class SurveyClosed(Conflict):
    pass


@dataclass
class Submission:
    response: Response
    created: bool


def check_live(survey: Survey) -> None:
    """Refuse answers to a survey that is not live, saying whether it closed or has not opened."""
    if survey.status != Survey.Status.LIVE:
        raise SurveyClosed(
            "This survey is closed and no longer takes answers."
            if survey.status == Survey.Status.CLOSED
            else "This survey is not open for answers yet."
        )


def _is_blank(value) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, str) and not value.strip())
    )


def _clean_one(question: Question, value):
    """Return (number, choices, text) for one answer, or raise ValueError with a message."""
    if question.is_rating:
        low, high = question.scale
        scale = {"low": low, "high": high}
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(_("Choose a whole number from %(low)s to %(high)s.") % scale)
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(_("Choose a whole number from %(low)s to %(high)s.") % scale) from None
        if not low <= number <= high:
            raise ValueError(_("Choose a number from %(low)s to %(high)s.") % scale)
        return number, [], ""
    if question.kind == Question.Kind.SINGLE:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, str) or value not in question.choices:
            raise ValueError(_("Choose one of the options."))
        return None, [value], ""
    if question.kind == Question.Kind.MULTIPLE:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            raise ValueError(_("Choose from the options."))
        unknown = [v for v in values if v not in question.choices]
        if unknown:
            raise ValueError(_("Choose from the options."))
        return None, [c for c in question.choices if c in values], ""
    if not isinstance(value, str):
        raise ValueError(_("Write your answer as text."))
    text = value.replace("\x00", "").strip()
    if len(text) > Question.MAX_TEXT:
        raise ValueError(
            _("Please keep your answer under %(most)s characters.")
            % {"most": number_format(Question.MAX_TEXT, force_grouping=True)}
        )
    return None, [], text


def answers_clean(*, survey: Survey, answers: Mapping, partial: bool = False) -> list[Answer]:
    """Check raw answers (question id → value) against the survey's questions.

    Every problem is collected, so a form can show them all at once. Unknown question ids are
    an error, not silently dropped: the sender believes they answered something. Answers to
    questions the earlier answers hide are dropped (a page without JavaScript shows them all).
    """
    questions = {q.pk: q for q in survey_questions(survey)}
    errors: dict[int | str, str] = {}
    cleaned = []
    given = {}
    for key, value in (answers or {}).items():
        try:
            given[int(key)] = value
        except (TypeError, ValueError):
            errors[str(key)] = _("This is not a question of this survey.")
    for pk in given:
        if pk not in questions:
            errors[pk] = _("This is not a question of this survey.")
    # Questions that follow the answer (surveys/logic.py): one whose condition does not hold
    # is hidden, so never required, and what was sent for it is not stored.
    answered: dict[int, tuple] = {}
    shown: set[int] = set()
    for pk, question in questions.items():
        if not follows(question, shown, answered, questions):
            continue
        shown.add(pk)
        value = given.get(pk)
        if _is_blank(value):
            if question.required and not partial:
                errors[pk] = _("Please answer this question.")
            continue
        try:
            number, choices, text = _clean_one(question, value)
        except ValueError as exc:
            errors[pk] = str(exc)
            continue
        answered[pk] = (number, choices)
        cleaned.append(Answer(question=question, number=number, choices=choices, text=text))
    if errors:
        raise AnswersInvalid(errors)
    if not cleaned:
        raise AnswersInvalid({"answers": _("Please answer at least one question.")})
    return cleaned


def _summary(answers: list[Answer]) -> str:
    parts = []
    for answer in answers:
        q = answer.question
        if q.is_rating:
            parts.append(f"{q.kind.upper()} {answer.number}")
        elif answer.text:
            parts.append(f"\u201c{shortened(answer.text, 120)}\u201d")
        elif answer.choices:
            parts.append(", ".join(answer.choices))
    return " · ".join(parts)


def response_new(*, survey: Survey, customer: Customer | None, cleaned: list, **fields) -> Response:
    """A response not yet saved, with the customer's segments and its NPS from the answers."""
    response = Response(
        survey=survey,
        customer=customer,
        nps=next((a.number for a in cleaned if a.question.kind == Question.Kind.NPS), None),
        **fields,
    )
    response.take_segments(customer)
    return response


def submitted_entry(response: Response, cleaned: list, actor=None) -> dict:
    """The customer's timeline entry for a response they gave."""
    return {
        "customer": response.customer,
        "kind": "response.submitted",
        "title": Phrase(gettext_noop("Answered “%(survey)s”"), survey=response.survey.name),
        "body": _summary(cleaned),
        "channel": response.channel,
        "actor": actor,
        "subject": response,
        "occurred_at": response.submitted_at,
    }


def own_moments(responses: list[Response]) -> list[tuple[Customer, datetime]]:
    """(customer, when) of the responses that are the customer doing something of their own:
    an answer with a known customer that is not a recovery follow-up (`customer_active`)."""
    return [
        (r.customer, r.submitted_at)
        for r in responses
        if r.customer is not None and r.survey.purpose != Survey.Purpose.RECOVERY_FOLLOW_UP
    ]


# Long on purpose: its body is the find/winner/store closures that intake_once runs; as separate
# functions each would take the same ten arguments.
def response_submit(
    *,
    survey: Survey,
    answers: Mapping,
    channel: str,
    customer: Customer | None = None,
    invitation: Invitation | None = None,
    submitted_at: datetime | None = None,
    idempotency_key: str | None = None,
    source_reference: str = "",
    actor=None,
    accepted: bool = False,
    partial: bool = False,
) -> Submission:
    """Store one response with all its answers, or nothing.

    With an invitation: the invitation's survey and customer are used, and a second submit
    returns the first response (`created` False). With an `idempotency_key`: a retry with the
    same key returns the first response. A closed survey or an expired invitation is refused;
    `accepted` answers were checked when received (`answers_receive`, at `submitted_at`), so a
    survey closed since does not refuse them; `partial` ones (a one-click answer saved alone)
    need not answer the required questions.
    """
    now = timezone.now()
    submitted_at = submitted_at or now
    check_channel(channel)
    check_past(submitted_at, field="submitted_at", now=now)
    key = client_key(actor, idempotency_key, limit=100)

    def find() -> Response | None:
        found = by_key(Response, idempotency_key=key) if key else None
        if found is not None and found.survey_id != survey.pk:
            raise Conflict(
                "This idempotency key was used for another survey.", field="idempotency_key"
            )
        return found

    def winner() -> Response | None:
        """Who won a race of the same invitation or key."""
        found = by_key(Response, invitation=invitation) if invitation is not None else None
        return found or (by_key(Response, idempotency_key=key) if key else None)

    def store() -> tuple[Response, bool]:
        nonlocal invitation, survey, customer
        if invitation is not None:
            invitation = (
                Invitation.objects.select_for_update(of=("self",))
                .select_related("survey", "customer")
                .get(pk=invitation.pk)
            )
            already = Response.objects.filter(invitation=invitation).first()
            if already is not None:
                return already, False
            if invitation.expires_at <= submitted_at:
                raise InvitationExpired("This survey link has expired.")
            survey, customer = invitation.survey, invitation.customer
        if not accepted:
            check_live(survey)
        cleaned = answers_clean(survey=survey, answers=answers, partial=partial)
        response = response_new(
            survey=survey,
            customer=customer,
            invitation=invitation,
            channel=channel,
            submitted_at=submitted_at,
            idempotency_key=key,
            submitted_by=submitter(actor),
            source_reference=source_reference[:200],
            cleaned=cleaned,
        )
        response.save()
        for answer in cleaned:
            answer.response = response
        Answer.objects.bulk_create(cleaned)
        rollup_arrival(response, cleaned)
        if invitation is not None:
            invitation.status = Invitation.Status.ANSWERED
            invitation.answered_at = now
            invitation.save(update_fields=["status", "answered_at"])
        if customer is not None:
            timeline_record(**submitted_entry(response, cleaned, actor))
        if active := own_moments([response]):
            customer_active.send(sender=Response, moments=active)
        queue_item_task_on_commit(triage_response, response.pk)
        return response, True

    return Submission(*intake_once(find=find, create=store, winner=winner))

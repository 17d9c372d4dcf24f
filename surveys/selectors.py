"""Reads of the surveys app, with joins and aggregates decided here once."""

import time
from datetime import date, timedelta

from django.db.models import (
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.utils import timezone

from feedback_app.core.prepared import PreparedRead
from surveys.models import Answer, Complaint, Invitation, Question, Response, Survey, TriggerRule

SCORE_WINDOW_DAYS = 90


# What the form's posts read of the invitation (sending the answers, a one-click answer saved,
# progress reported); anything else is read when asked for, one statement a field.
POSTED_FIELDS = ("token", "survey", "customer", "status", "expires_at", "received")


def invitation_by_token(*, token: str, page: bool = True) -> Invitation | None:
    """The invitation of an answer link, with its customer's `language` (the page speaks it) and
    its survey as this process keeps it (`survey_as_of`: the survey row itself is read only when
    it changed; its questions: `survey_questions`). `page` adds the customer and event the form
    greets them with; the form's post, the hot path, goes without, its read compiled once
    (`PreparedRead`)."""
    if page:
        try:  # the token is unique: get() needs no ordering
            invitation = _invitations().select_related("customer", "event").get(token=token)
        except Invitation.DoesNotExist:
            return None
    else:
        invitation = _POSTED_INVITATION.get(token)
        if invitation is None:
            return None
    invitation.survey = survey_as_of(invitation.survey_id, invitation.survey_version)
    return invitation


def _invitations() -> QuerySet[Invitation]:
    return Invitation.objects.select_related("received").annotate(
        survey_version=F("survey__updated_at"), language=F("customer__language")
    )


# The post's read, compiled once (its SQL is the same for every token).
_POSTED_INVITATION = PreparedRead(
    lambda token: _invitations().only(*POSTED_FIELDS).filter(token=token)
)


def invitation_by_short_code(*, code: str) -> Invitation | None:
    """The invitation behind a text's short link; codes are read as typed (upper case)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 12:
        return None
    return Invitation.objects.filter(short_code=code).only("pk", "token").first()


def survey_by_public_token(*, token: str) -> Survey | None:
    return Survey.objects.filter(public_token=token, public_link_enabled=True).first()


def follow_up_survey() -> Survey | None:
    """The live "did we make it right?" survey that resolving a ticket sends (the newest)."""
    return (
        Survey.objects.filter(purpose=Survey.Purpose.RECOVERY_FOLLOW_UP, status=Survey.Status.LIVE)
        .order_by("-created_at", "-id")
        .first()
    )


def survey_list() -> QuerySet[Survey]:
    return Survey.objects.annotate(
        response_count=Count("responses", distinct=True),
        question_count=Count("questions", distinct=True),
    ).order_by("status", "-created_at")


# NPS: % promoters (9-10) minus % detractors (0-6). CSAT: % of answers 4 or 5. CES: mean (1-7).
SCORE_AGGREGATES = {
    "nps_n": Count("id", filter=Q(question__kind=Question.Kind.NPS)),
    "promoters": Count("id", filter=Q(question__kind=Question.Kind.NPS, number__gte=9)),
    "detractors": Count("id", filter=Q(question__kind=Question.Kind.NPS, number__lte=6)),
    "csat_n": Count("id", filter=Q(question__kind=Question.Kind.CSAT)),
    "satisfied": Count("id", filter=Q(question__kind=Question.Kind.CSAT, number__gte=4)),
    "ces_n": Count("id", filter=Q(question__kind=Question.Kind.CES)),
    "ces_sum": Sum("number", filter=Q(question__kind=Question.Kind.CES)),
}


def scores_from(row: dict) -> dict:
    """NPS, CSAT % and mean CES (with their answer counts) of one SCORE_AGGREGATES row."""
    return {
        "nps": round(100 * (row["promoters"] - row["detractors"]) / row["nps_n"], 1)
        if row["nps_n"]
        else None,
        "nps_n": row["nps_n"],
        "csat": round(100 * row["satisfied"] / row["csat_n"], 1) if row["csat_n"] else None,
        "csat_n": row["csat_n"],
        "ces": round(row["ces_sum"] / row["ces_n"], 2) if row["ces_n"] else None,
        "ces_n": row["ces_n"],
    }


def _nps_answers():
    """The NPS answers of the outer row's customer (kept on each response: `Response.nps`)."""
    return Response.objects.filter(customer=OuterRef("customer"), nps__isnull=False).values("nps")


def nps_last_before(moment: str) -> Subquery:
    """The outer row's customer's last NPS answer before its `moment` (one index seek a row):
    with `nps_first_after`, how a customer scored us before and after something we did."""
    earlier = _nps_answers().filter(submitted_at__lt=OuterRef(moment))
    return Subquery(earlier.order_by("-submitted_at")[:1])


def nps_first_after(moment: str, lookup: str) -> Subquery:
    """The outer row's customer's first NPS answer after (`gt`) or from (`gte`) its `moment`."""
    later = _nps_answers().filter(**{f"submitted_at__{lookup}": OuterRef(moment)})
    return Subquery(later.order_by("submitted_at")[:1])


def survey_scores(*, survey_ids, since=None) -> dict[int, dict]:
    """Scores per survey from one aggregate query, over the last SCORE_WINDOW_DAYS by default."""
    since = since or timezone.now() - timedelta(days=SCORE_WINDOW_DAYS)
    rows = (
        Answer.objects.filter(
            question__survey_id__in=list(survey_ids), response__submitted_at__gte=since
        )
        .values("question__survey_id")
        .annotate(**SCORE_AGGREGATES)
    )
    return {row["question__survey_id"]: scores_from(row) for row in rows}


def invitation_counts(*, survey: Survey) -> dict[str, int]:
    rows = survey.invitations.values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def survey_invitations(*, survey: Survey, status: str = "") -> QuerySet[Invitation]:
    queryset = survey.invitations.select_related("customer", "event").order_by(
        "-scheduled_for", "-id"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def survey_responses(*, survey: Survey | None = None) -> QuerySet[Response]:
    queryset = Response.objects.select_related("survey", "customer").prefetch_related(
        Prefetch("answers", queryset=Answer.objects.select_related("question")), "topics"
    )
    if survey is not None:
        queryset = queryset.filter(survey=survey)
    return queryset.order_by("-submitted_at", "-id")


def response_detail(*, pk: int) -> Response:
    return (
        Response.objects.select_related("survey", "customer", "invitation__event")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("question")), "topics"
        )
        .get(pk=pk)
    )


def trigger_rules() -> QuerySet[TriggerRule]:
    return TriggerRule.objects.select_related("survey").order_by("event_type", "id")


def feedback_recent(
    *,
    sentiment: str = "",
    severity: int | None = None,
    topic=None,
    channel: str = "",
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet:
    """Responses and complaints together, newest first, as (kind, pk, at) rows for paging.

    One UNION query orders and pages both kinds; `feedback_items` then loads one page of objects.
    """
    filters = {}
    if sentiment:
        filters["sentiment"] = sentiment
    if severity:
        filters["severity"] = severity
    if topic:
        filters["topics"] = topic
    if channel:
        filters["channel"] = channel
    # Local days, both included (the dashboards' drill-down from a week or a month).
    dates = {}
    if since:
        dates["__date__gte"] = since
    if until:
        dates["__date__lte"] = until
    responses = (
        Response.objects.filter(**filters, **{f"submitted_at{k}": v for k, v in dates.items()})
        .annotate(kind=Value("response", output_field=CharField()), at=F("submitted_at"))
        .values("kind", "pk", "at")
    )
    complaints = (
        Complaint.objects.filter(**filters, **{f"received_at{k}": v for k, v in dates.items()})
        .annotate(kind=Value("complaint", output_field=CharField()), at=F("received_at"))
        .values("kind", "pk", "at")
    )
    if kind == "response":
        return responses.order_by("-at", "-pk")
    if kind == "complaint":
        return complaints.order_by("-at", "-pk")
    # Each side drops its model's default ordering: SQLite refuses ORDER BY inside a UNION.
    return responses.order_by().union(complaints.order_by(), all=True).order_by("-at", "-pk")


def feedback_items(rows) -> list:
    """The Response and Complaint objects behind a page of `feedback_recent` rows, in order."""
    rows = list(rows)
    responses = survey_responses().in_bulk([r["pk"] for r in rows if r["kind"] == "response"])
    complaints = (
        Complaint.objects.select_related("customer")
        .prefetch_related("topics")
        .in_bulk([r["pk"] for r in rows if r["kind"] == "complaint"])
    )
    found = {"response": responses, "complaint": complaints}
    return [found[r["kind"]][r["pk"]] for r in rows if r["pk"] in found[r["kind"]]]


def complaint_detail(*, pk: int) -> Complaint:
    return Complaint.objects.select_related("customer").prefetch_related("topics").get(pk=pk)


def intake_backlog(*, now=None) -> dict[str, int]:
    """What the intake has not finished, for the operator's summary each minute: answers
    accepted and not yet stored (and of those, failing), complaints accepted and not yet filed
    (the same), items stored and not yet triaged, and
    background tasks that failed in the last minute. Each is an index-backed count."""
    from django_q.models import Failure

    from surveys.models import ReceivedAnswers, ReceivedComplaint

    now = now or timezone.now()
    return {
        "waiting": ReceivedAnswers.objects.count(),
        "failing": ReceivedAnswers.objects.filter(attempts__gt=0).count(),
        "complaints_waiting": ReceivedComplaint.objects.count(),
        "complaints_failing": ReceivedComplaint.objects.filter(attempts__gt=0).count(),
        "untriaged": Response.objects.filter(triaged_at__isnull=True).count()
        + Complaint.objects.filter(triaged_at__isnull=True).count(),
        "failed_tasks": Failure.objects.filter(stopped__gte=now - timedelta(minutes=1)).count(),
    }


# A survey row and its questions as last read in this process, by (survey, its updated_at):
# every answer form shown and sent reads them, and they change rarely. Changing the survey or a
# question moves the survey's updated_at (surveys.services.building), so a read that names the
# version sees the change at once; a question changed around the services (the admin's question
# list) is seen within the window.
_QUESTIONS: dict[tuple, tuple[float, list]] = {}
_SURVEYS: dict[tuple, tuple[float, Survey]] = {}
QUESTIONS_KEPT_SECONDS = 60
QUESTIONS_KEPT_SURVEYS = 512


def _kept(kept: dict, key: tuple, read):
    """What `kept` holds for `key` if read less than QUESTIONS_KEPT_SECONDS ago, else `read()`,
    kept from now on (at most QUESTIONS_KEPT_SURVEYS keys: then all are forgotten at once)."""
    now = time.monotonic()
    found = kept.get(key)
    if found is not None and now - found[0] < QUESTIONS_KEPT_SECONDS:
        return found[1]
    value = read()
    if len(kept) >= QUESTIONS_KEPT_SURVEYS:
        kept.clear()
    kept[key] = (now, value)
    return value


def survey_as_of(pk: int, updated_at) -> Survey:
    """The survey `pk` as it was at `updated_at` (read with the invitation that names it), read
    from the database once per version and process. Shared between requests: callers show it
    (a language's copy: `surveys.languages.localized`) and never change it."""
    return _kept(_SURVEYS, (pk, updated_at), lambda: Survey.objects.get(pk=pk))


def survey_questions(survey: Survey) -> list[Question]:
    """The survey's questions in order, read once per survey version and process: as of the
    survey object given (its updated_at), so read the survey afresh to see a change."""
    return _kept(_QUESTIONS, (survey.pk, survey.updated_at), lambda: list(survey.questions.all()))


def survey_questions_forget() -> None:
    """Forget every kept copy (the test suite starts each test with none)."""
    _QUESTIONS.clear()
    _SURVEYS.clear()

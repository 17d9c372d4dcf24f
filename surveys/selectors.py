"""Reads of the surveys app, with joins and aggregates decided here once."""

from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from surveys.models import Answer, Invitation, Question, Response, Survey, TriggerRule

SCORE_WINDOW_DAYS = 90


def invitation_by_token(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("survey", "customer", "event")
        .prefetch_related(
            Prefetch("survey__questions", queryset=Question.objects.order_by("position", "id"))
        )
        .filter(token=token)
        .first()
    )


def survey_by_public_token(*, token: str) -> Survey | None:
    return Survey.objects.filter(public_token=token, public_link_enabled=True).first()


def survey_list() -> QuerySet[Survey]:
    return Survey.objects.annotate(
        response_count=Count("responses", distinct=True),
        question_count=Count("questions", distinct=True),
    ).order_by("status", "-created_at")


def survey_scores(*, survey_ids, since=None) -> dict[int, dict]:
    """NPS and CSAT per survey from one aggregate query.

    NPS: % promoters (9-10) minus % detractors (0-6). CSAT: % of answers 4 or 5. CES: mean.
    """
    since = since or timezone.now() - timedelta(days=SCORE_WINDOW_DAYS)
    rows = (
        Answer.objects.filter(
            question__survey_id__in=list(survey_ids), response__submitted_at__gte=since
        )
        .values("question__survey_id")
        .annotate(
            nps_n=Count("id", filter=Q(question__kind=Question.Kind.NPS)),
            promoters=Count("id", filter=Q(question__kind=Question.Kind.NPS, number__gte=9)),
            detractors=Count("id", filter=Q(question__kind=Question.Kind.NPS, number__lte=6)),
            csat_n=Count("id", filter=Q(question__kind=Question.Kind.CSAT)),
            satisfied=Count("id", filter=Q(question__kind=Question.Kind.CSAT, number__gte=4)),
        )
    )
    scores = {}
    for row in rows:
        nps = (
            round(100 * (row["promoters"] - row["detractors"]) / row["nps_n"])
            if row["nps_n"]
            else None
        )
        csat = round(100 * row["satisfied"] / row["csat_n"]) if row["csat_n"] else None
        scores[row["question__survey_id"]] = {
            "nps": nps,
            "nps_n": row["nps_n"],
            "csat": csat,
            "csat_n": row["csat_n"],
        }
    return scores


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
        Prefetch("answers", queryset=Answer.objects.select_related("question"))
    )
    if survey is not None:
        queryset = queryset.filter(survey=survey)
    return queryset.order_by("-submitted_at", "-id")


def response_detail(*, pk: int) -> Response:
    return (
        Response.objects.select_related("survey", "customer", "invitation")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("question")))
        .get(pk=pk)
    )


def trigger_rules() -> QuerySet[TriggerRule]:
    return TriggerRule.objects.select_related("survey").order_by("event_type", "id")

"""Answering: every channel shares one set of checks; a response is stored whole or not at all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback_app.core.errors import Conflict, DomainError
from feedback_app.customers.services.resolve import customer_resolve
from surveys.models import Answer, Invitation, Response
from surveys.services.building import question_update
from surveys.services.invitations import invitation_create
from surveys.services.responses import (
    AnswersInvalid,
    InvitationExpired,
    SurveyClosed,
    response_submit,
)
from tests.factories import delivery_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return delivery_survey()


@pytest.fixture
def questions(survey):
    return dict(zip(("nps", "choice", "text"), survey.questions.all(), strict=True))


def submit(survey, answers, **kwargs):
    return response_submit(
        survey=survey, answers=answers, channel=kwargs.pop("channel", "web"), **kwargs
    )


def test_a_full_response_is_stored_with_its_answers(survey, questions):
    ann = customer_resolve(email="ann@example.com").customer
    result = submit(
        survey,
        {
            questions["nps"].pk: "3",
            questions["choice"].pk: "No, it was late",
            questions["text"].pk: " Late again ",
        },
        customer=ann,
    )
    assert result.created
    answers = {a.question.kind: a for a in result.response.answers.all()}
    assert answers["nps"].number == 3
    assert answers["single"].choices == ["No, it was late"]
    assert answers["text"].text == "Late again"
    entry = ann.timeline.get(kind="response.submitted")
    assert entry.body == "NPS 3 · No, it was late · \u201cLate again\u201d"


@pytest.mark.parametrize(
    "value,message",
    [
        (11, "Choose a number from 0 to 10."),
        (-1, "Choose a number from 0 to 10."),
        ("ten", "Choose a whole number from 0 to 10."),
        (7.5, "Choose a whole number from 0 to 10."),
        (True, "Choose a whole number from 0 to 10."),
        ([5], "Choose a whole number from 0 to 10."),
    ],
)
def test_rating_out_of_range_or_of_the_wrong_type(survey, questions, value, message):
    with pytest.raises(AnswersInvalid) as caught:
        submit(survey, {questions["nps"].pk: value})
    assert caught.value.errors == {questions["nps"].pk: message}
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_missing_required_answer(survey, questions):
    with pytest.raises(AnswersInvalid) as caught:
        submit(survey, {questions["text"].pk: "Only a comment"})
    assert caught.value.errors == {questions["nps"].pk: "Please answer this question."}


def test_unknown_question_is_an_error_not_dropped(survey, questions):
    other = delivery_survey().questions.first()
    with pytest.raises(AnswersInvalid) as caught:
        submit(survey, {questions["nps"].pk: 5, other.pk: 5, "abc": 1})
    assert caught.value.errors == {
        other.pk: "This is not a question of this survey.",
        "abc": "This is not a question of this survey.",
    }


def test_choice_must_be_one_of_the_options(survey, questions):
    with pytest.raises(AnswersInvalid):
        submit(survey, {questions["nps"].pk: 5, questions["choice"].pk: "Maybe"})


def test_huge_and_hostile_text(survey, questions):
    with pytest.raises(AnswersInvalid):
        submit(survey, {questions["nps"].pk: 5, questions["text"].pk: "x" * 10_001})
    result = submit(
        survey,
        {questions["nps"].pk: 5, questions["text"].pk: "<script>alert(1)</script>\x00 \U0001f621"},
    )
    assert (
        result.response.answers.get(question=questions["text"]).text
        == "<script>alert(1)</script> \U0001f621"
    )


def test_closed_and_draft_surveys_take_no_answers(survey, questions):
    survey.status = "closed"
    survey.save()
    with pytest.raises(SurveyClosed, match="closed"):
        submit(survey, {questions["nps"].pk: 5})
    survey.status = "draft"
    survey.save()
    with pytest.raises(SurveyClosed, match="not open"):
        submit(survey, {questions["nps"].pk: 5})
    assert not Response.objects.exists()


class TestInvitationAnswersOnce:
    @pytest.fixture
    def invitation(self, survey):
        ann = customer_resolve(email="ann@example.com").customer
        return invitation_create(survey=survey, customer=ann)

    def test_second_submit_returns_the_first_and_changes_nothing(
        self, survey, questions, invitation
    ):
        first = submit(survey, {questions["nps"].pk: 2}, invitation=invitation)
        second = submit(survey, {questions["nps"].pk: 10}, invitation=invitation)
        assert first.created and not second.created
        assert second.response == first.response
        assert Answer.objects.get(question=questions["nps"]).number == 2
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.ANSWERED

    def test_the_invitation_decides_survey_and_customer(self, survey, questions, invitation):
        result = submit(delivery_survey(), {questions["nps"].pk: 9}, invitation=invitation)
        assert result.response.survey == survey and result.response.customer == invitation.customer

    def test_expired_invitation_is_refused(self, survey, questions, invitation):
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        with pytest.raises(InvitationExpired):
            submit(survey, {questions["nps"].pk: 9}, invitation=invitation)
        assert not Response.objects.exists()

    def test_a_bad_answer_leaves_the_invitation_open(self, survey, questions, invitation):
        with pytest.raises(AnswersInvalid):
            submit(survey, {questions["nps"].pk: 99}, invitation=invitation)
        invitation.refresh_from_db()
        assert invitation.status != Invitation.Status.ANSWERED
        assert submit(survey, {questions["nps"].pk: 9}, invitation=invitation).created


def test_idempotency_key_makes_a_retry_harmless(survey, questions):
    first = submit(survey, {questions["nps"].pk: 4}, idempotency_key="shop-7-row-12", channel="api")
    again = submit(survey, {questions["nps"].pk: 4}, idempotency_key="shop-7-row-12", channel="api")
    assert again.response == first.response and not again.created
    with pytest.raises(Conflict):
        submit(delivery_survey(), {questions["nps"].pk: 4}, idempotency_key="shop-7-row-12")


def test_future_or_naive_submission_time_is_refused(survey, questions):
    with pytest.raises(DomainError):
        submit(survey, {questions["nps"].pk: 4}, submitted_at=timezone.now() + timedelta(days=1))


def test_triage_is_queued_after_commit(survey, questions, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        submit(survey, {questions["nps"].pk: 4})
    assert len(callbacks) == 1


def test_the_nps_answer_is_kept_on_the_response_and_filled_in_for_stored_ones(survey, questions):
    from importlib import import_module

    from django.apps import apps

    scored = submit(survey, {questions["nps"].pk: 4, questions["text"].pk: "Late"}).response
    question_update(question=questions["nps"], required=False)
    survey.refresh_from_db()  # the questions are read as of the survey held
    unscored = submit(survey, {questions["text"].pk: "No score"}).response
    assert (scored.nps, unscored.nps) == (4, None)
    # responses stored before the copy existed get it from the migration
    Response.objects.update(nps=None)
    import_module("surveys.migrations.0009_response_nps").fill(apps, None)
    assert dict(Response.objects.values_list("pk", "nps")) == {scored.pk: 4, unscored.pk: None}

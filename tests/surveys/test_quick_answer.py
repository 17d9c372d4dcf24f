"""One click from the e-mail: the invitation and its reminder offer the first scored question as
links; opening one records nothing (link scanners open every link) and opens the survey with that
answer chosen; Send stores it with the rest."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from surveys.models import Invitation, Question, ReceivedAnswers, Response
from surveys.quick_answer import quick_initial, quick_question
from surveys.services.invitations import event_record, invitation_remind, invitation_send
from tests.factories import QuestionFactory, SurveyFactory, TriggerRuleFactory, delivery_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """An invitation to the usual delivery survey (NPS first), sent by e-mail."""
    survey = delivery_survey()
    TriggerRuleFactory(survey=survey, delay=timedelta(0))
    with django_capture_on_commit_callbacks(execute=True):
        result = event_record(
            event_type="order.delivered",
            occurred_at=timezone.now(),
            email="ann@example.com",
            full_name="Ann Lee",
        )
    invitation = Invitation.objects.get(pk=result.invitations[0].pk)
    if invitation.status == "scheduled":
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invitation_send(invitation_id=invitation.pk)
    return invitation


def page(invitation, **params):
    return reverse("survey-answer", args=[invitation.token]), params


def test_the_invitation_offers_every_score_as_a_link(sent):
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    base = f"/s/{sent.token}/?score="
    for score in range(11):
        assert f'{base}{score}"' in html
        assert f"{score}: " in message.body and f"{base}{score}\n" in message.body
    assert "How likely are you to recommend us" in message.body
    assert "Not at all likely" in html and "Extremely likely" in html


def test_the_reminder_offers_them_too(sent, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_remind(invitation_id=sent.pk, now=timezone.now() + timedelta(days=4))
    if not mail.outbox:
        pytest.skip("the reminder policy sends none this soon")
    assert f"/s/{sent.token}/?score=9" in mail.outbox[0].body


def test_opening_a_one_click_link_records_nothing_and_chooses_the_answer(client, sent):
    path, params = page(sent, score="9")
    response = client.get(path, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="9" checked' in html
    assert "Your answer <strong>9</strong> is chosen below" in html
    sent.refresh_from_db()
    assert sent.answered_at is None
    assert not Response.objects.exists() and not ReceivedAnswers.objects.exists()


@pytest.mark.parametrize("score", ["11", "-1", "¹", "9" * 40, "", "nine"])
def test_a_number_that_is_not_an_answer_chooses_nothing(client, sent, score):
    path, params = page(sent, score=score)
    html = client.get(path, params).content.decode()
    assert " checked" not in html and "is chosen below" not in html


def test_send_stores_the_chosen_answer_with_the_rest(client, sent):
    question = sent.survey.questions.order_by("position").first()
    text = sent.survey.questions.get(kind="text")
    path, _params = page(sent)
    response = client.post(path, {f"q{question.pk}": "9", f"q{text.pk}": "Quick, thanks"})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    stored = Response.objects.get()
    assert stored.answers.get(question=question).number == 9
    assert stored.answers.get(question=text).text == "Quick, thanks"


def test_the_one_click_question_is_the_first_rating_or_single_choice():
    survey = SurveyFactory()
    optional_text = QuestionFactory(
        survey=survey, position=0, kind=Question.Kind.TEXT, required=False
    )
    choice = QuestionFactory(
        survey=survey, position=1, kind=Question.Kind.SINGLE, choices=["Yes", "No"]
    )
    questions = [optional_text, choice]
    assert quick_question(questions) == choice
    assert quick_initial(questions, {"choice": "2"}) == {f"q{choice.pk}": "No"}
    assert quick_initial(questions, {"choice": "3"}) == {}
    required_text = QuestionFactory(survey=survey, position=0, kind=Question.Kind.TEXT)
    assert quick_question([required_text, choice]) is None

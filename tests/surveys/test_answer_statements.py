"""The customer's answer form: what sending it costs, and that the questions kept in each
process never go stale when a question changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.conf import Conf

from surveys.models import ReceivedAnswers
from surveys.services.building import question_update
from tests.factories import delivered_invitation

pytestmark = pytest.mark.django_db


def test_sending_answers_takes_at_most_three_statements(client, monkeypatch):
    """As in production (tasks to the database broker): read the invitation with its customer's
    language and its survey's version, write the answers, and at most twice a second per process
    queue the store task; the survey and its questions are kept."""
    from surveys.services import received

    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(received, "_last_kick", None)
    invitation = delivered_invitation()
    questions = {q.kind: q.pk for q in invitation.survey.questions.all()}
    client.get(f"/s/{invitation.token}/")  # the form, as the customer sees it first
    csrf = client.cookies["csrftoken"].value
    form = {"csrfmiddlewaretoken": csrf, f"q{questions['nps']}": "7", f"q{questions['text']}": "ok"}
    with CaptureQueriesContext(connection) as captured:
        page = client.post(f"/s/{invitation.token}/", form)
    assert page.status_code == 200 and ReceivedAnswers.objects.count() == 1
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    # In a test the request runs inside a transaction: the insert's savepoint pair is extra.
    work = [s for s in statements if s not in ("SAVEPOINT", "RELEASE")]
    assert len(work) <= 3, statements


def test_a_changed_question_is_seen_at_once(client):
    invitation = delivered_invitation()
    question = invitation.survey.questions.get(kind="text")
    assert (
        "Anything else you want to tell us?"
        in client.get(f"/s/{invitation.token}/").content.decode()
    )
    question_update(question=question, prompt="What should we do better?")
    page = client.get(f"/s/{invitation.token}/").content.decode()
    assert "What should we do better?" in page


def test_a_survey_closed_meanwhile_is_seen_at_once(client):
    """The survey each process keeps is the version the invitation's read names: closing it
    reaches the next answer sent, not a minute later."""
    from surveys.services.building import survey_close

    invitation = delivered_invitation()
    questions = {q.kind: q.pk for q in invitation.survey.questions.all()}
    assert client.get(f"/s/{invitation.token}/").status_code == 200  # kept from here on
    survey_close(survey=invitation.survey)
    page = client.post(f"/s/{invitation.token}/", {f"q{questions['nps']}": "7"})
    assert page.status_code == 410 and not ReceivedAnswers.objects.exists()

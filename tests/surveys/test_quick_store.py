"""The one-click answer saves itself: a moment after the page opens in a browser its script
posts the chosen answer alone; the server holds it for the customer's Send (which replaces it
with everything they add) and stores it as it is once the hold passes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Invitation, ReceivedAnswers, Response
from surveys.services.building import question_add
from surveys.services.received import QUICK_HOLD, received_store, received_sweep
from tests.factories import SurveyFactory, TriggerRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation():
    """A survey with a required NPS first and a required text after it."""
    from surveys.services.invitations import event_record

    survey = SurveyFactory()
    question_add(survey=survey, kind="nps", prompt="Recommend us?")
    question_add(survey=survey, kind="text", prompt="Why that score?")
    TriggerRuleFactory(survey=survey, delay=timedelta(0))
    return event_record(
        event_type="order.delivered", occurred_at=timezone.now(), email="ann@example.com"
    ).invitations[0]


def ids(invitation):
    nps, why = invitation.survey.questions.order_by("position")
    return f"q{nps.pk}", f"q{why.pk}"


def quick(client, invitation, value):
    nps, _why = ids(invitation)
    return client.post(
        reverse("survey-answer", args=[invitation.token]), {"quick": "1", nps: value}
    )


def test_the_page_asks_its_script_to_save_the_chosen_answer(client, invitation):
    nps, _why = ids(invitation)
    url = reverse("survey-answer", args=[invitation.token])
    assert f'data-quick-store="{nps}"' in client.get(url, {"score": "3"}).content.decode()
    assert "data-quick-store" not in client.get(url).content.decode()  # nothing chosen


def test_the_saved_answer_is_held_then_stored_alone(
    client, invitation, django_capture_on_commit_callbacks
):
    saved = quick(client, invitation, "3")
    assert saved.status_code == 200 and saved.json() == {"saved": True}
    row = ReceivedAnswers.objects.get()
    assert row.partial and row.hold_until == row.received_at + QUICK_HOLD
    assert quick(client, invitation, "4").json() == {"saved": False}  # a second save: the first
    # Held: neither the store task nor the sweep takes it yet.
    assert received_store() == 0
    assert received_sweep(now=timezone.now() + timedelta(minutes=5)) == 0
    # Reloading shows it saved and chosen, and the script does not save it again.
    page = client.get(reverse("survey-answer", args=[invitation.token])).content.decode()
    assert 'value="3" checked' in page and "data-quick-store" not in page
    assert "Your answer <strong>3</strong> is saved" in page
    # Once the hold passes, the sweep stores the score alone, the required text unanswered.
    with django_capture_on_commit_callbacks(execute=True):
        assert received_sweep(now=timezone.now() + QUICK_HOLD + timedelta(minutes=2)) == 1
    response = Response.objects.get()
    assert list(response.answers.values_list("number", flat=True)) == [3]
    assert response.sentiment == "negative"  # triaged like any other: a detractor
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ANSWERED
    after = client.get(reverse("survey-answer", args=[invitation.token])).content.decode()
    assert "We already have your answers" in after


def test_send_replaces_the_held_answer_with_everything(client, invitation):
    nps, why = ids(invitation)
    quick(client, invitation, "3")
    url = reverse("survey-answer", args=[invitation.token])
    refused = client.post(url, {nps: "3"})  # the rest still follows the survey's rules
    assert refused.status_code == 400 and "Please answer this question." in refused.content.decode()
    assert ReceivedAnswers.objects.get().partial
    sent = client.post(url, {nps: "5", why: "The box was crushed."})
    assert "We are sorry" in sent.content.decode()
    response = Response.objects.get()  # stored by the store task the send queued
    numbers = {a.question.kind: (a.number, a.text) for a in response.answers.all()}
    assert numbers == {"nps": (5, ""), "text": (None, "The box was crushed.")}
    assert client.post(url, {nps: "9", why: "again"}).content.decode().count("already") >= 1
    assert Response.objects.count() == 1


def test_a_send_after_the_hold_was_stored_keeps_the_first(client, invitation):
    nps, why = ids(invitation)
    quick(client, invitation, "8")
    received_sweep(now=timezone.now() + QUICK_HOLD + timedelta(minutes=2))
    late = client.post(reverse("survey-answer", args=[invitation.token]), {nps: "2", why: "x"})
    assert "We already have your answers" in late.content.decode()
    assert Response.objects.get().nps == 8


@pytest.mark.parametrize("value", ["11", "", "nine", "3.5"])
def test_a_save_that_is_not_an_answer_is_refused_and_keeps_nothing(client, invitation, value):
    refused = quick(client, invitation, value)
    assert refused.status_code == 400 and refused.json()["detail"]
    assert not ReceivedAnswers.objects.exists()


def test_a_save_needs_the_page_token(invitation):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert quick(strict, invitation, "9").status_code == 403
    assert not ReceivedAnswers.objects.exists()


def test_a_save_on_an_expired_link_is_refused(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert quick(client, invitation, "9").status_code == 410
    assert not ReceivedAnswers.objects.exists()


def test_the_store_task_takes_a_held_answer_once_its_hold_passed(client, invitation):
    quick(client, invitation, "9")
    ReceivedAnswers.objects.update(hold_until=timezone.now() - timedelta(seconds=1))
    assert received_store() == 1  # the batch path, with the required text unanswered
    assert list(Response.objects.get().answers.values_list("number", flat=True)) == [9]
    assert not ReceivedAnswers.objects.exists()


def test_the_follow_up_offers_its_handling_csat_in_one_click_too(
    client, django_capture_on_commit_callbacks
):
    """'Did we make it right?' and 'How satisfied are you with how we handled it?' are each one
    click from the follow-up e-mail; either click saves itself."""
    from django.core import mail

    from feedback_app.customers.services.resolve import customer_resolve
    from surveys.services.invitations import invitation_create

    survey = SurveyFactory(purpose="recovery_follow_up")
    made_it_right = question_add(
        survey=survey, kind="single", prompt="Did we make it right?", choices=["Yes", "No"]
    )
    handled = question_add(
        survey=survey,
        kind="csat",
        prompt="How satisfied are you with how we handled it?",
        required=False,
    )
    customer = customer_resolve(email="ann@example.com").customer
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(survey=survey, customer=customer, message_kind="reply")
    body = mail.outbox[0].body
    base = f"/s/{invitation.token}/"
    assert "Yes: http" in body and f"{base}?choice=1" in body
    assert "How satisfied are you with how we handled it?" in body
    assert all(f"{base}?score={n}" in body for n in range(1, 6))
    page = client.get(reverse("survey-answer", args=[invitation.token]), {"score": "2"})
    html = page.content.decode()
    assert f'data-quick-store="q{handled.pk}"' in html and 'value="2" checked' in html
    saved = client.post(
        reverse("survey-answer", args=[invitation.token]), {"quick": "1", f"q{handled.pk}": "2"}
    )
    assert saved.json() == {"saved": True}
    invitation.refresh_from_db()
    assert invitation.reached == 2  # the CSAT is the second question
    received_sweep(now=timezone.now() + QUICK_HOLD + timedelta(minutes=2))
    answers = Response.objects.get().answers.all()
    assert [(a.question_id, a.number) for a in answers] == [(handled.pk, 2)]
    assert made_it_right.required  # left unanswered: the one click stood alone

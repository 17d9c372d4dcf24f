"""The customer's answer pages: nothing is recorded on GET, a token answers once, bad links are
friendly, the anonymous link is rate-limited."""

import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.services.resolve import customer_resolve
from surveys.models import Invitation, Response
from surveys.services.invitations import event_record, invitation_create
from tests.factories import TriggerRuleFactory, delivery_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation():
    survey = delivery_survey(intro="We delivered your order and would like to know how it went.")
    TriggerRuleFactory(survey=survey, delay=timedelta(0))
    result = event_record(
        event_type="order.delivered",
        occurred_at=timezone.now(),
        email="ann@example.com",
        full_name="Ann Lee",
        data={"order": "A-1001"},
    )
    return result.invitations[0]


def url(invitation):
    return reverse("survey-answer", args=[invitation.token])


def answers(invitation, nps="8", **extra):
    questions = list(invitation.survey.questions.all())
    return {f"q{questions[0].pk}": nps, **extra}


def test_opening_the_link_records_nothing(client, invitation):
    before = (Response.objects.count(), invitation.customer.timeline.count())
    response = client.get(url(invitation))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "Ann, how did we do?" in html and "A-1001" in html and "Harbour &amp; Co is asking" in html
    )
    invitation.refresh_from_db()
    assert invitation.status == "scheduled" and invitation.answered_at is None
    assert (Response.objects.count(), invitation.customer.timeline.count()) == before


def test_submit_then_second_submit_shows_thanks_and_changes_nothing(client, invitation):
    first = client.post(url(invitation), answers(invitation, nps="8"))
    assert first.status_code == 200 and "Thank you" in first.content.decode()
    second = client.post(url(invitation), answers(invitation, nps="10"))
    assert second.status_code == 200 and "We already have your answers" in second.content.decode()
    assert Response.objects.count() == 1
    assert Response.objects.get().answers.get(question__kind="nps").number == 8
    # and opening the link again afterwards says so too
    assert "We already have your answers" in client.get(url(invitation)).content.decode()


@pytest.mark.parametrize("score,sorry", [("3", True), ("6", True), ("7", False), ("10", False)])
def test_a_detractor_is_told_we_are_sorry_and_someone_will_be_in_touch(
    client, invitation, score, sorry
):
    page = client.post(url(invitation), answers(invitation, nps=score)).content.decode()
    assert ('data-testid="sorry"' in page) is sorry
    assert ("someone" in page.lower() or "be in touch" in page) is sorry


def test_an_unanswered_optional_score_is_not_unhappy(client):
    survey = delivery_survey(purpose="recovery_follow_up", name="Made right?")
    survey.questions.all().delete()
    from surveys.services.building import question_add
    from surveys.services.invitations import invitation_create

    choice = question_add(survey=survey, kind="single", prompt="Did we?", choices=["Yes", "No"])
    question_add(survey=survey, kind="csat", prompt="How satisfied?", required=False)
    from feedback_app.customers.services.resolve import customer_resolve

    ann = customer_resolve(email="ann@example.com").customer
    for answer, sorry in (("Yes", False), ("No", True)):
        invitation = invitation_create(survey=survey, customer=ann, dedupe_key=answer)
        page = client.post(url(invitation), {f"q{choice.pk}": answer}).content.decode()
        assert ('data-testid="sorry"' in page) is sorry


def test_missing_and_out_of_range_answers_are_form_errors(client, invitation):
    response = client.post(url(invitation), {})
    assert (
        response.status_code == 400 and "Please answer this question." in response.content.decode()
    )
    response = client.post(url(invitation), answers(invitation, nps="42"))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Response.objects.exists()


def test_unknown_token_is_a_friendly_page(client):
    response = client.get(reverse("survey-answer", args=["made-up"]))
    assert response.status_code == 404 and "could not find this link" in response.content.decode()


def test_expired_token_is_a_friendly_page(client, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert "has expired" in client.get(url(invitation)).content.decode()
    response = client.post(url(invitation), answers(invitation))
    assert response.status_code == 410 and not Response.objects.exists()


def test_closed_survey_is_a_friendly_page(client, invitation):
    invitation.survey.status = "closed"
    invitation.survey.save()
    response = client.post(url(invitation), answers(invitation))
    assert response.status_code == 410 and "This survey has closed" in response.content.decode()


def test_answer_text_is_escaped_on_staff_pages(client, agent_client, invitation):
    text_q = invitation.survey.questions.get(kind="text")
    client.post(
        url(invitation), answers(invitation, **{f"q{text_q.pk}": "<script>alert('x')</script>"})
    )
    response = Response.objects.get()
    html = agent_client.get(response.get_absolute_url()).content.decode()
    assert "<script>alert(" not in html and "&lt;script&gt;" in html


class TestPublicLink:
    @pytest.fixture
    def survey(self):
        cache.clear()
        return delivery_survey(public_link_enabled=True)

    def post(self, client, survey, submission=None, **extra):
        nps = survey.questions.get(kind="nps")
        data = {f"q{nps.pk}": "9", "submission": str(submission or uuid.uuid4()), **extra}
        return client.post(reverse("survey-public", args=[survey.public_token]), data)

    def test_anonymous_answer_and_double_tap_store_one_response(self, client, survey):
        submission = uuid.uuid4()
        assert self.post(client, survey, submission).status_code == 200
        assert self.post(client, survey, submission).status_code == 200
        response = Response.objects.get()
        assert response.customer is None and response.channel == "kiosk"

    def test_optional_email_links_the_answer_to_the_customer(self, client, survey):
        ann = customer_resolve(email="ann@example.com").customer
        self.post(client, survey, email="ANN@example.com")
        assert Response.objects.get().customer == ann

    def test_link_off_is_unknown(self, client):
        survey = delivery_survey(public_link_enabled=False)
        assert client.get(reverse("survey-public", args=[survey.public_token])).status_code == 404

    def test_rate_limited_per_address(self, client, survey, settings):
        settings.PUBLIC_FORM_RATE = "3/m"
        codes = [self.post(client, survey).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        assert Response.objects.count() == 3


def test_direct_invitation_without_event_renders(client):
    survey = delivery_survey()
    ann = customer_resolve(email="ann@example.com", full_name="Ann Lee").customer
    invitation = invitation_create(survey=survey, customer=ann)
    assert client.get(url(invitation)).status_code == 200

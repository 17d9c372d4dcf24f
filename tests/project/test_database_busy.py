"""The database locked for a moment on a submit: "please try again", nothing half-written."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from surveys.models import Invitation, Response
from surveys.services.invitations import invitation_create
from tests.factories import delivery_survey, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation():
    from feedback_app.customers.services.resolve import customer_resolve

    ann = customer_resolve(email="ann@example.com").customer
    return invitation_create(survey=delivery_survey(), customer=ann)


def locked(*args, **kwargs):
    raise OperationalError("database is locked")


def test_customer_gets_please_try_again_and_nothing_is_stored(client, invitation, monkeypatch):
    from surveys.models import ReceivedAnswers
    from surveys.services import intake

    monkeypatch.setattr(intake, "insert_rows", locked)  # the one write of the form post
    nps = invitation.survey.questions.get(kind="nps")
    response = client.post(reverse("survey-answer", args=[invitation.token]), {f"q{nps.pk}": "7"})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "Please try again in a moment" in response.content.decode()
    assert not Response.objects.exists() and not ReceivedAnswers.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status != Invitation.Status.ANSWERED
    monkeypatch.undo()
    retried = client.post(reverse("survey-answer", args=[invitation.token]), {f"q{nps.pk}": "7"})
    assert retried.status_code == 200 and Response.objects.count() == 1


def test_api_gets_a_503_with_retry_after(api_client, monkeypatch):
    from surveys.models import Complaint

    api_client.force_authenticate(staff_user("integration"))
    monkeypatch.setattr(Complaint, "save", locked)
    response = api_client.post(
        "/api/v1/complaints/",
        {"customer": {"email": "ann@example.com"}, "text": "Late"},
        format="json",
    )
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "Nothing was stored" in response.json()["detail"]

"""HTML and script written into any text field is stored as written and always shown escaped."""

import pytest
from django.urls import reverse

from feedback_app.customers.services.resolve import customer_resolve
from feedback_app.customers.services.timeline import timeline_record
from recovery.models import Team
from recovery.services.improvements import improvement_link, improvement_save
from recovery.services.tickets import ticket_create
from recovery.services.workflow import ticket_apologise
from surveys.models import Complaint
from surveys.services.building import question_add, survey_create, survey_publish
from surveys.services.complaints import complaint_submit
from surveys.services.responses import response_submit

pytestmark = pytest.mark.django_db
EVIL = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.fixture
def hostile(manager, django_capture_on_commit_callbacks):
    customer = customer_resolve(email="evil@example.com", full_name=EVIL).customer
    timeline_record(customer=customer, kind="note", title=EVIL, body=EVIL)
    survey = survey_create(name=EVIL, purpose="other", intro=EVIL)
    question_add(survey=survey, kind="text", prompt=EVIL, help_text=EVIL)
    question_add(
        survey=survey, kind="single", prompt="Pick", choices=[EVIL, "Fine"], required=False
    )
    survey_publish(survey=survey)
    questions = {q.kind: q.pk for q in survey.questions.all()}
    with django_capture_on_commit_callbacks(execute=True):
        response = response_submit(
            survey=survey,
            customer=customer,
            channel="web",
            answers={questions["text"]: EVIL, questions["single"]: EVIL},
        ).response
        complaint_submit(
            text=EVIL,
            subject=EVIL,
            reference="R-1",
            channel="web",
            email="evil@example.com",
            full_name=EVIL,
        )
    team = Team.objects.create(name=EVIL)
    ticket = ticket_create(
        customer=customer, subject=EVIL, reference="R-2", actor=manager, team=team, note=EVIL
    )
    ticket_apologise(ticket=ticket, actor=manager, subject=EVIL, body=EVIL)
    improvement = improvement_save(actor=manager, title=EVIL, customer_text=EVIL, description=EVIL)
    improvement_link(improvement=improvement, actor=manager, tickets=[ticket.pk])
    return {
        "customer": customer,
        "survey": survey,
        "response": response,
        "complaint": Complaint.objects.get(reference="R-1"),
        "ticket": ticket,
        "improvement": improvement,
    }


def test_every_staff_page_shows_it_escaped(manager_client, hostile):
    assert hostile["complaint"].text == EVIL  # stored as written
    pages = [
        reverse("staff:home"),
        reverse("customers:list"),
        hostile["customer"].get_absolute_url(),
        reverse("surveys:list"),
        hostile["survey"].get_absolute_url(),
        hostile["survey"].get_absolute_url() + "?tab=responses",
        reverse("surveys:preview", args=[hostile["survey"].pk]),
        hostile["response"].get_absolute_url(),
        reverse("surveys:feedback"),
        hostile["complaint"].get_absolute_url(),
        reverse("recovery:queue"),
        hostile["ticket"].get_absolute_url(),
        reverse("recovery:improvements"),
        reverse("recovery:improvement", args=[hostile["improvement"].pk]),
        reverse("recovery:loop-report"),
        *[
            reverse("recovery:dashboard", args=[name])
            for name in ("experience", "recovery", "valuable")
        ],
    ]
    for url in pages:
        html = manager_client.get(url).content.decode()
        assert "<script>alert(" not in html, url
        assert "<img src=x" not in html, url


def test_customer_pages_show_it_escaped(client, hostile):
    customer = hostile["customer"]
    for url in (
        reverse("preferences", args=[customer.token]),
        reverse("unsubscribe", args=[customer.token]),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert(" not in html and "<img src=x" not in html

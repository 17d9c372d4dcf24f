"""The messages of the recovery steps: chosen by the feedback's main topic, in the customer's own
words (never our ticket subject), switchable, filled from the step's fields with a live preview."""

import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse

from recovery import canned
from recovery.models import CannedMessage, State, Ticket
from recovery.services.workflow import ticket_apologise, ticket_skip
from surveys.services.complaints import complaint_submit
from surveys.triage.engine import Vocabulary
from tests.factories import open_ticket, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seeded():
    """Topics and canned messages as a fresh install has them (a flush by another test may have
    removed what the migrations seeded)."""
    for module in (
        "surveys.migrations.0005_seed_topics",
        "recovery.migrations.0003_seed_workflow_settings",
        "recovery.migrations.0012_canned_messages_in_their_words",
    ):
        importlib.import_module(module).seed(apps, None)


def draft_url(ticket, step):
    return reverse("recovery:ticket-draft", args=[ticket.pk, step])


def test_triage_weighs_topics_by_how_much_they_are_named_then_by_which_comes_first():
    vocabulary = Vocabulary({"billing": ["refund", "charged"], "delivery": ["box", "parcel"]})
    assert vocabulary.topics("refund for the box please, the box and parcel were crushed") == (
        "delivery",
        "billing",
    )
    assert vocabulary.topics("the parcel was late and I want a refund") == ("delivery", "billing")
    assert vocabulary.topics("charged twice, refund it; the parcel came") == ("billing", "delivery")


def test_the_damaged_parcel_gets_the_delivery_apology_in_the_customers_words(
    agent_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint_submit(
            text="Box was crushed and the mug inside broken. I want my money back, a refund.",
            subject="Order A-20576",
            channel="web",
            email="ann@example.com",
            full_name="Ann Lee",
            reference="A-20576",
        )
    ticket = Ticket.objects.get()
    assert ticket.main_topic.name == "delivery"
    assert {t.name for t in ticket.topics.all()} >= {"delivery", "billing"}
    form = agent_client.get(ticket.get_absolute_url()).context["step_forms"]["apologise"]
    body = form.initial["body"]
    assert form.initial["subject"] == "Sorry about your delivery"
    assert "I am sorry your delivery for order A-20576 went wrong." in body
    assert "You told us: \u201cBox was crushed and the mug inside broken." in body
    assert ticket.subject not in body and "payment" not in body


def test_a_score_without_words_is_not_quoted_and_the_subject_never_appears():
    ticket = open_ticket(
        subject="Unhappy answer to \u201cAfter delivery\u201d", topics=["delivery"]
    )
    _subject, body = canned.draft(ticket, "apology")
    assert "You told us" not in body and "Unhappy answer" not in body
    assert body.startswith("Dear Ann,\n\nI am sorry your delivery for order A-1001 went wrong.")


def test_the_main_topic_chooses_not_the_alphabet():
    ticket = open_ticket(topics=["delivery", "billing"])
    assert ticket.main_topic.name == "delivery"
    assert canned.canned_for(ticket, "apology").name == "Apology: delivery"
    billing = open_ticket(email="bo@example.com", topics=["billing", "delivery"])
    assert canned.canned_for(billing, "apology").name == "Apology: billing"


def test_the_agent_switches_to_another_template_on_the_page(agent_client):
    ticket = open_ticket(topics=["delivery"])
    page = agent_client.get(ticket.get_absolute_url())
    form = page.context["step_forms"]["apologise"]
    names = dict(form.fields["template"].choices)
    billing = CannedMessage.objects.get(name="Apology: billing")
    assert billing.pk in names and "Apology: delivery (delivery)" in names.values()
    switched = agent_client.post(
        draft_url(ticket, "apologise") + "?switch=1",
        {"expected_state": "new", "template": billing.pk, "subject": "x", "body": "y"},
        HTTP_HX_REQUEST="true",
    )
    html = switched.content.decode()
    assert switched.status_code == 200
    assert "Sorry about your payment" in html and "Nobody should have to chase us" in html
    assert ticket.state == State.NEW and not mail.outbox  # nothing stored, nothing sent


def test_the_reassurance_is_filled_from_its_fields_as_the_agent_types(
    agent_client, agent, manager, django_capture_on_commit_callbacks
):
    ticket = open_ticket(topics=["delivery"])
    ticket_apologise(ticket=ticket, actor=agent, subject="Sorry", body="Sorry.")
    form = agent_client.get(ticket.get_absolute_url()).context["step_forms"]["reassure"]
    body = form.initial["body"]
    assert "{{ cause }}" in body and "{{ corrective_action }}" in body
    assert "[what" not in body
    typed = {
        "expected_state": "apologised",
        "cause": "the depot scanned your parcel to the wrong van.",
        "corrective_action": "every parcel is now checked against the van list.",
        "new_improvement_title": "Van list check",
        "subject": form.initial["subject"],
        "body": body,
    }
    preview = agent_client.post(draft_url(ticket, "reassure"), typed, HTTP_HX_REQUEST="true")
    html = preview.content.decode()
    assert "We have found what went wrong: the depot scanned your parcel to the wrong van." in html
    assert "every parcel is now checked against the van list." in html
    with django_capture_on_commit_callbacks(execute=True):
        sent = agent_client.post(step_url(ticket, "reassure"), typed)
    assert sent.status_code == 302
    (message,) = [m for m in mail.outbox if m.subject == typed["subject"]]
    assert "the depot scanned your parcel to the wrong van." in message.body
    assert "{{" not in message.body
    event = ticket.events.get(kind="reassured")
    assert event.payload["body"] == message.body


def test_restitution_defaults_to_the_shop_currency_and_shows_the_agents_limit(
    agent_client, agent, manager, settings, django_capture_on_commit_callbacks
):
    settings.SHOP_CURRENCY = "EUR"
    ticket = open_ticket()
    ticket_skip(ticket=ticket, actor=manager, step="apologise", reason="phone")
    ticket_skip(ticket=ticket, actor=manager, step="reassure", reason="phone")
    page = agent_client.get(ticket.get_absolute_url())
    form = page.context["step_forms"]["offer-restitution"]
    assert form.fields["currency"].initial == "EUR"
    assert "up to €60.00, £50.00, US$65.00 more on this ticket" in form.fields["amount"].help_text
    data = {
        "expected_state": "reassured",
        "kind": "voucher",
        "amount": "20.00",
        "currency": "EUR",
        "note": "It works online and in our shops.",
        "subject": form.initial["subject"],
        "body": form.initial["body"],
    }
    preview = agent_client.post(draft_url(ticket, "offer-restitution"), data).content.decode()
    assert "we are giving you a voucher for €20.00. It works online and in our shops." in preview
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(step_url(ticket, "offer-restitution"), data)
    assert "a voucher for €20.00. It works online" in mail.outbox[-1].body
    page = agent_client.get(ticket.get_absolute_url())
    ticket.refresh_from_db()
    assert ticket.state == State.RESTITUTION_OFFERED


def test_the_preview_is_staff_only_and_stores_nothing(client, agent):
    ticket = open_ticket()
    assert client.post(draft_url(ticket, "apologise"), {}).status_code in (302, 403)
    client.force_login(agent)
    assert client.post(draft_url(ticket, "resolve"), {}).status_code == 404
    answer = client.post(draft_url(ticket, "apologise"), {"template": "not a number"})
    assert answer.status_code == 200 and Ticket.objects.get().state == State.NEW

"""Stored feedback is triaged on commit, failures open one recovery ticket per incident."""

import pytest
from django.core.management import call_command

from feedback_app.customers.models import ContactHold
from recovery.models import Ticket, TicketEvent
from surveys.models import Complaint, Response
from surveys.services.complaints import complaint_submit
from surveys.services.responses import response_submit
from surveys.services.triage import complaint_triage, response_triage
from tests.factories import delivery_survey

pytestmark = pytest.mark.django_db


def complain(capture, text="My parcel never arrived and nobody answers the phone", **kwargs):
    kwargs.setdefault("email", "ann@example.com")
    with capture(execute=True):
        return complaint_submit(text=text, channel="web", **kwargs).complaint


def answer(capture, survey, nps, text="", email="ann@example.com"):
    from feedback_app.customers.services.resolve import customer_resolve

    questions = {q.kind: q.pk for q in survey.questions.all()}
    answers = {questions["nps"]: nps}
    if text:
        answers[questions["text"]] = text
    customer = customer_resolve(email=email).customer if email else None
    with capture(execute=True):
        return response_submit(
            survey=survey, answers=answers, channel="web", customer=customer
        ).response


def test_complaint_is_triaged_and_opens_a_ticket(django_capture_on_commit_callbacks):
    complaint = complain(django_capture_on_commit_callbacks, reference="A-1001")
    complaint.refresh_from_db()
    assert complaint.sentiment == "negative" and complaint.severity >= 2 and complaint.triaged_at
    assert list(complaint.topics.values_list("name", flat=True)) == ["delivery", "staff"]
    ticket = Ticket.objects.get()
    assert ticket.customer == complaint.customer and ticket.reference == "A-1001"
    assert ticket.priority == complaint.severity
    assert ticket.items.get().complaint == complaint
    assert set(ticket.topics.values_list("name", flat=True)) == {"delivery", "staff"}
    # opened, and the customer told at once that we have it (reference, case link)
    assert list(ticket.events.values_list("kind", flat=True)) == ["opened", "acknowledged"]
    # surveys pause while recovery is under way
    assert (
        ContactHold.objects.get(customer=complaint.customer, released_at=None).reference
        == f"recovery.ticket:{ticket.pk}"
    )
    assert complaint.customer.timeline.filter(kind="ticket.opened").exists()


def test_detractor_score_opens_a_ticket_whatever_the_words(django_capture_on_commit_callbacks):
    response = answer(
        django_capture_on_commit_callbacks, delivery_survey(), nps=3, text="Thanks, lovely staff"
    )
    response.refresh_from_db()
    assert response.sentiment == "negative"
    assert Ticket.objects.get().items.get().response == response


def test_happy_answer_opens_nothing(django_capture_on_commit_callbacks):
    response = answer(
        django_capture_on_commit_callbacks,
        delivery_survey(),
        nps=10,
        text="Arrived early, thank you",
    )
    response.refresh_from_db()
    assert response.sentiment == "positive" and not Ticket.objects.exists()


def test_anonymous_failure_is_triaged_but_opens_no_ticket(django_capture_on_commit_callbacks):
    response = answer(django_capture_on_commit_callbacks, delivery_survey(), nps=0, email="")
    response.refresh_from_db()
    assert response.sentiment == "negative" and not Ticket.objects.exists()


def test_second_message_about_the_same_case_attaches(django_capture_on_commit_callbacks):
    first = complain(django_capture_on_commit_callbacks, reference="A-1001")
    second = complain(
        django_capture_on_commit_callbacks,
        text="Still nothing, I want a refund!",
        reference="A-1001",
    )
    ticket = Ticket.objects.get()
    assert {i.complaint for i in ticket.items.all()} == {first, second}
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[:3] == ["opened", "acknowledged", "item_attached"]
    assert kinds.count("acknowledged") == 2  # each complaint is acknowledged once
    ticket.refresh_from_db()
    assert ticket.priority == 3  # raised by the more severe second message
    assert "priority_raised" in kinds


def test_a_message_about_another_order_is_another_incident(django_capture_on_commit_callbacks):
    complain(django_capture_on_commit_callbacks, reference="A-1001")
    complain(
        django_capture_on_commit_callbacks, text="Order A-2002 arrived broken", reference="A-2002"
    )
    assert Ticket.objects.count() == 2


def test_survey_answer_after_a_complaint_joins_the_open_ticket(django_capture_on_commit_callbacks):
    complain(django_capture_on_commit_callbacks)
    answer(django_capture_on_commit_callbacks, delivery_survey(), nps=2)
    assert Ticket.objects.count() == 1 and Ticket.objects.get().items.count() == 2


def test_retriage_is_idempotent(django_capture_on_commit_callbacks):
    complaint = complain(django_capture_on_commit_callbacks)
    before = (Ticket.objects.count(), TicketEvent.objects.count(), ContactHold.objects.count())
    for _ in range(3):
        complaint_triage(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    assert complaint.sentiment == "negative"
    assert (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        ContactHold.objects.count(),
    ) == before


def test_retriage_command_covers_a_date_range(django_capture_on_commit_callbacks, capsys):
    complaint = complain(django_capture_on_commit_callbacks)
    response = answer(django_capture_on_commit_callbacks, delivery_survey(), nps=9)
    Complaint.objects.filter(pk=complaint.pk).update(sentiment="", severity=None)
    Response.objects.filter(pk=response.pk).update(sentiment="")
    day = complaint.received_at.date().isoformat()
    call_command("retriage", since=day, until=day)
    assert "Triaged 2 items: 0 verdicts changed" in capsys.readouterr().out
    complaint.refresh_from_db()
    response.refresh_from_db()
    assert complaint.sentiment == "negative" and response.sentiment == "positive"
    assert Ticket.objects.count() == 1


def test_retriage_says_how_many_verdicts_changed(django_capture_on_commit_callbacks, capsys):
    complaint = complain(django_capture_on_commit_callbacks)  # negative, on a ticket
    happy = answer(django_capture_on_commit_callbacks, delivery_survey(), nps=9, text="Lovely")
    unhappy = answer(django_capture_on_commit_callbacks, delivery_survey(), nps=2, text="Late")
    # as an older engine left them: the happy one read as negative, the unhappy one as positive
    Response.objects.filter(pk=happy.pk).update(sentiment="negative")
    Response.objects.filter(pk=unhappy.pk).update(sentiment="positive")
    day = complaint.received_at.date().isoformat()
    call_command("retriage", since=day, until=day)
    out = capsys.readouterr().out
    assert "Triaged 3 items: 2 verdicts changed (1 now need recovery, 1 no longer do;" in out
    assert "0 triaged for the first time." in out


def test_missing_items_are_ignored():
    assert response_triage(response_id=999999) is None
    assert complaint_triage(complaint_id=999999) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x" * 1_000_000,
        "Das Paket ist nicht angekommen",
        "😡😡",
        "<script>alert('x')</script> late again",
    ],
)
def test_hostile_complaints_still_get_a_stored_result(django_capture_on_commit_callbacks, text):
    subject = "No subject" if not text else ""
    complaint = complain(django_capture_on_commit_callbacks, text=text, subject=subject)
    complaint.refresh_from_db()
    assert (
        complaint.sentiment in {"negative", "neutral"} and complaint.severity and complaint.reasons
    )


def test_topic_vocabulary_is_managed_in_the_database(django_capture_on_commit_callbacks):
    from surveys.models import Topic

    Topic.objects.create(name="loyalty", keywords="points\nloyalty card")
    complaint = complain(django_capture_on_commit_callbacks, text="My loyalty card points vanished")
    assert "loyalty" in complaint.topics.values_list("name", flat=True)

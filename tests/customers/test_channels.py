"""The customer's preferred channel decides where a message goes; when it cannot reach them
(no address there, an address that no longer works, contact refused there) the message takes
the other written channel, and the timeline says so. Consent to surveys is never bypassed."""

import pytest
from django.core import mail
from django.utils import timezone

from feedback_app.customers.models import Message
from feedback_app.customers.services.profile import customer_update, preference_set
from feedback_app.customers.services.resolve import customer_resolve
from feedback_app.customers.sms import MemoryGateway
from recovery.services.workflow import ticket_apologise
from tests.factories import TriggerRuleFactory, delivery_survey

pytestmark = pytest.mark.django_db
SORRY = {"subject": "About your order", "body": "We are sorry the parcel was late."}


def customer(prefers="email", email="ann@example.com", phone="+447700900123"):
    found = customer_resolve(email=email, phone=phone, full_name="Ann Lee").customer
    return customer_update(customer=found, preferred_channel=prefers)


def apologise(who, capture, manager):
    from recovery.services.tickets import ticket_create

    ticket = ticket_create(customer=who, subject="Late parcel", reference="A-1001")
    with capture(execute=True):
        ticket_apologise(ticket=ticket, actor=manager, **SORRY)
    return ticket, Message.objects.get(purpose="ticket.apology")


def test_an_apology_goes_by_text_to_a_customer_who_prefers_texts(
    manager, django_capture_on_commit_callbacks
):
    ann = customer(prefers="sms")
    ticket, message = apologise(ann, django_capture_on_commit_callbacks, manager)
    assert (message.channel, message.channel_reason, message.status) == (
        "sms",
        "their preferred channel",
        "sent",
    )
    assert message.body_text.startswith("We are sorry the parcel was late. Case ")
    assert message.body_text.endswith(f"/case/{ticket.case_token}/")
    assert MemoryGateway.outbox[0]["to"] == "+447700900123" and mail.outbox == []
    entry = ann.timeline.get(kind="message.queued", data__message=message.pk)
    assert entry.title == "Text message: About your order" and entry.channel == "sms"


def test_without_a_number_it_goes_by_e_mail_and_the_timeline_says_why(
    manager, django_capture_on_commit_callbacks
):
    ann = customer(prefers="sms", phone="")
    _ticket, message = apologise(ann, django_capture_on_commit_callbacks, manager)
    assert message.channel == "email" and len(mail.outbox) == 1
    assert message.channel_reason == "not by text message: no text message address on file"
    entry = ann.timeline.get(kind="message.queued", data__message=message.pk)
    assert entry.title == (
        "E-mail (not by text message: no text message address on file): About your order"
    )


def test_after_an_e_mail_bounced_the_next_message_goes_by_text(
    manager, django_capture_on_commit_callbacks
):
    from feedback_app.customers.services.reachability import identity_undeliverable

    ann = customer(prefers="email")
    identity_undeliverable(
        customer=ann, kind="email", address="ann@example.com", reason="550 mailbox unknown"
    )
    _ticket, message = apologise(ann, django_capture_on_commit_callbacks, manager)
    assert message.channel == "sms" and message.status == "sent"
    assert message.channel_reason == (
        "not by e-mail: e-mail address no longer reaches them: 550 mailbox unknown"
    )


def test_refusing_texts_sends_replies_by_e_mail(manager, django_capture_on_commit_callbacks):
    ann = customer(prefers="sms")
    preference_set(customer=ann, channel="sms", allow_contact=False)
    _ticket, message = apologise(ann, django_capture_on_commit_callbacks, manager)
    assert message.channel == "email"
    assert message.channel_reason == "not by text message: customer refuses contact by text message"


def test_a_survey_invitation_goes_by_text_with_its_link(django_capture_on_commit_callbacks):
    from surveys.services.invitations import event_record

    survey = delivery_survey()
    TriggerRuleFactory(survey=survey, delay=timezone.timedelta(0))
    ann = customer(prefers="sms")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = event_record(
            event_type="order.delivered",
            occurred_at=timezone.now(),
            email="ann@example.com",
            data={"order": "A-1001"},
        ).invitations[0]
    invitation.refresh_from_db()
    assert invitation.channel == "sms" and invitation.status == "sent"
    body = MemoryGateway.outbox[0]["body"]
    assert body.startswith("Harbour & Co: hello Ann, how did we do with order A-1001?")
    assert f"http://127.0.0.1:8000/t/{invitation.short_code}/ Reply STOP to opt out" in body
    assert ann.pk == invitation.customer_id


def test_an_opt_out_of_surveys_by_e_mail_is_not_a_reason_to_text(
    django_capture_on_commit_callbacks,
):
    from surveys.services.invitations import event_record

    survey = delivery_survey()
    TriggerRuleFactory(survey=survey, delay=timezone.timedelta(0))
    ann = customer(prefers="email")
    preference_set(customer=ann, channel="email", allow_solicitations=False)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = event_record(
            event_type="order.delivered", occurred_at=timezone.now(), email="ann@example.com"
        ).invitations[0]
    invitation.refresh_from_db()
    assert invitation.status == "suppressed" and invitation.channel == "email"
    assert "opted out" in invitation.reason and MemoryGateway.outbox == []


def test_a_complaint_is_acknowledged_by_text(django_capture_on_commit_callbacks):
    from surveys.services.complaints import complaint_submit

    customer(prefers="sms")
    with django_capture_on_commit_callbacks(execute=True):
        complaint_submit(
            text="My parcel never arrived and nobody answers the phone.",
            channel="web",
            email="ann@example.com",
            reference="A-1001",
        )
    body = MemoryGateway.outbox[0]["body"]
    assert body.startswith("Harbour & Co: we have your complaint about order A-1001")
    assert "To add anything, reply to this text. Case C-" in body and "/case/" in body


def test_the_short_link_leads_to_the_invitation_and_guesses_are_limited(client, settings):
    from tests.factories import delivered_invitation

    settings.PUBLIC_FORM_RATE = "2/m"
    invitation = delivered_invitation()
    answer = client.get(f"/t/{invitation.short_code.lower()}/")
    assert answer.status_code == 302 and answer.url == invitation.get_absolute_url()
    assert client.get("/t/0000000000/").status_code == 404
    assert client.get("/t/0000000001/").status_code == 429  # the third look from this address

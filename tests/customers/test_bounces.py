"""E-mail bounces read by the mail intake: a permanent failure fails our message, marks the
address undeliverable (the next message goes by text), and is never taken for a complaint."""

import pytest

from feedback_app.customers.models import Message
from feedback_app.customers.services.resolve import customer_resolve
from recovery.services.workflow import ticket_reassure
from surveys.models import Complaint
from surveys.services.mail_intake import raw_to_intake
from tests.customers.test_channels import apologise, customer

pytestmark = pytest.mark.django_db


def report(message_pk: int, action="failed", status="5.1.1") -> bytes:
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: care@localhost
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system at host mx.example.net. Your message could not be delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; Ann@Example.com
Original-Recipient: rfc822;ann@example.com
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <ann@example.com>:
 Recipient address rejected: User unknown

--B
Content-Type: text/rfc822-headers

From: Customer care <care@localhost>
To: ann@example.com
Subject: About your order
X-Feedback-Message: {message_pk}

--B--
""".encode()


def test_a_bounce_fails_the_message_and_the_next_one_goes_by_text(
    manager, django_capture_on_commit_callbacks
):
    ann = customer(prefers="email")
    ticket, apology = apologise(ann, django_capture_on_commit_callbacks, manager)
    assert apology.channel == "email" and apology.status == "sent"

    intake = raw_to_intake(report(apology.pk))
    assert intake.report and intake.undeliverable == 1
    assert not Complaint.objects.exists()
    apology.refresh_from_db()
    assert apology.status == "failed"
    assert apology.reason == (
        "bounced (5.1.1): smtp; 550 5.1.1 <ann@example.com>: Recipient address rejected: "
        "User unknown"
    ).replace("smtp; ", "")
    email = ann.identities.get(kind="email")
    assert email.undeliverable_at and email.undeliverable_reason.startswith("bounced (5.1.1)")
    raw_to_intake(report(apology.pk))  # the same report again changes nothing more
    assert ann.timeline.filter(kind="identity.undeliverable").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        ticket_reassure(
            ticket=ticket,
            actor=manager,
            subject="What we changed",
            body="New courier checks.",
            cause="A courier mix-up.",
            corrective_action="Checks.",
            new_improvement_title="Courier checks",
        )
    reassurance = Message.objects.get(purpose="ticket.reassurance")
    assert reassurance.channel == "sms" and reassurance.status == "sent"
    assert reassurance.channel_reason.startswith("not by e-mail: e-mail address no longer reaches")


def test_a_delay_report_changes_nothing(manager, django_capture_on_commit_callbacks):
    ann = customer(prefers="email")
    _ticket, apology = apologise(ann, django_capture_on_commit_callbacks, manager)
    intake = raw_to_intake(report(apology.pk, action="delayed", status="4.4.1"))
    assert intake.report and intake.undeliverable == 0
    apology.refresh_from_db()
    assert apology.status == "sent" and not Complaint.objects.exists()
    assert ann.identities.get(kind="email").undeliverable_at is None


def test_staff_who_checked_the_address_with_the_customer_use_it_again(
    manager_client, manager, django_capture_on_commit_callbacks
):
    ann = customer(prefers="email")
    _ticket, apology = apologise(ann, django_capture_on_commit_callbacks, manager)
    raw_to_intake(report(apology.pk))
    email = ann.identities.get(kind="email")
    page = manager_client.get(ann.get_absolute_url()).content.decode()
    assert "It works again (checked with them)" in page
    answer = manager_client.post(ann.get_absolute_url(), {"identity_usable": email.pk})
    assert answer.status_code == 302
    email.refresh_from_db()
    assert email.undeliverable_at is None and email.undeliverable_reason == ""
    entry = ann.timeline.get(kind="identity.usable")
    assert entry.title.endswith("reaches them again (confirmed by staff)")
    assert entry.actor == manager
    # Someone else's identity, or one that works, changes nothing.
    other = customer_resolve(email="bob@example.com").customer.identities.get()
    manager_client.post(ann.get_absolute_url(), {"identity_usable": other.pk})
    manager_client.post(ann.get_absolute_url(), {"identity_usable": "¹"})
    assert ann.timeline.filter(kind="identity.usable").count() == 1

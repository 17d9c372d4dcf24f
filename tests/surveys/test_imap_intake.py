"""The IMAP poller against a real IMAP server (Debian's Dovecot, started by the fixture): new
complaints and answers to our messages come in, each once, and are marked read."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail

from feedback_app.customers.models import IncomingMessage, Message
from recovery.models import Ticket
from recovery.services.workflow import ticket_apologise
from surveys.models import Complaint, SetAsideMail
from surveys.tasks import poll_mailbox

pytestmark = pytest.mark.django_db


def email(sender, subject, text, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "care@shop.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid()
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes()


def unseen(imap) -> list[bytes]:
    imap.select("INBOX")
    return imap.search(None, "UNSEEN")[1][0].split()


def test_complaints_and_replies_come_in_once_and_are_marked_read(
    imap_server, agent, django_capture_on_commit_callbacks
):
    imap = imap_server()
    imap.append(
        "INBOX",
        None,
        None,
        email("Bo Ray <bo@example.com>", "Order A-31000", "My parcel never arrived."),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert poll_mailbox() == {"stored": 1, "replies": 0, "skipped": 0}
    complaint = Complaint.objects.get()
    assert complaint.channel == "email" and complaint.reference == "A-31000"
    ticket = Ticket.objects.get()
    ticket_apologise(ticket=ticket, actor=agent, subject="Sorry, Bo", body="We are sorry.")
    apology = Message.objects.get(purpose="ticket.apology")
    imap.append(
        "INBOX",
        None,
        None,
        email(
            "bo@example.com",
            "Re: Sorry, Bo",
            "Thanks. It came today, but the box was wet.\n\n> We are sorry.",
            In_Reply_To=apology.message_id,
        ),
    )
    imap.append("INBOX", None, None, b"Subject: nobody sent this\r\n\r\nhello\r\n")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert poll_mailbox() == {"stored": 0, "replies": 1, "skipped": 1}
        assert poll_mailbox() == {"stored": 0, "replies": 0, "skipped": 0}  # all read now
    assert unseen(imap_server()) == []
    incoming = IncomingMessage.objects.get()
    assert incoming.body == "Thanks. It came today, but the box was wet."
    assert ticket.events.filter(kind="customer_wrote").count() == 1
    assert Complaint.objects.count() == 1
    assert SetAsideMail.objects.get().reason == "no sender address"


def test_nothing_is_read_without_a_configured_mailbox(settings):
    settings.IMAP_HOST = ""
    assert poll_mailbox() == {"stored": 0, "replies": 0, "skipped": 0}

"""The recovery conversation both ways: the acknowledgement with its reference, agents' free
replies with files, the customer's answers by e-mail (maildir, mbox) and on the case page,
the case page itself, and the conversation through the API."""

import mailbox
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.models import Attachment, IncomingMessage, Message
from feedback_app.customers.services.profile import preference_set
from recovery.models import State, Ticket, TicketEvent
from recovery.services.workflow import ticket_apologise, ticket_close
from surveys.models import Complaint
from surveys.services.complaints import complaint_submit
from tests.factories import open_ticket, reassured, staff_user, step_url

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"0" * 200


def photo(name="parcel.jpg", content=JPEG, content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def complained(client, django_capture_on_commit_callbacks):
    """Ann files a complaint on the web form, with a photo; triage opens her ticket."""
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("complaint"),
            {
                "full_name": "Ann Lee",
                "email": "ann@example.com",
                "reference": "A-20576",
                "text": "The lamp arrived smashed. The box was crushed on one side.",
                "submission": uuid.uuid4(),
                "files": [photo()],
            },
        )
    assert page.status_code == 200
    complaint = Complaint.objects.get()
    return page, complaint, Ticket.objects.get()


class TestAcknowledgement:
    def test_the_thank_you_page_and_the_message_give_the_reference_and_the_case_link(
        self, complained
    ):
        page, complaint, ticket = complained
        assert f'data-testid="case-number">{complaint.case_number}<' in page.content.decode()
        assert ticket.case_number == complaint.case_number
        (ack,) = mail.outbox
        assert ack.subject == f"We have your message: reference {complaint.case_number}"
        assert "Your reference is " + complaint.case_number in ack.body
        assert f"/case/{ticket.case_token}/" in ack.body
        due = timezone.localtime(ticket.apology_due_at)
        assert f"answer you by {due:%A} {due.day} {due:%B, %H:%M} at the latest" in ack.body
        assert ticket.events.filter(kind="acknowledged").count() == 1
        (stored,) = Attachment.objects.all()
        assert stored.about == complaint and stored.content_type == "image/jpeg"

    def test_a_complaint_with_a_file_that_is_not_a_photo_stores_nothing(self, client):
        from feedback_app.customers.models import Customer

        refused = client.post(
            reverse("complaint"),
            {
                "full_name": "Ann Lee",
                "email": "ann@example.com",
                "text": "Broken lamp",
                "submission": uuid.uuid4(),
                "files": [photo("lamp.jpg", b"<html>not a photo</html>")],
            },
        )
        assert refused.status_code == 400 and "is not a photo" in refused.content.decode()
        assert not Complaint.objects.exists() and not Customer.objects.exists()
        assert not Attachment.objects.exists() and mail.outbox == []

    def test_it_is_a_reply_so_it_reaches_a_customer_who_opted_out_of_surveys(
        self, django_capture_on_commit_callbacks
    ):
        from feedback_app.customers.services.resolve import customer_resolve

        ann = customer_resolve(email="ann@example.com").customer
        preference_set(customer=ann, channel="email", allow_solicitations=False)
        with django_capture_on_commit_callbacks(execute=True):
            complaint_submit(text="Parcel never came", channel="api", email="ann@example.com")
        assert [m.subject.startswith("We have your message") for m in mail.outbox] == [True]

    def test_once_per_complaint_and_none_for_an_old_import(
        self, django_capture_on_commit_callbacks
    ):
        from surveys.services.triage import complaint_triage

        with django_capture_on_commit_callbacks(execute=True):
            fresh = complaint_submit(text="Parcel late", channel="api", email="a@example.com")
            complaint_submit(
                text="Parcel late",
                channel="import",
                email="b@example.com",
                received_at=timezone.now() - timedelta(days=20),
            )
        with django_capture_on_commit_callbacks(execute=True):
            complaint_triage(complaint_id=fresh.complaint.pk)  # triaged again
        assert [m.to for m in mail.outbox] == [["a@example.com"]]

    def test_a_batch_acknowledges_each_once_in_order_and_skips_an_old_one(self):
        from recovery.services.conversation import complaints_acknowledge

        submitted = [
            complaint_submit(text="Parcel late", channel="api", email=f"k{n}@example.com")
            for n in range(3)
        ]
        pairs = [
            (s.complaint, open_ticket(email=f"k{n}@example.com", reference=f"A-{n}"))
            for n, s in enumerate(submitted)
        ]
        Complaint.objects.filter(pk=pairs[1][0].pk).update(
            received_at=timezone.now() - timedelta(days=20)
        )
        pairs[1][0].refresh_from_db()
        sent = complaints_acknowledge(pairs)
        assert sent[1] is None and all(
            sent[n].customer_id == pairs[n][1].customer_id for n in (0, 2)
        )
        assert complaints_acknowledge(pairs) == sent  # again: the same messages, nothing new
        for (complaint, ticket), message in zip(pairs, sent, strict=True):
            logged = ticket.events.filter(kind="acknowledged")
            assert [e.payload["complaint"] for e in logged] == ([complaint.pk] if message else [])
            if message:
                assert complaint.case_number in message.body_text
        assert Message.objects.filter(purpose="ticket.acknowledgement").count() == 2

    def test_triage_words_the_acknowledgements_before_its_transaction(
        self, django_capture_on_commit_callbacks
    ):
        """Rendered inside triage's transaction, the three templates of every complaint held
        SQLite's one write lock that long: they are rendered before it, for the tickets built
        there, and the messages still name the tickets written."""
        from django.db import connection
        from django.test.signals import template_rendered

        from surveys.services.triage import triage_waiting_complaints

        filed = [
            complaint_submit(text="Parcel late", channel="api", email=f"w{n}@example.com")
            for n in range(3)
        ]
        depth, inside = len(connection.savepoint_ids), []

        def rendered(sender, template, **kwargs):
            if "acknowledgement" in (template.name or ""):
                inside.append(len(connection.savepoint_ids) > depth)

        template_rendered.connect(rendered)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                assert triage_waiting_complaints() == 3
        finally:
            template_rendered.disconnect(rendered)
        assert inside == [False] * 9
        for one in filed:
            ticket = Ticket.objects.get(items__complaint=one.complaint)
            message = Message.objects.get(
                purpose="ticket.acknowledgement", thread=ticket.hold_reference
            )
            assert message.dedupe_key == f"{ticket.hold_reference}:acknowledge:{one.complaint.pk}"
            assert (
                ticket.case_number in message.body_text and ticket.case_token in message.body_text
            )

    def test_a_politely_put_complaint_still_opens_a_case_and_is_answered(
        self, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            complaint_submit(
                text="Could the store open earlier on Saturdays?",
                channel="web",
                email="c@example.com",
            )
        ticket = Ticket.objects.get()
        assert ticket.priority == 2 and len(mail.outbox) == 1


class TestAgentReplies:
    def test_a_free_reply_with_a_file_at_any_point(
        self, complained, agent_client, agent, django_capture_on_commit_callbacks
    ):
        _page, _complaint, ticket = complained
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            sent = agent_client.post(
                step_url(ticket, "reply"),
                {
                    "reply-body": "Could you send the lamp's label too?",
                    "reply-files": [photo("label.pdf", PDF)],
                },
            )
        assert sent.status_code == 302
        (email,) = mail.outbox
        assert email.subject == f"About your case {ticket.case_number}"
        assert email.body.startswith("Could you send the lamp's label too?\n\n-- \n")
        assert email.attachments[0][0] == "label.pdf"
        assert email.attachments[0][2] == "application/pdf"
        event = ticket.events.get(kind="replied")
        assert event.actor == agent and event.payload["files"] == ["label.pdf"]
        ticket.refresh_from_db()
        assert ticket.state == State.NEW  # a reply is not a workflow step

    def test_a_file_that_is_not_a_photo_or_pdf_is_refused_whatever_its_name(
        self, agent_client, agent
    ):
        ticket = open_ticket()
        refused = agent_client.post(
            step_url(ticket, "reply"),
            {
                "reply-body": "See attached",
                "reply-files": [photo("invoice.pdf", b"MZ\x90\x00 not a pdf")],
            },
        )
        assert refused.status_code == 400
        assert "invoice.pdf is not a photo (JPEG, PNG, HEIC) or a PDF." in refused.content.decode()
        assert not Message.objects.exists() and not Attachment.objects.exists()

    def test_the_api_replies_and_lists_the_conversation_both_ways(
        self, complained, api_client, agent, django_capture_on_commit_callbacks
    ):
        _page, _complaint, ticket = complained
        api_client.force_authenticate(agent)
        with django_capture_on_commit_callbacks(execute=True):
            answer = api_client.post(
                f"/api/v1/tickets/{ticket.pk}/reply/",
                {"subject": "Your lamp", "body": "A new one is on its way."},
                format="json",
            )
        assert answer.status_code == 201 and answer.json()["kind"] == "replied"
        api_client.post(f"/api/v1/tickets/{ticket.pk}/notes/", {"text": "Courier claim filed."})
        bad = api_client.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"body": ""}, format="json")
        assert bad.status_code == 400
        entries = api_client.get(f"/api/v1/tickets/{ticket.pk}/messages/").json()
        assert [e["direction"] for e in entries] == ["out", "out", "note"]
        assert entries[0]["subject"].startswith("We have your message")
        assert entries[1]["subject"] == "Your lamp" and entries[1]["delivery"] == "sent"
        assert entries[2]["body"] == "Courier claim filed."


def reply_mail(to_message: Message | None, text: str, **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Ann Lee <ann@example.com>"
    message["To"] = headers.pop("to", "care@shop.example")
    message["Subject"] = "Re: " + (to_message.subject if to_message else "hello")
    message["Message-ID"] = make_msgid()
    if to_message is not None and headers.pop("threaded", True):
        message["In-Reply-To"] = to_message.message_id
        message["References"] = to_message.message_id
    message.set_content(
        f"{text}\n\nAnn\n\nOn Mon, 30 Nov 2026 at 10:00, Care <care@shop.example> wrote:\n"
        "> We are sorry.\n"
    )
    return message


def deliver(tmp_path, *messages, box="inbox"):
    folder = mailbox.Maildir(str(tmp_path / box), create=True)
    for message in messages:
        folder.add(message)
    return tmp_path / box


class TestCustomerRepliesByEmail:
    def test_a_reply_joins_its_ticket_and_the_assignee_is_told(
        self, complained, tmp_path, agent, client, capsys, django_capture_on_commit_callbacks
    ):
        _page, _complaint, ticket = complained
        agent.email = "alex@care.example"
        agent.save()
        Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
        ticket = ticket_apologise(ticket=ticket, actor=agent, subject="Sorry", body="So sorry.")
        apology = Message.objects.get(purpose="ticket.apology")
        answer = reply_mail(apology, "Thank you. The courier left it in the rain too.")
        answer.add_attachment(PNG, maintype="image", subtype="png", filename="rain.png")
        answer.add_attachment(b"BEGIN:VCARD", maintype="text", subtype="vcard", filename="a.vcf")
        path = deliver(tmp_path, answer)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("fetch_complaints", str(path))
            call_command("fetch_complaints", str(path))  # read twice: stored once
        out = capsys.readouterr().out
        assert "0 skipped. 1 replies joined their cases; 0 delivery reports read." in out
        assert Complaint.objects.count() == 1  # not a new complaint
        incoming = IncomingMessage.objects.get()
        assert incoming.body == "Thank you. The courier left it in the rain too.\n\nAnn"
        assert incoming.in_reply_to == apology and incoming.thread == ticket.hold_reference
        assert [a.name for a in incoming.attachments.all()] == ["rain.png"]  # not the vCard
        wrote = ticket.events.get(kind="customer_wrote")
        assert wrote.payload["files"] == ["rain.png"] and wrote.payload["channel"] == "email"
        ticket.refresh_from_db()
        assert ticket.customer_waiting_since == incoming.received_at
        assert [m.to for m in mail.outbox] == [["alex@care.example"]]
        assert mail.outbox[0].subject.startswith(
            f"Ticket #{ticket.pk}: the customer wrote: Thank you. The courier left it in the rain"
        )
        client.force_login(agent)
        queue = client.get(reverse("recovery:queue")).content.decode()
        assert "customer wrote" in queue

    def test_the_reply_address_finds_the_case_when_the_mail_program_drops_in_reply_to(
        self, complained, tmp_path, settings, django_capture_on_commit_callbacks
    ):
        settings.REPLY_ADDRESS = "care@shop.example"
        _page, _complaint, ticket = complained
        ack = Message.objects.get(purpose="ticket.acknowledgement")
        answer = reply_mail(
            ack, "Here is the order page.", threaded=False, to=f"care+{ack.reply_key}@shop.example"
        )
        with django_capture_on_commit_callbacks(execute=True):
            call_command("fetch_complaints", str(deliver(tmp_path, answer)))
        assert IncomingMessage.objects.get().thread == ticket.hold_reference
        assert ticket.events.filter(kind="customer_wrote").count() == 1

    def test_an_answer_to_a_survey_invitation_is_still_feedback(
        self, tmp_path, django_capture_on_commit_callbacks
    ):
        from feedback_app.customers.outbox import message_send
        from feedback_app.customers.services.resolve import customer_resolve

        ann = customer_resolve(email="ann@example.com").customer
        invitation = message_send(
            customer=ann,
            kind="solicitation",
            purpose="survey.invitation",
            subject="How was your delivery?",
            body_text="Tell us.",
            thread="surveys.invitation:99",
            dedupe_key="t",
        )
        with django_capture_on_commit_callbacks(execute=True):
            call_command(
                "fetch_complaints", str(deliver(tmp_path, reply_mail(invitation, "It was late.")))
            )
        assert Complaint.objects.get().text.startswith("It was late.")
        assert not IncomingMessage.objects.exists()

    def test_an_mbox_reply_by_references_only(
        self, complained, tmp_path, django_capture_on_commit_callbacks
    ):
        ack = Message.objects.get(purpose="ticket.acknowledgement")
        answer = reply_mail(ack, "Any news?", threaded=False)
        answer["References"] = f"<unrelated@elsewhere.example> {ack.message_id}"
        box = mailbox.mbox(str(tmp_path / "box.mbox"))
        box.add(answer)
        box.flush()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("fetch_complaints", str(tmp_path / "box.mbox"))
        assert IncomingMessage.objects.get().body.startswith("Any news?")


def case_url(ticket):
    return reverse("case", args=[ticket.case_token])


class TestCasePage:
    def test_the_customer_sees_where_it_stands_and_what_was_said_and_nothing_is_recorded(
        self, complained, client, agent
    ):
        _page, _complaint, ticket = complained
        ticket_apologise(ticket=ticket, actor=agent, subject="Sorry about your lamp", body="Sorry.")
        from recovery.services.assignment import ticket_note

        ticket_note(ticket=ticket, actor=agent, text="Internal: courier at fault")
        before = (IncomingMessage.objects.count(), TicketEvent.objects.count())
        page = client.get(case_url(ticket))
        html = page.content.decode()
        assert page.status_code == 200
        assert "We are finding out what went wrong" in html
        assert ticket.case_number in html and "Sorry about your lamp" in html
        assert "Internal: courier at fault" not in html  # notes never leave
        assert (IncomingMessage.objects.count(), TicketEvent.objects.count()) == before

    def test_the_customer_writes_with_a_photo_once_however_often_they_tap(
        self, complained, client, django_capture_on_commit_callbacks
    ):
        _page, _complaint, ticket = complained
        submission = uuid.uuid4()
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                sent = client.post(
                    case_url(ticket),
                    {"body": "Here is the box.", "submission": submission, "files": [photo()]},
                )
            assert sent.status_code == 302
        incoming = IncomingMessage.objects.get()
        assert incoming.channel == "web" and incoming.attachments.count() == 1
        assert ticket.events.filter(kind="customer_wrote").count() == 1
        page = client.get(case_url(ticket)).content.decode()
        assert "Here is the box." in page and "Your message is with our team" in page

    def test_bad_input_is_a_clear_error_and_stores_nothing(self, complained, client):
        _page, _complaint, ticket = complained
        empty = client.post(case_url(ticket), {"body": "", "submission": uuid.uuid4()})
        assert empty.status_code == 400 and "Please write something or add a photo" in (
            empty.content.decode()
        )
        fake = client.post(
            case_url(ticket),
            {"body": "x", "submission": uuid.uuid4(), "files": [photo("a.jpg", b"<script>")]},
        )
        assert fake.status_code == 400 and "is not a photo" in fake.content.decode()
        many = client.post(
            case_url(ticket),
            {"body": "x", "submission": uuid.uuid4(), "files": [photo() for _ in range(6)]},
        )
        assert many.status_code == 400 and "At most 5 files" in many.content.decode()
        assert not IncomingMessage.objects.exists()

    def test_what_we_give_is_said_as_the_customer_reads_it(self, client, manager):
        from recovery.services.restitution import ticket_offer_restitution

        ticket = open_ticket()
        ticket = reassured(ticket, manager)
        ticket_offer_restitution(
            ticket=ticket,
            actor=manager,
            kind="voucher",
            amount="15.00",
            currency="GBP",
            subject="For the trouble",
            body="We are giving you {{ restitution }}.",
        )
        page = client.get(case_url(ticket)).content.decode()
        assert "We are making it up to you" in page
        assert "We are giving you a voucher for £15.00." in page

    def test_a_bogus_or_expired_link_gets_an_honest_page(self, client, settings):
        assert client.get(reverse("case", args=["nope" * 8])).status_code == 404
        ticket = open_ticket()
        ticket_close(ticket=ticket, actor=None, reason="Duplicate")
        assert client.get(case_url(ticket)).status_code == 200  # closed recently: still works
        Ticket.objects.filter(pk=ticket.pk).update(
            closed_at=timezone.now() - timedelta(days=settings.CASE_LINK_VALID_DAYS + 1)
        )
        expired = client.get(case_url(ticket))
        assert expired.status_code == 410 and "closed some time ago" in expired.content.decode()


class TestFiles:
    def test_staff_open_a_customers_file_and_nobody_else_can(self, complained, client):
        (stored,) = Attachment.objects.all()
        url = stored.get_absolute_url()
        assert client.get(url).status_code == 302  # to the login page
        client.force_login(staff_user("integration"))
        assert client.get(url).status_code == 403
        client.force_login(staff_user("agent"))
        _page, complaint, ticket = complained
        for page in (complaint.get_absolute_url(), ticket.get_absolute_url()):
            assert f'href="{url}"' in client.get(page).content.decode()  # shown where it came
        answer = client.get(url)
        assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert b"".join(answer.streaming_content) == JPEG

    def test_erasing_the_customer_erases_their_files(
        self, complained, manager, django_capture_on_commit_callbacks
    ):
        from feedback_app.customers.privacy import customer_erase

        _page, complaint, ticket = complained
        (stored,) = Attachment.objects.all()
        storage, name = stored.file.storage, stored.file.name
        assert storage.exists(name)
        ticket_close(ticket=ticket, actor=manager, reason="Done")
        with django_capture_on_commit_callbacks(execute=True):
            customer_erase(customer=complaint.customer, actor=manager)
        assert not Attachment.objects.exists() and not storage.exists(name)


def test_file_checks_read_the_content(settings):
    from feedback_app.core.errors import DomainError
    from feedback_app.customers.services.conversation import Upload, file_kind, uploads_check

    assert file_kind(JPEG) == "image/jpeg" and file_kind(PNG) == "image/png"
    assert file_kind(PDF) == "application/pdf"
    assert file_kind(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 20) == "image/heic"
    assert file_kind(b"GIF89a") is None
    settings.ATTACHMENT_MAX_MB = 1
    with pytest.raises(DomainError, match="larger than 1 MB"):
        uploads_check([Upload("big.jpg", JPEG + b"\x00" * (1024 * 1024))])

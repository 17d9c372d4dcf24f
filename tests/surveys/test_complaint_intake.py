"""Complaints from every channel: web form, API, file import and e-mail."""

import uuid
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from feedback_app.customers.models import Customer
from recovery.models import Ticket
from surveys.models import Complaint, ImportJob
from surveys.services.imports import import_run
from surveys.services.mail_intake import own_words
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


class TestWebForm:
    def data(self, **overrides):
        return {
            "full_name": "Ann Lee",
            "email": "ann@example.com",
            "phone": "",
            "reference": "A-1001",
            "text": "The parcel never arrived.",
            "submission": str(uuid.uuid4()),
            **overrides,
        }

    @pytest.fixture(autouse=True)
    def fresh_rate_limit(self):
        cache.clear()

    def test_complaint_is_stored_and_lands_on_the_timeline(
        self, client, django_capture_on_commit_callbacks
    ):
        assert "What happened?" in client.get(reverse("complaint")).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("complaint"), self.data())
        assert response.status_code == 200 and "We have your message" in response.content.decode()
        complaint = Complaint.objects.get()
        assert (complaint.channel, complaint.reference, complaint.customer.full_name) == (
            "web",
            "A-1001",
            "Ann Lee",
        )
        assert complaint.customer.timeline.filter(kind="complaint.received").exists()
        assert Ticket.objects.count() == 1

    def test_a_strangers_address_is_never_added_to_a_customer_known_by_phone(
        self, client, django_capture_on_commit_callbacks, mailoutbox
    ):
        from feedback_app.customers.services.resolve import customer_resolve
        from recovery.services.workflow import ticket_apologise

        victim = customer_resolve(phone="07700 900123", full_name="Vic Tim").customer
        data = self.data(email="mallory@example.com", phone="07700 900123", full_name="Mal")
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(reverse("complaint"), data).status_code == 200
        assert not victim.identities.filter(kind="email").exists()
        ticket = Ticket.objects.get()
        assert ticket.customer == victim
        ticket_apologise(
            ticket=ticket, actor=staff_user("agent"), subject="Sorry", body="We are sorry."
        )
        assert all("mallory@example.com" not in m.to for m in mailoutbox)

    def test_double_submit_stores_one(self, client):
        data = self.data()
        client.post(reverse("complaint"), data)
        client.post(reverse("complaint"), data)
        assert Complaint.objects.count() == 1

    @pytest.mark.parametrize(
        "overrides,message",
        [
            ({"email": "", "phone": ""}, "Give us an e-mail address or a phone number"),
            ({"text": ""}, "This field is required"),
            ({"email": "not-an-email"}, "Enter a valid email address"),
            ({"email": "", "phone": "12"}, "is not a phone number"),
        ],
    )
    def test_bad_input_is_a_form_error_and_stores_nothing(self, client, overrides, message):
        response = client.post(reverse("complaint"), self.data(**overrides))
        assert response.status_code == 400 and message in response.content.decode()
        assert not Complaint.objects.exists() and not Customer.objects.exists()

    def test_rate_limited(self, client, settings):
        settings.PUBLIC_FORM_RATE = "2/m"
        codes = [client.post(reverse("complaint"), self.data()).status_code for _ in range(3)]
        assert codes == [200, 200, 429] and Complaint.objects.count() == 2


class TestAPI:
    @pytest.fixture
    def api(self, api_client):
        api_client.force_authenticate(staff_user("integration"))
        return api_client

    def test_create_list_and_filter_by_triage(self, api, django_capture_on_commit_callbacks):
        payload = {
            "customer": {"email": "ann@example.com"},
            "text": "Charged twice, I want a refund",
            "idempotency_key": "k1",
        }
        with django_capture_on_commit_callbacks(execute=True):
            first = api.post("/api/v1/complaints/", payload, format="json")
        assert first.status_code == 201
        again = api.post("/api/v1/complaints/", payload, format="json")
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        body = api.get(
            "/api/v1/complaints/", {"sentiment": "negative", "topics__name": "billing"}
        ).json()
        assert body["count"] == 1
        item = body["results"][0]
        assert item["severity"] == 3 and item["topics"] == ["billing"] and item["reasons"]

    @pytest.mark.parametrize(
        "payload,field",
        [
            ({"customer": {"email": "ann@example.com"}}, "text"),
            ({"customer": {}, "text": "late"}, "identity"),
            ({"customer": {"email": "ann@example.com"}, "text": ["late"]}, "text"),
            (
                {"customer": {"email": "ann@example.com"}, "text": "late", "channel": "fax"},
                "channel",
            ),
        ],
    )
    def test_bad_requests_name_the_field(self, api, payload, field):
        response = api.post("/api/v1/complaints/", payload, format="json")
        assert response.status_code == 400 and field in response.json()
        assert not Complaint.objects.exists()

    @pytest.mark.parametrize("vouch", [False, True])
    def test_a_new_address_is_added_only_when_the_sender_vouches_for_it(self, api, vouch):
        from feedback_app.customers.services.resolve import customer_resolve

        known = customer_resolve(phone="07700 900123").customer
        customer = {"phone": "07700 900123", "email": "ann@example.com", "verified": vouch}
        response = api.post(
            "/api/v1/complaints/", {"text": "Still no refund.", "customer": customer}, format="json"
        )
        assert response.status_code == 201 and response.json()["customer"] == known.pk
        assert known.identities.filter(normalized="ann@example.com").exists() == vouch

    def test_an_issuing_system_name_over_fifty_characters_is_a_400(self, api):
        customer = {"external": {"s" * 51: "C-1"}}
        response = api.post(
            "/api/v1/complaints/", {"text": "Broken.", "customer": customer}, format="json"
        )
        assert response.status_code == 400 and "external" in response.json()["customer"]
        assert not Complaint.objects.exists()

    def test_a_megabyte_complaint_is_accepted(self, api, django_capture_on_commit_callbacks):
        text = "The parcel was late. " * 47_000
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                "/api/v1/complaints/",
                {"customer": {"email": "a@example.com"}, "text": text},
                format="json",
            )
        assert response.status_code == 201
        complaint = Complaint.objects.get()
        assert len(complaint.text) == len(text.strip()) and complaint.sentiment == "negative"


def test_csv_import_of_complaints():
    text = (
        "received_at,email,phone,reference,text\n"
        "2026-11-01T09:00:00+00:00,ann@example.com,,A-1,Box crushed\n"
        "2026-11-01,,,A-2,No contact given\n"
        "2026-11-02,bob@example.com,,A-3,\n"
    )
    import io

    job = import_run(
        job=ImportJob.objects.create(kind="complaints", filename="shop.csv"),
        stream=io.StringIO(text),
    )
    assert (job.accepted_rows, job.rejected_rows) == (1, 2)
    assert {r.row: r.reason for r in job.rejections.all()} == {
        3: "No usable identity: give an e-mail address, a phone number or an external id.",
        4: "Please tell us what happened.",
    }
    assert Complaint.objects.get().channel == "import"


class TestEmail:
    def message(self, **overrides):
        message = EmailMessage()
        message["From"] = overrides.get("sender", "Ann Lee <ANN@example.com>")
        message["To"] = "care@harbour.example"
        message["Subject"] = overrides.get("subject", "Re: Your order A-1001")
        message["Date"] = "Mon, 23 Nov 2026 09:15:00 +0000"
        message["Message-ID"] = overrides.get("message_id", make_msgid())
        message.set_content(
            "My parcel still has not arrived and nobody answers the phone.\n"
            "Please sort it out.\n\n"
            "Ann\n\n"
            "On Fri, 20 Nov 2026 at 10:00, Harbour & Co <care@harbour.example> wrote:\n"
            "> Thank you for your order A-1001.\n"
            "> It will arrive on Saturday.\n"
        )
        message.add_alternative(
            "<p>My parcel still has not arrived and nobody answers the phone.</p>"
            "<blockquote>Thank you for your order A-1001.</blockquote>",
            subtype="html",
        )
        return message

    def maildir(self, tmp_path, *messages):
        import mailbox

        box = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
        for message in messages:
            box.add(message)
        return tmp_path / "inbox"

    def test_multipart_message_with_quoted_reply(
        self, tmp_path, capsys, django_capture_on_commit_callbacks
    ):
        path = self.maildir(tmp_path, self.message())
        with django_capture_on_commit_callbacks(execute=True):
            call_command("fetch_complaints", str(path))
        assert "1 new complaints, 0 already stored, 0 skipped." in capsys.readouterr().out
        complaint = Complaint.objects.get()
        assert (
            complaint.text == "My parcel still has not arrived and nobody answers the phone.\n"
            "Please sort it out.\n\nAnn"
        )
        assert complaint.subject == "Your order A-1001" and complaint.reference == "A-1001"
        assert complaint.channel == "email" and complaint.customer.full_name == "Ann Lee"
        assert complaint.customer.identities.get().normalized == "ann@example.com"
        assert complaint.sentiment == "negative" and Ticket.objects.count() == 1

    def test_running_twice_takes_each_message_once(self, tmp_path, capsys):
        path = self.maildir(tmp_path, self.message(), self.message())
        call_command("fetch_complaints", str(path))
        call_command("fetch_complaints", str(path))
        assert Complaint.objects.count() == 2
        assert "0 new complaints, 2 already stored" in capsys.readouterr().out

    def test_mbox_and_bad_messages(self, tmp_path, capsys):
        import mailbox

        box = mailbox.mbox(str(tmp_path / "complaints.mbox"))
        box.add(self.message())
        box.add(self.message(sender=""))
        box.flush()
        call_command("fetch_complaints", str(tmp_path / "complaints.mbox"))
        out = capsys.readouterr().out
        assert "1 new complaints" in out and "no sender address" in out

    def raw_mbox(self, tmp_path, *raw_messages: bytes):
        path = tmp_path / "raw.mbox"
        path.write_bytes(
            b"".join(b"From x@y Mon Nov 23 09:15:00 2026\n" + raw + b"\n" for raw in raw_messages)
        )
        return path

    def raw(self, headers: str, body: str = "My parcel never arrived.") -> bytes:
        return (
            f"{headers}\nTo: care@harbour.example\nSubject: Parcel\n"
            f"Date: Mon, 23 Nov 2026 09:15:00 +0000\n\n{body}\n"
        ).encode()

    def test_malformed_headers_stop_nothing(self, tmp_path, capsys):
        path = self.raw_mbox(
            tmp_path,
            self.raw("From: Ann <ann@example.com>\nMessage-ID: <>"),
            self.raw('From: "Bo\x00b" <bob@example.com>\nMessage-ID: <b@x>'),
            self.raw("From: Cy <cy@example.com>\nMessage-ID: <c@x>"),
        )
        call_command("fetch_complaints", str(path))
        assert "3 new complaints" in capsys.readouterr().out
        assert Complaint.objects.get(customer__identities__normalized="bob@example.com")
        call_command("fetch_complaints", str(path))
        assert Complaint.objects.count() == 3

    def test_a_message_that_cannot_be_stored_is_set_aside_and_can_be_tried_again(
        self, tmp_path, capsys, monkeypatch, admin_client
    ):
        from surveys.models import SetAsideMail
        from surveys.services import mail_intake

        path = self.raw_mbox(
            tmp_path,
            self.raw("From: Ann <ann@example.com>\nMessage-ID: <a@x>"),
            self.raw("From: Bo <bob@example.com>\nMessage-ID: <b@x>", body="Bad part"),
        )
        real = mail_intake.complaint_submit

        def fails_on_bad_part(**kwargs):
            if "Bad part" in kwargs["text"]:
                raise RuntimeError("storage hiccup")
            return real(**kwargs)

        monkeypatch.setattr(mail_intake, "complaint_submit", fails_on_bad_part)
        call_command("fetch_complaints", str(path))
        call_command("fetch_complaints", str(path))  # read again: still one row, two attempts
        out = capsys.readouterr().out
        assert "1 new complaints" in out and "RuntimeError: storage hiccup" in out
        kept = SetAsideMail.objects.get()
        assert kept.attempts == 2 and "storage hiccup" in kept.reason
        page = admin_client.get(reverse("admin:surveys_setasidemail_change", args=[kept.pk]))
        assert "Bad part" in page.content.decode()
        monkeypatch.setattr(mail_intake, "complaint_submit", real)
        done = admin_client.post(
            reverse("admin:surveys_setasidemail_changelist"),
            {"action": "try_again", "index": 0, "_selected_action": [kept.pk]},
            follow=True,
        )
        assert "1 of 1 stored." in done.content.decode()
        kept.refresh_from_db()
        assert kept.stored_as.text == "Bad part" and Complaint.objects.count() == 2

    @pytest.mark.parametrize(
        "body,expected",
        [
            ("Broken again.\n\n-----Original Message-----\nFrom: us\nOld text", "Broken again."),
            ("Still late.\n\nFrom: Care <care@x.com>\nSent: Monday\nSubject: order", "Still late."),
            ("Wrong item.\n-- \nAnn Lee\nSent from my phone", "Wrong item."),
            ("Top line\n> quoted\nmore of mine", "Top line\nmore of mine"),
        ],
    )
    def test_own_words(self, body, expected):
        assert own_words(body) == expected


def test_case_numbers_and_short_codes_use_every_character_in_every_place():
    import re

    from surveys.models.base import CASE_ALPHABET, new_case_number, new_short_code

    numbers = [new_case_number() for _ in range(2000)]
    assert all(re.fullmatch(rf"C-[{CASE_ALPHABET}]{{7}}", n) for n in numbers)
    for place in range(2, 9):  # no place stuck on a few characters
        assert {n[place] for n in numbers} == set(CASE_ALPHABET)
    codes = [new_short_code() for _ in range(2000)]
    assert all(len(c) == 10 for c in codes)
    for place in range(10):
        assert {c[place] for c in codes} == set(CASE_ALPHABET)

"""The contact policy and the outbox: every message to a customer goes through them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from feedback_app.customers.models import Message
from feedback_app.customers.outbox import message_deliver, message_send
from feedback_app.customers.policy import contact_decision
from feedback_app.customers.services.holds import hold_place, hold_release
from feedback_app.customers.services.merge import customer_merge
from feedback_app.customers.services.profile import preference_set
from feedback_app.customers.services.resolve import customer_resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann():
    return customer_resolve(email="ann@example.com", full_name="Ann Lee").customer


def send(customer, key, kind="solicitation", thread="", **extra):
    return message_send(
        customer=customer,
        kind=kind,
        purpose="survey.invitation" if kind == "solicitation" else "ticket.apology",
        subject=f"Message {key}",
        body_text="Hello",
        dedupe_key=key,
        thread=thread,
        **extra,
    )


class TestPolicy:
    def test_allowed_with_an_address_and_no_objection(self, ann):
        decision = contact_decision(customer=ann, kind="solicitation", channel="email")
        assert decision.allowed and decision.address == "ann@example.com"

    def test_no_address_on_the_channel(self):
        bob = customer_resolve(phone="07700 900123").customer
        decision = contact_decision(customer=bob, kind="reply", channel="email")
        assert not decision.allowed and decision.reason == "no e-mail address on file"

    def test_opt_out_stops_solicitations_but_not_replies(self, ann):
        preference_set(customer=ann, channel="email", allow_solicitations=False)
        assert not contact_decision(customer=ann, kind="solicitation", channel="email").allowed
        assert contact_decision(customer=ann, kind="reply", channel="email").allowed

    def test_refused_channel_stops_replies_too(self, ann):
        preference_set(customer=ann, channel="email", allow_contact=False)
        decision = contact_decision(customer=ann, kind="reply", channel="email")
        assert not decision.allowed and "refuses contact" in decision.reason

    def test_hold_stops_solicitations_until_released(self, ann):
        hold_place(customer=ann, reference="recovery.ticket:1", reason="recovery ticket #1 is open")
        decision = contact_decision(customer=ann, kind="solicitation", channel="email")
        assert not decision.allowed and decision.reason == "on hold: recovery ticket #1 is open"
        assert contact_decision(customer=ann, kind="reply", channel="email").allowed
        hold_release(customer=ann, reference="recovery.ticket:1")
        assert contact_decision(customer=ann, kind="solicitation", channel="email").allowed

    def test_hold_is_placed_once_per_reference(self, ann):
        hold_place(customer=ann, reference="recovery.ticket:1", reason="open")
        hold_place(customer=ann, reference="recovery.ticket:1", reason="open")
        assert ann.holds.count() == 1
        assert hold_release(customer=ann, reference="recovery.ticket:1") == 1
        assert hold_release(customer=ann, reference="recovery.ticket:1") == 0

    def test_quiet_period_counts_any_solicitation_of_another_thread(self, ann, settings):
        settings.CONTACT_QUIET_PERIOD_DAYS = 14
        send(ann, "first", thread="invitation:1")
        decision = contact_decision(
            customer=ann, kind="solicitation", channel="email", thread="invitation:2"
        )
        assert not decision.allowed and decision.reason.startswith("quiet period")
        # the same thread (a reminder of that invitation) is not blocked by its own invitation
        assert contact_decision(
            customer=ann, kind="solicitation", channel="email", thread="invitation:1"
        ).allowed
        # replies are never counted nor blocked
        assert contact_decision(customer=ann, kind="reply", channel="email").allowed

    def test_quiet_period_ends(self, ann, settings):
        settings.CONTACT_QUIET_PERIOD_DAYS = 14
        old = send(ann, "old", thread="invitation:1")
        Message.objects.filter(pk=old.pk).update(
            status="sent",
            sent_at=timezone.now() - timedelta(days=15),
            created_at=timezone.now() - timedelta(days=15),
        )
        assert contact_decision(
            customer=ann, kind="solicitation", channel="email", thread="x"
        ).allowed

    def test_suppressed_and_failed_messages_do_not_count(self, ann):
        Message.objects.create(
            customer=ann,
            kind="solicitation",
            purpose="p",
            channel="email",
            subject="s",
            body_text="b",
            status="suppressed",
            dedupe_key="k1",
        )
        Message.objects.create(
            customer=ann,
            kind="solicitation",
            purpose="p",
            channel="email",
            subject="s",
            body_text="b",
            status="failed",
            dedupe_key="k2",
        )
        assert contact_decision(customer=ann, kind="solicitation", channel="email").allowed


class TestOutbox:
    def test_send_records_queues_and_delivers_after_commit(
        self, ann, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            message = send(ann, "k")
        message.refresh_from_db()
        assert message.status == "sent" and message.sent_at is not None
        assert len(mail.outbox) == 1
        sent = mail.outbox[0]
        assert sent.to == ["ann@example.com"] and sent.subject == "Message k"
        assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f"/c/{ann.token}/unsubscribe/" in sent.extra_headers["List-Unsubscribe"]
        assert ann.timeline.filter(kind="message.queued", title="E-mail: Message k").exists()

    def test_replies_carry_no_unsubscribe_header(self, ann, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            send(ann, "r", kind="reply")
        assert "List-Unsubscribe" not in mail.outbox[0].extra_headers

    def test_same_dedupe_key_sends_once(self, ann, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            first = send(ann, "k")
            again = send(ann, "k")
        assert first.pk == again.pk and len(mail.outbox) == 1

    def test_suppressed_message_is_recorded_with_its_reason_and_not_sent(
        self, ann, django_capture_on_commit_callbacks
    ):
        preference_set(customer=ann, channel="email", allow_solicitations=False)
        with django_capture_on_commit_callbacks(execute=True):
            message = send(ann, "k")
        assert message.status == "suppressed" and "opted out" in message.reason
        assert mail.outbox == []
        assert ann.timeline.filter(kind="message.suppressed").exists()

    def test_delivery_runs_once_even_if_the_task_runs_twice(
        self, ann, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            message = send(ann, "k")
        message_deliver(message_id=message.pk)
        assert len(mail.outbox) == 1

    def test_message_to_a_merged_profile_goes_to_the_survivor(self, ann):
        twin = customer_resolve(phone="07700 900123").customer
        customer_merge(source=twin, target=ann)
        message = send(twin, "k")
        assert message.customer == ann and message.to_address == "ann@example.com"

    def test_empty_message_is_refused(self, ann):
        from feedback_app.core.errors import DomainError

        with pytest.raises(DomainError):
            message_send(
                customer=ann, kind="reply", purpose="x", subject=" ", body_text="b", dedupe_key="e"
            )
        assert not Message.objects.exists()

    def test_transport_failure_is_recorded_not_raised(
        self, ann, settings, django_capture_on_commit_callbacks
    ):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard
        settings.EMAIL_TIMEOUT = 2
        with django_capture_on_commit_callbacks(execute=True):
            message = send(ann, "k", kind="reply")
        message.refresh_from_db()
        assert message.status == "failed" and "ConnectionRefusedError" in message.reason
        assert ann.timeline.filter(kind="message.failed").exists()

    def test_delivered_to_a_real_smtp_server(
        self, ann, smtp_server, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            message_send(
                customer=ann,
                kind="solicitation",
                purpose="survey.invitation",
                subject="How did we do, Ann?",
                body_text="Plain text body",
                body_html="<p>HTML body</p>",
                dedupe_key="smtp",
            )
        assert len(smtp_server.messages) == 1
        received = smtp_server.messages[0]
        assert received["to"] == ["ann@example.com"]
        parsed = received["message"]
        assert parsed["Subject"] == "How did we do, Ann?"
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert parsed.get_body(("plain",)).get_content().strip() == "Plain text body"
        assert parsed.get_body(("html",)).get_content().strip() == "<p>HTML body</p>"


class TestUnsubscribePage:
    def test_get_asks_and_changes_nothing(self, client, ann):
        response = client.get(f"/c/{ann.token}/unsubscribe/")
        assert response.status_code == 200 and not ann.preferences.exists()

    def test_one_click_post_without_csrf_unsubscribes(self, ann):
        from django.test import Client

        response = Client(enforce_csrf_checks=True).post(
            f"/c/{ann.token}/unsubscribe/", {"List-Unsubscribe": "One-Click"}
        )
        assert response.status_code == 200
        pref = ann.preferences.get(channel="email")
        assert not pref.allow_solicitations and pref.allow_contact and pref.source == "unsubscribe"

    def test_unknown_token(self, client):
        assert client.post("/c/nope/unsubscribe/").status_code == 404


class TestRepliesSend:
    """`replies_send`: many replies at once, each as `message_send` would send it alone."""

    def _reply(self, customer, key, **extra):
        from feedback_app.customers.outbox import Outgoing

        fields = {
            "customer": customer,
            "kind": "reply",
            "purpose": "ticket.acknowledgement",
            "subject": f"Reply {key}",
            "body_text": "We have your complaint.",
            "dedupe_key": key,
            "thread": f"recovery.ticket:{key}",
        }
        return Outgoing(**{**fields, **extra})

    def test_each_reply_is_decided_recorded_and_delivered_as_one_alone(
        self, ann, django_capture_on_commit_callbacks
    ):
        from feedback_app.customers.models import TimelineEntry
        from feedback_app.customers.outbox import replies_send

        bob = customer_resolve(phone="07700 900123").customer  # no e-mail, no SMS gateway here
        twin = customer_resolve(email="ann.lee@example.com", full_name="Ann Lee").customer
        customer_merge(source=twin, target=ann)
        earlier = send(ann, "k0", kind="reply")
        batch = [
            self._reply(ann, "k1"),
            self._reply(bob, "k2"),
            self._reply(ann, "k0"),  # sent before: the same message back
            self._reply(ann, "k1"),  # twice in the batch: one message
            self._reply(twin, "k3"),  # a merged profile: to the one it lives on
        ]
        with django_capture_on_commit_callbacks(execute=True):
            made = replies_send(batch)
        assert made[2] == earlier and made[3] is made[0]
        assert made[0].status == Message.Status.QUEUED  # as decided; delivered after commit
        assert made[4].customer_id == ann.pk
        assert Message.objects.count() == 4  # k0, k1, k2, k3
        # Bob has no e-mail address and texts need a gateway: suppressed with the reason, as
        # message_send records it; the timeline says so.
        alone = send(bob, "k9", kind="reply", channel="preferred")
        assert (made[1].status, made[1].reason) == (alone.status, alone.reason)
        assert TimelineEntry.objects.filter(subject_id=made[1].pk, kind=f"message.{alone.status}")
        delivered = Message.objects.get(pk=made[0].pk)
        assert delivered.status == Message.Status.SENT
        assert [m.subject for m in mail.outbox].count("Reply k1") == 1

    def test_only_replies(self, ann):
        from feedback_app.core.errors import DomainError
        from feedback_app.customers.outbox import replies_send

        with pytest.raises(DomainError):
            replies_send([self._reply(ann, "s1", kind="solicitation")])
        assert not Message.objects.exists()

    def test_a_batch_of_replies_decides_every_customer_in_statements_that_do_not_grow(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from feedback_app.customers.outbox import replies_send

        def statements(count: int, start: int) -> int:
            customers = [
                customer_resolve(email=f"r{start + n}@example.com").customer for n in range(count)
            ]
            with CaptureQueriesContext(connection) as queries:
                made = replies_send(
                    [self._reply(c, f"r{start}-{n}") for n, c in enumerate(customers)]
                )
            assert [m.to_address for m in made] == [
                f"r{start + n}@example.com" for n in range(count)
            ]
            return len(queries)

        statements(1, 0)  # content types, read once a process
        assert statements(2, 10) == statements(20, 100)


class TestDeliveryInBatches:
    """A batch of messages (the acknowledgements of a batch of complaints) is delivered by one
    task: claimed together, sent one by one, marked sent together."""

    def test_each_queued_message_is_sent_once_and_the_others_left_as_they_are(self, ann, settings):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from feedback_app.customers.outbox import messages_deliver

        queued = [send(ann, f"q{n}", kind="reply") for n in range(5)]
        Message.objects.filter(pk=queued[1].pk).update(status=Message.Status.SENDING)  # taken
        with CaptureQueriesContext(connection) as queries:
            done = messages_deliver([m.pk for m in queued] + [999_999])
        assert [m.pk for m in done] == [m.pk for m in queued]  # no such message: left out
        assert [m.status for m in done] == ["sent", "sending", "sent", "sent", "sent"]
        assert sorted(m.subject for m in mail.outbox) == [f"Message q{n}" for n in (0, 2, 3, 4)]
        # claim (lock, update), read with attachments, mark sent: not one each
        assert len(queries) <= 8
        messages_deliver([m.pk for m in queued])  # the task again: nothing sent twice
        assert len(mail.outbox) == 4
        assert Message.objects.get(pk=queued[0].pk).attempts == 1

    def test_one_that_fails_is_recorded_and_the_others_go(self, ann, monkeypatch):
        from feedback_app.customers import outbox

        queued = [send(ann, f"f{n}", kind="reply") for n in range(3)]
        real = outbox._email

        def refused(message):
            if message.pk == queued[1].pk:
                raise ConnectionRefusedError("no")
            return real(message)

        monkeypatch.setattr(outbox, "_email", refused)
        done = outbox.messages_deliver([m.pk for m in queued])
        assert [m.status for m in done] == ["sent", "failed", "sent"]
        assert "ConnectionRefusedError" in Message.objects.get(pk=queued[1].pk).reason
        assert len(mail.outbox) == 2

    def test_item_tasks_batch_their_deliveries(self, ann):
        from feedback_app.core.background import run_item_tasks
        from feedback_app.customers.outbox import deliver_message

        queued = [send(ann, f"t{n}", kind="reply") for n in range(3)]
        assert run_item_tasks([(deliver_message, [m.pk]) for m in queued]) == 3
        assert set(Message.objects.values_list("status", flat=True)) == {"sent"}

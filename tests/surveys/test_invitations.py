"""Events trigger invitations at the right moment; the contact policy decides when they go."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from feedback_app.core.errors import DomainError
from feedback_app.customers.models import Message
from feedback_app.customers.services.holds import hold_place
from feedback_app.customers.services.profile import preference_set
from feedback_app.customers.services.resolve import customer_resolve
from surveys.models import Event, Invitation, ReceivedAnswers
from surveys.services.invitations import (
    event_record,
    invitation_create,
    invitation_remind,
    invitation_send,
    invitations_send_due,
    trigger_rule_save,
)
from surveys.services.responses import response_submit
from tests.factories import SurveyFactory, TriggerRuleFactory, delivery_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule():
    return TriggerRuleFactory(
        survey=delivery_survey(name="After delivery"), delay=timedelta(days=2)
    )


def deliver(now=None, **identities):
    identities = identities or {"email": "ann@example.com", "full_name": "Ann Lee"}
    return event_record(
        event_type="order.delivered",
        occurred_at=(now or timezone.now()) - timedelta(hours=1),
        data={"order": "A-1001"},
        **identities,
    )


def sweep(at, capture):
    with capture(execute=True):
        return invitations_send_due(now=at)


class TestTriggers:
    def test_right_event_schedules_the_survey_after_the_delay(self, rule):
        result = deliver()
        assert result.created
        (invitation,) = result.invitations
        assert invitation.survey == rule.survey and invitation.status == "scheduled"
        assert invitation.scheduled_for == result.event.occurred_at + timedelta(days=2)
        assert result.event.customer.full_name == "Ann Lee"

    def test_wrong_event_type_triggers_nothing(self, rule):
        result = event_record(
            event_type="order.shipped", occurred_at=timezone.now(), email="ann@example.com"
        )
        assert result.created and result.invitations == []

    def test_inactive_rule_and_draft_survey_trigger_nothing(self, rule):
        TriggerRuleFactory(survey=SurveyFactory(status="draft"), event_type="order.delivered")
        rule.active = False
        rule.save()
        assert deliver().invitations == []

    def test_nothing_is_sent_before_the_delay_has_passed(
        self, rule, django_capture_on_commit_callbacks
    ):
        result = deliver()
        sweep(timezone.now() + timedelta(days=1), django_capture_on_commit_callbacks)
        assert mail.outbox == []
        sweep(timezone.now() + timedelta(days=2), django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 1
        invitation = result.invitations[0]
        invitation.refresh_from_db()
        assert invitation.status == "sent"

    def test_zero_delay_sends_at_once(self, rule, django_capture_on_commit_callbacks):
        rule.delay = timedelta(0)
        rule.save()
        with django_capture_on_commit_callbacks(execute=True):
            deliver()
        assert len(mail.outbox) == 1

    def test_the_same_event_id_twice_schedules_once(self, rule):
        first = event_record(
            event_type="order.delivered",
            occurred_at=timezone.now(),
            email="ann@example.com",
            external_id="evt-1",
        )
        again = event_record(
            event_type="order.delivered",
            occurred_at=timezone.now(),
            email="ann@example.com",
            external_id="evt-1",
        )
        assert first.created and not again.created and again.event == first.event
        assert Invitation.objects.count() == 1 and Event.objects.count() == 1

    def test_event_lands_on_the_timeline(self, rule):
        result = deliver()
        assert result.event.customer.timeline.filter(
            kind="event", title="Event: order delivered (A-1001)"
        ).exists()

    @pytest.mark.parametrize(
        "kwargs,field",
        [
            ({"event_type": "Order Delivered!"}, "event_type"),
            ({"email": "", "phone": ""}, "identity"),
            ({"email": "not an email"}, "identity"),
            ({"occurred_at": timezone.now() + timedelta(days=3)}, "occurred_at"),
        ],
    )
    def test_bad_events_are_refused_and_store_nothing(self, rule, kwargs, field):
        args = {
            "event_type": "order.delivered",
            "occurred_at": timezone.now(),
            "email": "ann@example.com",
            **kwargs,
        }
        with pytest.raises(DomainError) as caught:
            event_record(**args)
        assert caught.value.field == field
        assert not Event.objects.exists() and not Invitation.objects.exists()

    def test_rule_validation(self):
        survey = delivery_survey()
        with pytest.raises(DomainError):
            trigger_rule_save(event_type="order.delivered", survey=survey, delay=timedelta(days=-1))
        with pytest.raises(DomainError):
            trigger_rule_save(
                event_type="order.delivered", survey=survey, delay=timedelta(0), channel="sms"
            )


class TestPolicyAtSendTime:
    def test_opt_out_after_scheduling_suppresses_with_the_reason(
        self, rule, django_capture_on_commit_callbacks
    ):
        result = deliver()
        preference_set(customer=result.event.customer, channel="email", allow_solicitations=False)
        sweep(timezone.now() + timedelta(days=3), django_capture_on_commit_callbacks)
        invitation = Invitation.objects.get()
        assert invitation.status == "suppressed"
        assert invitation.reason == "customer opted out of surveys and notices by e-mail"
        assert mail.outbox == []

    def test_open_recovery_case_suppresses(self, rule, django_capture_on_commit_callbacks):
        result = deliver()
        hold_place(
            customer=result.event.customer,
            reference="recovery.ticket:7",
            reason="recovery ticket #7 is open",
        )
        sweep(timezone.now() + timedelta(days=3), django_capture_on_commit_callbacks)
        assert Invitation.objects.get().reason == "on hold: recovery ticket #7 is open"

    def test_one_invitation_per_quiet_period_across_surveys(
        self, rule, django_capture_on_commit_callbacks, settings
    ):
        settings.CONTACT_QUIET_PERIOD_DAYS = 14
        TriggerRuleFactory(
            survey=delivery_survey(name="Relationship"),
            event_type="order.delivered",
            delay=timedelta(days=2),
        )
        deliver()
        sweep(timezone.now() + timedelta(days=3), django_capture_on_commit_callbacks)
        statuses = sorted(Invitation.objects.values_list("status", flat=True))
        assert statuses == ["sent", "suppressed"]
        assert Invitation.objects.get(status="suppressed").reason.startswith("quiet period")
        assert len(mail.outbox) == 1

    def test_too_late_is_not_sent(self, rule, django_capture_on_commit_callbacks, settings):
        settings.SURVEY_SEND_WINDOW_DAYS = 7
        event_record(
            event_type="order.delivered",
            occurred_at=timezone.now() - timedelta(days=30),
            email="ann@example.com",
        )
        sweep(timezone.now(), django_capture_on_commit_callbacks)
        invitation = Invitation.objects.get()
        assert invitation.status == "suppressed" and invitation.reason.startswith("too late")

    def test_closed_survey_cancels_invitations_not_yet_sent(
        self, rule, django_capture_on_commit_callbacks
    ):
        deliver()
        rule.survey.status = "closed"
        rule.survey.save()
        sweep(timezone.now() + timedelta(days=3), django_capture_on_commit_callbacks)
        assert Invitation.objects.get().status == "cancelled"

    def test_sending_twice_sends_once(self, rule, django_capture_on_commit_callbacks):
        deliver()
        later = timezone.now() + timedelta(days=3)
        sweep(later, django_capture_on_commit_callbacks)
        sweep(later, django_capture_on_commit_callbacks)
        invitation_send(invitation_id=Invitation.objects.get().pk, now=later)
        assert len(mail.outbox) == 1 and Message.objects.count() == 1


class TestReminders:
    def test_one_reminder_to_a_non_responder_only(
        self, rule, django_capture_on_commit_callbacks, settings
    ):
        settings.SURVEY_REMINDER_AFTER_DAYS = 3
        deliver()
        start = timezone.now() + timedelta(days=2, minutes=1)
        sweep(start, django_capture_on_commit_callbacks)
        sweep(start + timedelta(days=2), django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 1
        sweep(start + timedelta(days=4), django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 2 and mail.outbox[1].subject.startswith("A reminder")
        sweep(start + timedelta(days=8), django_capture_on_commit_callbacks)
        sweep(start + timedelta(days=12), django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 2

    def test_no_reminder_after_an_answer(self, rule, django_capture_on_commit_callbacks):
        deliver()
        start = timezone.now() + timedelta(days=2, minutes=1)
        sweep(start, django_capture_on_commit_callbacks)
        invitation = Invitation.objects.get()
        nps = invitation.survey.questions.get(kind="nps")
        response_submit(
            survey=invitation.survey, invitation=invitation, answers={nps.pk: 10}, channel="web"
        )
        sweep(start + timedelta(days=5), django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 1

    def test_no_reminder_while_received_answers_wait_to_be_stored(
        self, rule, django_capture_on_commit_callbacks
    ):
        deliver()
        start = timezone.now() + timedelta(days=2, minutes=1)
        sweep(start, django_capture_on_commit_callbacks)
        invitation = Invitation.objects.get()
        nps = invitation.survey.questions.get(kind="nps")
        ReceivedAnswers.objects.create(invitation=invitation, answers={str(nps.pk): 10})
        sweep(start + timedelta(days=5), django_capture_on_commit_callbacks)
        invitation_remind(invitation_id=invitation.pk, now=start + timedelta(days=5))
        assert len(mail.outbox) == 1


class TestMessageContent:
    def test_personalised_with_token_link_and_unsubscribe(
        self, rule, django_capture_on_commit_callbacks, settings
    ):
        settings.SITE_URL = "https://care.example.com"
        deliver()
        sweep(timezone.now() + timedelta(days=3), django_capture_on_commit_callbacks)
        invitation = Invitation.objects.get()
        sent = mail.outbox[0]
        assert sent.subject == "Ann, how did we do with A-1001?"
        assert sent.body.startswith("Hello Ann,")
        assert f"https://care.example.com/s/{invitation.token}/" in sent.body
        customer = invitation.customer
        assert f"https://care.example.com/c/{customer.token}/unsubscribe/" in sent.body
        # the link reveals nothing about the customer
        assert "ann" not in invitation.token.lower() or len(invitation.token) >= 43
        assert str(customer.pk) != invitation.token
        html = sent.alternatives[0][0]
        assert f"/s/{invitation.token}/" in html

    def test_delivered_through_a_real_smtp_server(
        self, rule, smtp_server, django_capture_on_commit_callbacks
    ):
        deliver()
        sweep(timezone.now() + timedelta(days=3), django_capture_on_commit_callbacks)
        assert len(smtp_server.messages) == 1
        received = smtp_server.messages[0]
        assert received["to"] == ["ann@example.com"]
        assert "how did we do" in received["message"]["Subject"]
        text = received["message"].get_body(("plain",)).get_content()
        assert f"/s/{Invitation.objects.get().token}/" in text


def test_direct_follow_up_invitation_is_a_reply_that_ignores_the_hold(
    django_capture_on_commit_callbacks,
):
    survey = delivery_survey(purpose="recovery_follow_up")
    ann = customer_resolve(email="ann@example.com").customer
    hold_place(customer=ann, reference="recovery.ticket:1", reason="ticket open")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            survey=survey, customer=ann, dedupe_key="ticket:1", message_kind="reply"
        )
        again = invitation_create(
            survey=survey, customer=ann, dedupe_key="ticket:1", message_kind="reply"
        )
    assert again == invitation
    invitation.refresh_from_db()
    assert invitation.status == "sent" and len(mail.outbox) == 1

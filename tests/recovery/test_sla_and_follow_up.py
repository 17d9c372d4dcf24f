"""SLA clocks in business hours, breach escalation, and the "did we make it right?" loop."""

import importlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from feedback_app.customers.models import Message
from recovery.business_hours import add_business_hours, business_hours_between
from recovery.models import State, Team, Ticket
from recovery.services.follow_up import recovery_sweep
from recovery.services.workflow import ticket_apologise, ticket_resolve, ticket_skip
from surveys.models import Invitation, Survey
from surveys.services.invitations import invitations_send_due
from surveys.services.responses import response_submit
from tests.factories import delivery_survey, open_ticket, staff_user, step_url

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def london(settings):
    settings.TIME_ZONE = "Europe/London"
    settings.BUSINESS_HOURS = "09:00-17:00"
    settings.BUSINESS_DAYS = ["mon", "tue", "wed", "thu", "fri"]


class TestBusinessHours:
    @pytest.mark.parametrize(
        "start,hours,due",
        [
            (
                datetime(2026, 11, 23, 10, 0, tzinfo=LONDON),
                4,
                datetime(2026, 11, 23, 14, 0, tzinfo=LONDON),
            ),  # Monday, same day
            (
                datetime(2026, 11, 23, 16, 0, tzinfo=LONDON),
                4,
                datetime(2026, 11, 24, 12, 0, tzinfo=LONDON),
            ),  # overnight
            (
                datetime(2026, 11, 27, 16, 0, tzinfo=LONDON),
                4,
                datetime(2026, 11, 30, 12, 0, tzinfo=LONDON),
            ),  # Friday → Monday
            (
                datetime(2026, 11, 28, 11, 0, tzinfo=LONDON),
                2,
                datetime(2026, 11, 30, 11, 0, tzinfo=LONDON),
            ),  # opened on Saturday
            (
                datetime(2026, 11, 23, 7, 30, tzinfo=LONDON),
                1,
                datetime(2026, 11, 23, 10, 0, tzinfo=LONDON),
            ),  # before opening
            (
                datetime(2026, 11, 23, 10, 0, tzinfo=LONDON),
                40,
                datetime(2026, 11, 30, 10, 0, tzinfo=LONDON),
            ),  # a working week
        ],
    )
    def test_add(self, london, start, hours, due):
        assert add_business_hours(start, hours) == due

    def test_between(self, london):
        friday = datetime(2026, 11, 27, 16, 0, tzinfo=LONDON)
        monday = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
        assert business_hours_between(friday, monday) == 2
        assert business_hours_between(monday, friday) == -2

    def test_bad_configuration_is_a_clear_error(self, settings):
        from django.core.exceptions import ImproperlyConfigured

        settings.BUSINESS_HOURS = "nine to five"
        with pytest.raises(ImproperlyConfigured, match="BUSINESS_HOURS"):
            add_business_hours(timezone.now(), 1)


class TestBreach:
    def test_due_times_follow_priority_and_business_hours(self, london):
        ticket = open_ticket(priority=4)
        assert ticket.apology_due_at == add_business_hours(ticket.opened_at, 2)
        assert ticket.resolution_due_at == add_business_hours(ticket.opened_at, 8)

    def test_overdue_apology_is_marked_once_escalated_and_the_manager_told(
        self, london, django_capture_on_commit_callbacks
    ):
        boss = staff_user("manager", email="boss@care.example.com")
        team = Team.objects.create(name="Deliveries", manager=boss)
        ticket = open_ticket(priority=2, team=team)
        later = ticket.apology_due_at + timedelta(minutes=1)
        with django_capture_on_commit_callbacks(execute=True):
            assert recovery_sweep(now=later)["breaches"] == 1
            assert recovery_sweep(now=later + timedelta(hours=1))["breaches"] == 0
        ticket.refresh_from_db()
        assert ticket.breached and ticket.priority == 3
        event = ticket.events.get(kind="sla_breached")
        assert event.payload["missed"] == "apology"
        assert [m.to for m in mail.outbox] == [["boss@care.example.com"]]

    def test_apologised_in_time_is_no_breach(self, london, agent):
        ticket = open_ticket(priority=2)
        ticket_apologise(ticket=ticket, actor=agent, subject="Sorry", body="Sorry.")
        assert recovery_sweep(now=ticket.apology_due_at + timedelta(minutes=1))["breaches"] == 0


class TestFollowUp:
    @pytest.fixture
    def follow_up_survey(self):
        survey = delivery_survey(purpose="recovery_follow_up", name="Did we make it right?")
        survey.questions.all().delete()
        from surveys.services.building import question_add

        question_add(
            survey=survey,
            kind="single",
            prompt="Did we make it right?",
            choices=["Yes", "Partly", "No"],
        )
        return survey

    def resolve(self, agent):
        ticket = open_ticket()
        ticket = ticket_skip(
            ticket=ticket, actor=staff_user("manager"), step="apologise", reason="On the phone"
        )
        ticket = ticket_skip(
            ticket=ticket, actor=staff_user("manager"), step="reassure", reason="On the phone"
        )
        return ticket_resolve(ticket=ticket, actor=agent, no_restitution_reason="Declined")

    def answer(self, ticket, choice, capture):
        invitation = Invitation.objects.get(pk=ticket.follow_up_id)
        question = invitation.survey.questions.get()
        with capture(execute=True):
            response_submit(
                survey=invitation.survey,
                invitation=invitation,
                answers={question.pk: choice},
                channel="web",
            )

    def test_follow_up_goes_once_after_the_delay_as_a_reply(
        self, follow_up_survey, agent, settings, django_capture_on_commit_callbacks
    ):
        settings.RECOVERY_FOLLOW_UP_DELAY_HOURS = 24
        ticket = self.resolve(agent)
        invitation = ticket.follow_up
        assert invitation.message_kind == "reply" and invitation.survey == follow_up_survey
        with django_capture_on_commit_callbacks(execute=True):
            invitations_send_due(now=timezone.now() + timedelta(hours=23))
        assert mail.outbox == []
        with django_capture_on_commit_callbacks(execute=True):
            invitations_send_due(now=timezone.now() + timedelta(hours=25))
            invitations_send_due(now=timezone.now() + timedelta(days=10))
        assert len(mail.outbox) == 1  # sent despite the open ticket's hold, once, no reminder
        # "Did we make it right?" answers in one click: each option a link that records nothing
        # until the customer presses Send on the page it opens.
        body = mail.outbox[0].body
        for number, option in enumerate(["Yes", "Partly", "No"], start=1):
            assert f"{option}: " in body and f"/s/{invitation.token}/?choice={number}" in body
        recovery_sweep()
        ticket.refresh_from_db()
        assert ticket.state == State.FOLLOW_UP_SENT

    def test_yes_closes_and_marks_the_customer_recovered(
        self, follow_up_survey, agent, django_capture_on_commit_callbacks
    ):
        ticket = self.resolve(agent)
        self.answer(ticket, "Yes", django_capture_on_commit_callbacks)
        ticket.refresh_from_db()
        assert ticket.state == State.CLOSED and ticket.recovered is True
        assert ticket.customer.timeline.filter(kind="ticket.recovered").exists()
        assert not ticket.customer.holds.filter(released_at=None).exists()
        assert Ticket.objects.count() == 1  # the answer joined its ticket, nothing new opened

    @pytest.mark.parametrize("choice", ["No", "Partly"])
    def test_no_reopens_and_tells_the_assignee(
        self, follow_up_survey, agent, choice, django_capture_on_commit_callbacks
    ):
        agent.email = "alex@care.example.com"
        agent.save()
        ticket = self.resolve(agent)
        Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
        self.answer(ticket, choice, django_capture_on_commit_callbacks)
        ticket.refresh_from_db()
        assert ticket.state == State.REOPENED and ticket.recovered is False
        assert any(m.subject == f"Ticket #{ticket.pk}: reopened" for m in mail.outbox)
        assert Ticket.objects.count() == 1

    def test_without_a_follow_up_survey_the_ticket_says_why_none_goes(self, agent, client):
        Survey.objects.filter(purpose="recovery_follow_up").update(status="closed")
        ticket = self.resolve(agent)
        assert ticket.follow_up is None and ticket.state == State.RESOLVED
        event = ticket.events.get(kind="resolved")
        assert "survey is live" in event.payload["follow_up_missing"]
        client.force_login(agent)
        page = client.get(ticket.get_absolute_url()).content.decode()
        assert 'data-testid="no-follow-up-survey"' in page and "Ask a manager" in page
        assert "No follow-up was scheduled when this was resolved." in page
        client.force_login(staff_user("manager"))
        assert 'data-testid="no-follow-up-survey"' in client.get("/staff/").content.decode()

    def test_a_fresh_install_has_a_live_follow_up_survey_managers_can_edit(self, agent):
        from django.apps import apps

        seeding = importlib.import_module("surveys.migrations.0013_recovery_follow_up_survey")
        Survey.objects.filter(purpose="recovery_follow_up").delete()  # a flush may have left one
        seeding.seed(apps, None)
        seeding.seed(apps, None)  # an install that has one keeps it
        survey = Survey.objects.get(purpose="recovery_follow_up")
        assert survey.status == "live"
        assert [q.kind for q in survey.questions.all()] == ["single", "csat", "text"]
        ticket = self.resolve(agent)
        assert ticket.follow_up.survey == survey
        resolved = ticket.events.get(kind="resolved")
        assert resolved.payload["follow_up"] == ticket.follow_up_id
        assert resolved.payload["follow_up_survey"] == "Did we make it right?"
        assert resolved.payload["follow_up_at"] == ticket.follow_up.scheduled_for.isoformat()

    def test_staff_send_the_follow_up_now(
        self, follow_up_survey, agent, client, django_capture_on_commit_callbacks
    ):
        ticket = self.resolve(agent)
        client.force_login(agent)
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(step_url(ticket, "send-follow-up"), {"expected_state": "resolved"})
        assert answer.status_code == 302
        ticket.refresh_from_db()
        assert ticket.state == State.FOLLOW_UP_SENT and ticket.follow_up.status == "sent"
        assert [m.to for m in mail.outbox] == [["ann@example.com"]]
        sent = ticket.events.get(kind="follow_up_sent")
        assert sent.actor == agent
        with django_capture_on_commit_callbacks(execute=True):
            again = client.post(step_url(ticket, "send-follow-up"), {"expected_state": "resolved"})
        assert again.status_code == 409 and len(mail.outbox) == 1

    def test_send_now_schedules_one_when_a_survey_went_live_after_resolving(
        self, agent, api_client, django_capture_on_commit_callbacks
    ):
        Survey.objects.filter(purpose="recovery_follow_up").update(status="closed")
        ticket = self.resolve(agent)
        api_client.force_authenticate(agent)
        refused = api_client.post(f"/api/v1/tickets/{ticket.pk}/send-follow-up/")
        assert refused.status_code == 400 and "survey is live" in refused.json()["detail"]
        survey = delivery_survey(purpose="recovery_follow_up", name="Made right?")
        with django_capture_on_commit_callbacks(execute=True):
            sent = api_client.post(f"/api/v1/tickets/{ticket.pk}/send-follow-up/")
        assert sent.status_code == 200 and sent.json()["state"] == "follow_up_sent"
        ticket.refresh_from_db()
        assert ticket.follow_up.survey == survey and len(mail.outbox) == 1


def test_apology_reaches_a_real_smtp_server(
    agent, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.REPLY_ADDRESS = "care@shop.example"
    ticket = open_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_apologise(
            ticket=ticket,
            actor=agent,
            subject="We are sorry, Ann",
            body="Sorry for the lost parcel.",
        )
    (received,) = smtp_server.messages
    assert received["to"] == ["ann@example.com"]
    assert received["message"]["Subject"] == "We are sorry, Ann"
    text = received["message"].get_content().replace("\r\n", "\n")
    assert text.startswith("Sorry for the lost parcel.\n")
    assert f"Your reference: {ticket.case_number}" in text and f"/case/{ticket.case_token}/" in text
    assert "List-Unsubscribe" not in received["message"]  # a reply, not a solicitation
    sent = Message.objects.get(purpose="ticket.apology")
    assert received["message"]["Message-ID"].strip() == sent.message_id
    assert received["message"]["Reply-To"] == f"care+{sent.reply_key}@shop.example"

"""Staff are told what needs them: in the app (a count in the navigation, a list) and by
e-mail as each person chooses."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from recovery.models import StaffNotice, Team
from recovery.services.assignment import ticket_assign
from recovery.services.follow_up import recovery_sweep
from recovery.services.restitution import restitution_decide, ticket_offer_restitution
from tests.factories import open_ticket, reassured, staff_user

pytestmark = pytest.mark.django_db


def kinds(user):
    return list(StaffNotice.objects.filter(user=user).values_list("kind", flat=True))


def test_a_ticket_given_to_me_shows_in_the_navigation_and_by_email(
    client, manager, django_capture_on_commit_callbacks
):
    alex = staff_user("agent", username="alex", email="alex@care.example")
    ticket = open_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_assign(ticket=ticket, actor=manager, assignee=alex)
        ticket_assign(ticket=ticket, actor=alex, assignee=alex)  # no change, nothing new
    assert kinds(alex) == ["assigned"]
    assert [m.to for m in mail.outbox] == [["alex@care.example"]]
    assert mail.outbox[0].subject == f"Ticket #{ticket.pk}: given to you by {manager.username}"
    client.force_login(alex)
    home = client.get(reverse("staff:home")).content.decode()
    assert 'data-testid="notice-count">Notices <span class="badge text-bg-warning">1</span>' in home
    listing = client.get(reverse("recovery:notices")).content.decode()
    assert f"Ticket #{ticket.pk}</a>: given to you by {manager.username}" in listing
    client.post(reverse("recovery:notices"), {"action": "read"})
    home = client.get(reverse("staff:home")).content.decode()
    assert 'data-testid="notice-count">Notices</a>' in home  # no count once read


def test_each_person_chooses_what_comes_by_email(
    client, manager, django_capture_on_commit_callbacks
):
    alex = staff_user("agent", username="alex", email="alex@care.example")
    client.force_login(alex)
    saved = client.post(
        reverse("recovery:notices"), {"action": "emails", "kinds": ["customer_wrote"]}
    )
    assert saved.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        ticket_assign(ticket=open_ticket(), actor=manager, assignee=alex)
    assert kinds(alex) == ["assigned"] and mail.outbox == []  # in the app only
    bad = client.post(reverse("recovery:notices"), {"action": "emails", "kinds": ["nonsense"]})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()


def test_approvals_go_to_the_teams_manager_and_the_decision_back(
    manager, django_capture_on_commit_callbacks
):
    boss = staff_user("manager", username="boss")
    alex = staff_user("agent", username="alex")
    team = Team.objects.create(name="Couriers", manager=boss, assign_by="nobody")
    ticket = open_ticket(team=team)
    ticket = reassured(ticket, manager)
    restitution = ticket_offer_restitution(
        ticket=ticket,
        actor=alex,
        kind="refund",
        amount="80.00",
        currency="GBP",
        subject="A refund",
        body="We refund you.",
    )
    assert kinds(boss) == ["approval_waiting"] and kinds(manager) == []
    restitution_decide(restitution=restitution, actor=boss, approve=False, reason="Too much")
    (decided,) = StaffNotice.objects.filter(user=alex)
    assert decided.text == "your request for Refund of 80.00 GBP was rejected: Too much"


def test_the_assignee_hears_once_before_an_sla_is_missed(settings):
    settings.SLA_WARNING_MINUTES = 60
    alex = staff_user("agent", username="alex")
    ticket = open_ticket(assignee=alex, priority=4)
    before = ticket.apology_due_at - timedelta(minutes=30)
    assert recovery_sweep(now=ticket.apology_due_at - timedelta(hours=3))["sla_warnings"] == 0
    assert recovery_sweep(now=before)["sla_warnings"] == 1
    assert recovery_sweep(now=before + timedelta(minutes=5))["sla_warnings"] == 0
    (notice,) = StaffNotice.objects.filter(user=alex)
    assert notice.kind == "sla_soon" and notice.text == "the apology is due in 30 minutes"

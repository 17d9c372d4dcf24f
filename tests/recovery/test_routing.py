"""Routing: a new ticket gets a team from the managers' rules and a person within the team,
among those who take tickets now, and the ticket's log says why."""

import pytest
from django.urls import reverse

from feedback_app.customers.services.resolve import customer_resolve
from recovery.models import RoutingRule, Team, Ticket
from recovery.services.routing import availability_set
from recovery.services.tickets import ticket_create
from surveys.models import Topic
from surveys.services.complaints import complaint_submit
from tests.factories import open_ticket, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    delivery, _ = Topic.objects.get_or_create(name="delivery", defaults={"keywords": "parcel"})
    alex, bo, cy = (staff_user("agent", username=name) for name in ("alex", "bo", "cy"))
    couriers = Team.objects.create(name="Couriers", assign_by=Team.AssignBy.ROUND_ROBIN)
    couriers.members.set([alex, bo])
    vip = Team.objects.create(name="VIP desk", assign_by=Team.AssignBy.LEAST_OPEN)
    vip.members.set([bo, cy])
    RoutingRule.objects.create(position=1, value_tier="gold", team=vip)
    RoutingRule.objects.create(position=2, topic=delivery, channel="web", team=couriers)
    return {"couriers": couriers, "vip": vip, "alex": alex, "bo": bo, "cy": cy}


def complain(email, text="My parcel never arrived", channel="web", capture=None):
    with capture(execute=True):
        complaint_submit(text=text, channel=channel, email=email)
    return Ticket.objects.get(customer__identities__normalized=email)


def test_the_first_rule_that_holds_picks_the_team_and_turns_go_round(
    teams, django_capture_on_commit_callbacks
):
    tickets = [
        complain(f"p{n}@example.com", capture=django_capture_on_commit_callbacks) for n in range(3)
    ]
    assert [t.team.name for t in tickets] == ["Couriers"] * 3
    assert [t.assignee.username for t in tickets] == ["alex", "bo", "alex"]
    event = tickets[0].events.get(kind="assigned")
    assert event.payload["reason"] == (
        "routed by rule 2 (topic delivery, channel web) to Couriers; alex: next in turn"
    )


def test_a_gold_customer_goes_to_the_vip_desk_to_whoever_has_least(
    teams, django_capture_on_commit_callbacks
):
    open_ticket(email="x@example.com", assignee=teams["bo"])  # bo already has one open
    gold = customer_resolve(email="gold@example.com").customer
    gold.value_tier = "gold"
    gold.save()
    ticket = complain(
        "gold@example.com", channel="email", capture=django_capture_on_commit_callbacks
    )
    assert ticket.team.name == "VIP desk" and ticket.assignee.username == "cy"
    assert "fewest open tickets (0)" in ticket.events.get(kind="assigned").payload["reason"]


def test_nobody_away_gets_a_ticket_and_no_rule_means_no_routing(
    teams, client, django_capture_on_commit_callbacks
):
    client.force_login(teams["alex"])
    assert client.post(reverse("staff:home"), {"away": "1"}).status_code == 302
    first = complain("p1@example.com", capture=django_capture_on_commit_callbacks)
    second = complain("p2@example.com", capture=django_capture_on_commit_callbacks)
    assert [first.assignee.username, second.assignee.username] == ["bo", "bo"]
    availability_set(user=teams["bo"], away=True)
    third = complain("p3@example.com", capture=django_capture_on_commit_callbacks)
    assert third.team.name == "Couriers" and third.assignee is None
    assert "nobody in the team is available" in third.events.get(kind="assigned").payload["reason"]
    phone = complain("p4@example.com", channel="phone", capture=django_capture_on_commit_callbacks)
    assert phone.team is None and not phone.events.filter(kind="assigned").exists()


def test_a_ticket_opened_for_someone_is_not_routed(teams):
    ann = customer_resolve(email="ann@example.com").customer
    ticket = ticket_create(customer=ann, subject="Call", assignee=teams["cy"], topics=["delivery"])
    assert ticket.assignee == teams["cy"] and ticket.team is None

"""Ticket endpoints: each step its own POST, 409 with the allowed steps, nothing PATCHes a state."""

import pytest

from feedback_app.core.errors import DomainError
from recovery.models import Restitution, State, Ticket
from recovery.services.restitution import ticket_offer_restitution
from recovery.services.workflow import ticket_apologise, ticket_reassure, ticket_skip
from tests.factories import open_ticket, step_url

pytestmark = pytest.mark.django_db
MESSAGE = {"subject": "About your order", "body": "We are sorry."}


@pytest.fixture
def agent_api(api_client, agent):
    api_client.force_authenticate(agent)
    return api_client


def url(ticket, step=""):
    return f"/api/v1/tickets/{ticket.pk}/" + (f"{step}/" if step else "")


def test_open_by_api_and_walk_the_steps(agent_api, manager, api_client):
    created = agent_api.post(
        "/api/v1/tickets/",
        {"customer": {"email": "ann@example.com"}, "subject": "Lamp broken", "priority": 3},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["state"] == "new" and body["allowed_steps"] == ["apologise", "close"]
    ticket = Ticket.objects.get(pk=body["id"])
    assert (
        agent_api.post(url(ticket, "apologise"), MESSAGE, format="json").json()["state"]
        == "apologised"
    )
    reassured = agent_api.post(
        url(ticket, "reassure"),
        {
            **MESSAGE,
            "cause": "Poor packing",
            "corrective_action": "Lamps now ship in foam",
            "new_improvement_title": "Foam for lamps",
        },
        format="json",
    )
    assert reassured.json()["state"] == "reassured"
    pending = agent_api.post(
        url(ticket, "offer-restitution"),
        {**MESSAGE, "kind": "refund", "amount": "80.00", "currency": "GBP"},
        format="json",
    )
    assert pending.status_code == 202 and pending.json()["status"] == "pending"
    restitution = Restitution.objects.get()
    refused = agent_api.post(
        url(ticket, "approve-restitution"),
        {"restitution": restitution.pk, "decision": "approve"},
        format="json",
    )
    assert refused.status_code == 403
    api_client.force_authenticate(manager)
    approved = api_client.post(
        url(ticket, "approve-restitution"),
        {"restitution": restitution.pk, "decision": "approve"},
        format="json",
    )
    assert approved.status_code == 200 and approved.json()["status"] == "granted"
    assert api_client.post(url(ticket, "resolve"), {}, format="json").json()["state"] == "resolved"
    closed = api_client.post(url(ticket, "close"), {}, format="json")
    assert closed.json()["state"] == "closed"
    events = api_client.get("/api/v1/ticket-events/", {"ticket": ticket.pk}).json()
    assert [e["kind"] for e in events["results"]] == [
        "opened",
        "apologised",
        "reassured",
        "restitution_requested",
        "restitution_approved",
        "restitution_offered",
        "resolved",
        "closed",
    ]


def test_illegal_step_is_409_with_the_allowed_steps(agent_api):
    ticket = open_ticket()
    response = agent_api.post(url(ticket, "resolve"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["allowed"] == ["apologise", "close"]
    assert "cannot resolve" in response.json()["detail"]


def test_stale_expected_state_is_409(agent_api, agent):
    ticket = open_ticket()
    agent_api.post(url(ticket, "apologise"), {**MESSAGE, "expected_state": "new"}, format="json")
    again = agent_api.post(
        url(ticket, "apologise"), {**MESSAGE, "expected_state": "new"}, format="json"
    )
    assert again.status_code == 409 and "Someone else changed" in again.json()["detail"]


def test_state_cannot_be_patched(agent_api):
    ticket = open_ticket()
    response = agent_api.patch(url(ticket), {"state": "closed"}, format="json")
    assert response.status_code == 405
    ticket.refresh_from_db()
    assert ticket.state == State.NEW


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"kind": "refund", "amount": "-5", "currency": "GBP"}, "amount"),
        ({"kind": "refund", "amount": "1000000000", "currency": "GBP"}, "amount"),
        ({"kind": "refund", "amount": "5", "currency": "XYZ"}, "currency"),
        ({"kind": "refund", "amount": "five", "currency": "GBP"}, "amount"),
        ({"kind": "bribe", "amount": "5", "currency": "GBP"}, "kind"),
    ],
)
def test_bad_restitution_is_400_and_nothing_changes(agent_api, manager, payload, field):

    ticket = open_ticket()
    ticket_skip(ticket=ticket, actor=manager, step="apologise", reason="phone")
    ticket_skip(ticket=ticket, actor=manager, step="reassure", reason="phone")
    response = agent_api.post(
        url(ticket, "offer-restitution"), {**MESSAGE, **payload}, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    assert not Restitution.objects.exists()
    ticket.refresh_from_db()
    assert ticket.state == State.REASSURED


def test_empty_apology_is_400(agent_api):
    response = agent_api.post(
        url(open_ticket(), "apologise"), {"subject": "s", "body": ""}, format="json"
    )
    assert response.status_code == 400 and "body" in response.json()


def test_lists_filter_and_keep_query_counts_flat(agent_api, django_assert_max_num_queries):
    for n in range(25):
        open_ticket(email=f"c{n}@example.com", priority=n % 4 + 1, topics=["delivery"])
    with django_assert_max_num_queries(8):
        body = agent_api.get("/api/v1/tickets/", {"priority": 4}).json()
    assert body["count"] == 6 and all(t["priority"] == 4 for t in body["results"])
    with django_assert_max_num_queries(8):
        assert agent_api.get("/api/v1/restitutions/").status_code == 200
    with django_assert_max_num_queries(8):
        assert agent_api.get("/api/v1/ticket-events/").json()["count"] == 25


def test_notes_and_assignment(agent_api, agent):
    ticket = open_ticket()
    assert (
        agent_api.post(url(ticket, "notes"), {"text": "Called back"}, format="json").status_code
        == 201
    )
    assigned = agent_api.post(url(ticket, "assign"), {"assignee": agent.username}, format="json")
    assert assigned.json()["assignee"] == agent.username
    assert (
        agent_api.post(url(ticket, "assign"), {"assignee": "nobody"}, format="json").status_code
        == 400
    )


@pytest.mark.parametrize("who", ["integration", "no role", "inactive agent"])
def test_tickets_go_only_to_people_who_work_them(agent_api, django_user_model, who):
    from recovery.services.assignment import ticket_assign
    from tests.factories import staff_user

    ticket = open_ticket()
    if who == "no role":
        user = django_user_model.objects.create_user("roleless", password="pw-roleless-1234")
    else:
        user = staff_user("integration" if who == "integration" else "agent")
        user.is_active = who != "inactive agent"
        user.save()
    refused = agent_api.post(url(ticket, "assign"), {"assignee": user.username}, format="json")
    assert refused.status_code == 400 and "does not work tickets" in refused.json()["assignee"][0]
    ticket.refresh_from_db()
    assert ticket.assignee is None and not ticket.events.filter(kind="assigned").exists()
    with pytest.raises(DomainError):
        ticket_assign(ticket=ticket, actor=None, assignee=user)


def reassured_ticket(agent):
    ticket = open_ticket()
    ticket_apologise(ticket=ticket, actor=agent, **MESSAGE)
    return ticket_reassure(
        ticket=ticket,
        actor=agent,
        cause="Packing",
        corrective_action="Foam",
        new_improvement_title="Foam for lamps",
        **MESSAGE,
    )


def test_a_pending_restitution_blocks_resolving_until_withdrawn(agent_api, agent):
    ticket = reassured_ticket(agent)
    pending = agent_api.post(
        url(ticket, "offer-restitution"),
        {**MESSAGE, "kind": "refund", "amount": "80.00", "currency": "GBP"},
        format="json",
    )
    assert pending.status_code == 202
    refused = agent_api.post(url(ticket, "resolve"), {"no_restitution_reason": "x"}, format="json")
    assert refused.status_code == 409 and "withdrawn" in refused.json()["detail"]
    withdrawn = agent_api.post(
        url(ticket, "withdraw-restitution"),
        {"restitution": pending.json()["id"], "reason": "Customer chose a replacement"},
        format="json",
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = agent_api.post(
        url(ticket, "withdraw-restitution"), {"restitution": pending.json()["id"]}, format="json"
    )
    assert again.status_code == 409
    resolved = agent_api.post(url(ticket, "resolve"), {"no_restitution_reason": "x"}, format="json")
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"


def test_the_ticket_page_withdraws_a_pending_request(agent_client, agent):
    ticket = reassured_ticket(agent)
    pending = ticket_offer_restitution(
        ticket=ticket, actor=agent, kind="refund", amount="80", currency="GBP", **MESSAGE
    )
    page = agent_client.get(ticket.get_absolute_url()).content.decode()
    assert "Withdraw the request" in page
    agent_client.post(
        step_url(ticket, "withdraw-restitution"),
        {"restitution": pending.pk, "reason": "Declined"},
    )
    pending.refresh_from_db()
    assert pending.status == "withdrawn" and pending.decision_reason == "Declined"

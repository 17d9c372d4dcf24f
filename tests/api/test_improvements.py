"""Improvement endpoints: CRUD, link (with preview), ship, decline, deliveries."""

import pytest
from django.core import mail

from recovery.models import Improvement, Ticket
from recovery.services.workflow import ticket_close
from surveys.services.complaints import complaint_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_api(api_client, manager):
    api_client.force_authenticate(manager)
    return api_client


@pytest.fixture
def complaints(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = [
            complaint_submit(
                text=f"My parcel {n} arrived damaged", channel="web", email=f"p{n}@example.com"
            ).complaint
            for n in range(3)
        ]
    for ticket in Ticket.objects.all():
        ticket_close(ticket=ticket, actor=None, reason="Handled")
    return made


def test_create_link_preview_ship_and_deliveries(
    manager_api, complaints, django_capture_on_commit_callbacks
):
    created = manager_api.post(
        "/api/v1/improvements/",
        {"title": "Sturdier boxes", "topics": ["delivery"], "status": "planned"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    preview = manager_api.post(
        f"/api/v1/improvements/{pk}/link/", {"topic": "delivery", "preview": True}, format="json"
    )
    assert preview.json() == {"responses": 0, "complaints": 3, "customers": 3}
    assert Improvement.objects.get(pk=pk).links.count() == 0
    linked = manager_api.post(
        f"/api/v1/improvements/{pk}/link/", {"topic": "delivery"}, format="json"
    )
    assert linked.json()["complaints"] == 3
    no_text = manager_api.post(f"/api/v1/improvements/{pk}/ship/", {}, format="json")
    assert no_text.status_code == 400 and "customer_text" in no_text.json()
    with django_capture_on_commit_callbacks(execute=True):
        shipped = manager_api.post(
            f"/api/v1/improvements/{pk}/ship/",
            {"customer_text": "Boxes are now double-walled."},
            format="json",
        )
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    again = manager_api.post(f"/api/v1/improvements/{pk}/ship/", {}, format="json")
    assert again.status_code == 409
    assert len([m for m in mail.outbox if m.subject.startswith("You said, we did")]) == 3
    deliveries = manager_api.get(f"/api/v1/improvements/{pk}/deliveries/").json()
    assert deliveries["count"] == 3 and {d["delivery"] for d in deliveries["results"]} == {"sent"}
    counts = manager_api.get(f"/api/v1/improvements/{pk}/").json()
    assert (counts["link_count"], counts["notice_count"]) == (3, 3)  # three told


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"complaints": [999999]}, "complaints"),
        ({"tickets": ["abc"]}, "tickets"),
        ({"topic": "no-such-topic"}, "topic"),
        ({}, "detail"),
        ({"topic": "delivery", "days": 0}, "days"),
    ],
)
def test_bad_links_are_400_and_link_nothing(manager_api, complaints, payload, field):
    pk = manager_api.post("/api/v1/improvements/", {"title": "X"}, format="json").json()["id"]
    response = manager_api.post(f"/api/v1/improvements/{pk}/link/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Improvement.objects.get(pk=pk).links.count() == 0


def test_status_shipped_cannot_be_set_by_patch(manager_api):
    pk = manager_api.post("/api/v1/improvements/", {"title": "X"}, format="json").json()["id"]
    response = manager_api.patch(
        f"/api/v1/improvements/{pk}/", {"status": "shipped"}, format="json"
    )
    assert response.status_code == 400 and Improvement.objects.get(pk=pk).status == "proposed"


def test_agent_may_not_ship(api_client, agent, manager_api):
    pk = manager_api.post(
        "/api/v1/improvements/", {"title": "X", "customer_text": "Y"}, format="json"
    ).json()["id"]
    api_client.force_authenticate(agent)
    assert api_client.post(f"/api/v1/improvements/{pk}/ship/", {}, format="json").status_code == 403


def test_list_query_count(manager_api, django_assert_max_num_queries):
    for n in range(15):
        manager_api.post(
            "/api/v1/improvements/",
            {"title": f"I{n}", "topics": ["delivery", "billing"]},
            format="json",
        )
    with django_assert_max_num_queries(8):
        assert manager_api.get("/api/v1/improvements/").json()["count"] == 15

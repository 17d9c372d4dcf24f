"""Each API client is on its own: its idempotency keys and event ids are its own, and an
integration reads back only what it sent itself (staff read everything)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from surveys.models import Complaint, Event, Response
from tests.factories import delivery_survey, staff_user

pytestmark = pytest.mark.django_db


def client_for(role: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user(role))
    return client


def complaint(client, key="order-77", text="The lamp arrived broken."):
    return client.post(
        "/api/v1/complaints/",
        {"text": text, "customer": {"email": "ann@example.com"}, "idempotency_key": key},
        format="json",
    )


def test_two_clients_with_the_same_key_file_two_complaints_and_each_replays_its_own():
    shop, call_centre = client_for("integration"), client_for("integration")
    first = complaint(shop, text="Broken lamp.")
    second = complaint(call_centre, text="Nobody called back.")
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert Complaint.objects.count() == 2
    replay = complaint(call_centre, text="anything")
    assert replay.status_code == 200 and replay.json()["id"] == second.json()["id"]
    assert replay.json()["text"] == "Nobody called back."


def test_an_integration_reads_back_only_what_it_sent():
    shop, other, agent = client_for("integration"), client_for("integration"), client_for("agent")
    mine = complaint(shop).json()["id"]
    theirs = complaint(other).json()["id"]
    assert [c["id"] for c in shop.get("/api/v1/complaints/").json()["results"]] == [mine]
    assert shop.get(f"/api/v1/complaints/{theirs}/").status_code == 404
    assert shop.get(f"/api/v1/complaints/{mine}/").status_code == 200
    assert {c["id"] for c in agent.get("/api/v1/complaints/").json()["results"]} == {mine, theirs}


def test_responses_are_scoped_the_same_way():
    survey = delivery_survey()
    question = survey.questions.order_by("position").first()
    payload = {
        "survey": survey.pk,
        "answers": [{"question": question.pk, "value": 4}],
        "idempotency_key": "till-3-receipt-88",
    }
    shop, other = client_for("integration"), client_for("integration")
    mine = shop.post("/api/v1/responses/", payload, format="json")
    theirs = other.post("/api/v1/responses/", payload, format="json")
    assert mine.status_code == 201 and theirs.status_code == 201
    assert Response.objects.count() == 2
    assert other.get(f"/api/v1/responses/{mine.json()['id']}/").status_code == 404
    assert [r["id"] for r in shop.get("/api/v1/responses/").json()["results"]] == [
        mine.json()["id"]
    ]


def test_event_ids_are_per_client_and_shown_as_sent():
    event = {
        "event_type": "order.delivered",
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "customer": {"email": "ann@example.com"},
        "event_id": "evt-1",
    }
    shop, other = client_for("integration"), client_for("integration")
    first = shop.post("/api/v1/events/", event, format="json")
    second = other.post("/api/v1/events/", event, format="json")
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["external_id"] == "evt-1" and Event.objects.count() == 2
    assert shop.post("/api/v1/events/", event, format="json").status_code == 200
    assert Event.objects.count() == 2
    assert other.get(f"/api/v1/events/{first.json()['id']}/").status_code == 404

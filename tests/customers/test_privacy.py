"""Everything we hold on one customer, as JSON: their records, and nobody else's."""

import json

import pytest
from django.urls import reverse

from feedback_app.customers.privacy import customer_export
from feedback_app.customers.services.resolve import customer_resolve
from recovery.services.tickets import ticket_create
from recovery.services.workflow import ticket_apologise, ticket_close
from surveys.services.complaints import complaint_submit
from surveys.services.responses import response_submit
from tests.factories import delivery_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(manager):
    ann = customer_resolve(
        email="ann@example.com", phone="020 7946 0958", full_name="Ann Lee"
    ).customer
    survey = delivery_survey()
    nps = survey.questions.get(kind="nps")
    text = survey.questions.get(kind="text")
    response_submit(
        survey=survey, customer=ann, channel="web", answers={nps.pk: 4, text.pk: "Parcel was late"}
    )
    complaint_submit(text="Box crushed", channel="email", email="ann@example.com")
    ticket = ticket_create(customer=ann, subject="Box crushed", actor=manager)
    ticket_apologise(ticket=ticket, actor=manager, subject="Sorry", body="We are sorry, Ann.")
    bob = customer_resolve(email="bob@example.com", full_name="Bob Stone").customer
    complaint_submit(text="Bob's own complaint", channel="web", email="bob@example.com")
    ticket_create(customer=bob, subject="Bob's ticket", actor=manager)
    return ann


def test_export_holds_every_record_of_the_customer_and_no_one_elses(ann):
    document = customer_export(customer=ann)
    records = document["records"]
    assert document["customer"]["full_name"] == "Ann Lee"
    assert {i["normalized"] for i in records["customers.Identity"]} == {
        "ann@example.com",
        "+442079460958",
    }
    assert records["surveys.Complaint"][0]["text"] == "Box crushed"
    assert {a["text"] for a in records["surveys.Answer"]} >= {"Parcel was late"}
    assert any(e["kind"] == "apologised" for e in records["recovery.TicketEvent"])
    assert any(
        m["body_text"].startswith("We are sorry, Ann.") for m in records["customers.Message"]
    )
    assert records["customers.TimelineEntry"]
    text = json.dumps(document, default=str)
    assert "Bob" not in text and "bob@example.com" not in text


def test_managers_download_it_agents_may_not(manager_client, ann, api_client, agent):
    response = manager_client.get(reverse("customers:export", args=[ann.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["customer"]["id"] == ann.pk
    api_client.force_authenticate(agent)
    assert api_client.get(f"/api/v1/customers/{ann.pk}/export/").status_code == 403


class TestErase:
    def close_tickets(self, manager):
        from recovery.models import Ticket

        for ticket in Ticket.objects.exclude(state="closed"):
            ticket_close(ticket=ticket, actor=manager, reason="Done")

    def test_an_open_case_blocks_erasure(self, ann):
        from feedback_app.core.errors import Conflict
        from feedback_app.customers.privacy import customer_erase

        with pytest.raises(Conflict, match="open recovery case"):
            customer_erase(customer=ann)

    def test_erasure_removes_who_they_are_and_what_they_wrote_and_keeps_the_figures(
        self, ann, manager
    ):
        from feedback_app.customers.privacy import ERASED, customer_erase
        from surveys.models import Answer, Complaint, Response

        self.close_tickets(manager)
        customer_erase(customer=ann, actor=manager, reason="The customer asked")
        ann.refresh_from_db()
        assert ann.full_name == "" and ann.erased_at is not None and not ann.identities.exists()
        document = json.dumps(customer_export(customer=ann), default=str)
        for personal in (
            "Ann Lee",
            "ann@example.com",
            "+442079460958",
            "Parcel was late",
            "Box crushed",
            "We are sorry",
        ):
            assert personal not in document, personal
        # what the reports count is still there
        assert Response.objects.filter(customer=ann).count() == 1
        assert Answer.objects.get(response__customer=ann, question__kind="nps").number == 4
        assert Complaint.objects.get(customer=ann).text == ERASED
        # and nobody else was touched
        assert Complaint.objects.get(text="Bob's own complaint")
        # never contacted again
        assert not ann.preferences.filter(allow_contact=True).exists()

    def test_page_and_retention(self, ann, manager, manager_client, settings):
        from datetime import timedelta

        from django.utils import timezone

        from feedback_app.customers.models import TimelineEntry
        from feedback_app.customers.privacy import customers_erase_inactive

        self.close_tickets(manager)
        settings.PERSONAL_DATA_RETENTION_MONTHS = 0
        assert customers_erase_inactive() == 0
        settings.PERSONAL_DATA_RETENTION_MONTHS = 24
        assert customers_erase_inactive() == 0  # everyone was active just now
        TimelineEntry.objects.filter(customer=ann).update(
            occurred_at=timezone.now() - timedelta(days=800)
        )
        assert customers_erase_inactive() == 1
        ann.refresh_from_db()
        assert ann.erased_at is not None
        bob = customer_resolve(email="bob@example.com").customer
        refused = manager_client.post(reverse("customers:erase", args=[bob.pk]), {"reason": ""})
        assert refused.status_code == 302
        bob.refresh_from_db()
        assert bob.erased_at is None
        manager_client.post(reverse("customers:erase", args=[bob.pk]), {"reason": "Asked by phone"})
        bob.refresh_from_db()
        assert bob.erased_at is not None and bob.full_name == ""

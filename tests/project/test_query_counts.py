"""Every list page and list endpoint runs the same number of queries however many rows it shows:
a page that queries once per row fails here, long before it is slow in production."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recovery.services.improvements import improvement_link, improvement_save
from recovery.services.restitution import ticket_offer_restitution
from recovery.services.workflow import ticket_apologise, ticket_reassure
from surveys.models import ImportJob
from surveys.services.complaints import complaint_submit
from surveys.services.invitations import event_record
from surveys.services.responses import response_submit
from tests.factories import TriggerRuleFactory, delivery_survey, staff_user

pytestmark = pytest.mark.django_db

PAGES = [
    ("staff:home", []),
    ("customers:list", []),
    ("surveys:list", []),
    ("surveys:feedback", []),
    ("surveys:imports", []),
    ("surveys:rules", []),
    ("recovery:queue", []),
    ("recovery:approvals", []),
    ("recovery:improvements", []),
    ("recovery:settings", []),
]
ENDPOINTS = [
    "customers",
    "events",
    "surveys",
    "trigger-rules",
    "invitations",
    "responses",
    "complaints",
    "tickets",
    "ticket-events",
    "restitutions",
    "improvements",
]


class World:
    """Adds one of everything a list shows, through the services, each time it is called."""

    def __init__(self, manager, capture):
        self.manager, self.capture, self.n = manager, capture, 0
        self.agent = staff_user("agent")
        self.survey = delivery_survey()
        self.nps = self.survey.questions.get(kind="nps")

    def add(self):
        self.n += 1
        n, email = self.n, f"person{self.n}@example.com"
        with self.capture(execute=True):  # triage runs after commit, opening the tickets
            complaint = complaint_submit(
                text="The parcel never arrived and nobody answers.",
                channel="email",
                email=email,
                reference=f"R{n}",
            ).complaint
            event_record(event_type="order.delivered", email=email, occurred_at=timezone.now())
            response_submit(
                survey=self.survey,
                customer=complaint.customer,
                channel="web",
                answers={self.nps.pk: 2},
            )
        ticket = complaint.customer.tickets.get()
        ticket_apologise(ticket=ticket, actor=self.agent, subject="Sorry", body="Sorry.")
        ticket_reassure(
            ticket=ticket,
            actor=self.agent,
            subject="Fixed",
            body="We changed couriers.",
            cause="Courier",
            corrective_action="New courier",
            new_improvement_title=f"Courier review {n}",
        )
        ticket_offer_restitution(
            ticket=ticket,
            actor=self.agent,
            kind="refund",
            amount="900.00",
            currency="GBP",
            subject="Refund",
            body="A refund.",
        )
        improvement = improvement_save(actor=self.manager, title=f"Better couriers {n}")
        improvement_link(improvement=improvement, actor=self.manager, complaints=[complaint.pk])
        ImportJob.objects.create(kind="complaints", filename=f"shop-{n}.csv")
        TriggerRuleFactory(survey=self.survey, event_type=f"order.event{n}")


@pytest.fixture
def world(manager, django_capture_on_commit_callbacks):
    return World(manager, django_capture_on_commit_callbacks)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


CASES = [("page", reverse_args) for reverse_args in PAGES] + [("api", e) for e in ENDPOINTS]


@pytest.mark.parametrize(("kind", "target"), CASES, ids=lambda value: str(value))
def test_list_runs_the_same_queries_for_more_rows(client, api_client, manager, world, kind, target):
    if kind == "page":
        client.force_login(manager)
        url = reverse(target[0], args=target[1])
    else:
        client, url = api_client, f"/api/v1/{target}/"

    def count() -> int:
        if kind == "api":
            # A fresh user object per request, as a real one is: no roles cached from before.
            api_client.force_authenticate(type(manager).objects.get(pk=manager.pk))
        return queries(client, url)

    world.add()
    few = count()
    for _ in range(3):
        world.add()
    assert count() == few

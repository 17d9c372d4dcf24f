"""Every staff list page and the public "we did" page cost the same number of queries whether
they list a few rows or many (the queue, the ticket page, customers, feedback, surveys and the
dashboards have their own tests next to their pages)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recovery.models import Restitution
from recovery.services.improvements import improvement_link, improvement_save, improvement_ship
from surveys.models import ImportJob, ImportRejection, Topic
from surveys.services.invitations import invitation_create
from tests.factories import (
    CustomerWithEmailFactory,
    TriggerRuleFactory,
    delivery_survey,
    open_ticket,
)

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def same_for_few_and_many(client, url, add, few=2, many=12) -> None:
    for n in range(few):
        add(n)
    before = queries(client, url)
    for n in range(few, many):
        add(n)
    assert queries(client, url) == before


def test_trigger_rules(agent_client):
    survey = delivery_survey()
    same_for_few_and_many(
        agent_client,
        reverse("surveys:rules"),
        lambda n: TriggerRuleFactory(survey=survey, event_type=f"order.step_{n}"),
    )


def test_imports_and_an_import_with_its_rejections(manager_client, manager):
    survey = delivery_survey()

    def add(n):
        job = ImportJob.objects.create(
            kind="responses", survey=survey, filename=f"shop-{n}.csv", created_by=manager
        )
        ImportRejection.objects.create(job=first, row=n + 2, reason=f"q1: row {n} is wrong")
        return job

    first = ImportJob.objects.create(kind="events", filename="orders.csv", created_by=manager)
    same_for_few_and_many(manager_client, reverse("surveys:imports"), add)
    same_for_few_and_many(manager_client, first.get_absolute_url(), add, few=14, many=40)


def test_approvals(manager_client, manager):
    def add(n):
        ticket = open_ticket(email=f"c{n}@example.com", topics=["delivery"])
        Restitution.objects.create(
            ticket=ticket,
            kind="refund",
            amount="75.00",
            currency="GBP",
            status=Restitution.Status.PENDING,
        )

    same_for_few_and_many(manager_client, reverse("recovery:approvals"), add)


def test_improvements_and_the_public_we_did_page(manager_client, manager, client):
    delivery, _ = Topic.objects.get_or_create(name="delivery")
    billing, _ = Topic.objects.get_or_create(name="billing")

    def add(n):
        improvement = improvement_save(
            actor=manager,
            title=f"Improvement {n}",
            customer_text=f"We changed thing {n}.",
            topics=[delivery, billing],
        )
        ticket = open_ticket(email=f"c{n}@example.com", topics=["delivery"])
        improvement_link(improvement=improvement, actor=manager, tickets=[ticket.pk])
        improvement_ship(improvement=improvement, actor=manager)

    same_for_few_and_many(manager_client, reverse("recovery:improvements"), add)
    same_for_few_and_many(client, reverse("we-did"), add, few=12, many=20)


def test_a_surveys_invitations(agent_client):
    survey = delivery_survey()
    same_for_few_and_many(
        agent_client,
        reverse("surveys:detail", args=[survey.pk]) + "?tab=invitations",
        lambda n: invitation_create(survey=survey, customer=CustomerWithEmailFactory()),
    )

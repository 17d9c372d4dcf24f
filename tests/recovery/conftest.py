"""Fixtures of the recovery tests: a small hand-built data set for the reports, where every
right answer is known."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback_app.customers.services.profile import customer_update
from feedback_app.customers.services.resolve import customer_resolve
from recovery.services.follow_up import follow_up_answered
from recovery.services.restitution import ticket_offer_restitution
from recovery.services.tickets import ticket_create
from recovery.services.workflow import ticket_apologise, ticket_reassure, ticket_resolve
from surveys.services.building import question_add, survey_create, survey_publish
from surveys.services.invitations import event_record
from surveys.services.responses import response_submit

DAY = timedelta(days=1)


@pytest.fixture
def data(manager):
    now = timezone.now()
    ann = customer_resolve(email="ann@example.com", full_name="Ann Lee").customer
    customer_update(customer=ann, region="North", value_tier="gold")
    bob = customer_resolve(email="bob@example.com", full_name="Bob Stone").customer
    customer_update(customer=bob, region="South", value_tier="standard")
    survey = survey_create(name="After delivery", purpose="after_delivery")
    for kind in ("nps", "csat", "ces"):
        question_add(survey=survey, kind=kind, prompt=kind, required=False)
    survey_publish(survey=survey)
    q = {question.kind: question.pk for question in survey.questions.all()}
    response_submit(
        survey=survey,
        customer=ann,
        channel="web",
        submitted_at=now - 20 * DAY,
        answers={q["nps"]: 10, q["csat"]: 5, q["ces"]: 7},
    )
    response_submit(
        survey=survey,
        customer=bob,
        channel="email",
        submitted_at=now - 20 * DAY,
        answers={q["nps"]: 3, q["csat"]: 2, q["ces"]: 2},
    )
    response_submit(
        survey=survey,
        customer=ann,
        channel="web",
        submitted_at=now - 5 * DAY,
        answers={q["nps"]: 8},
    )

    recovered = ticket_create(customer=bob, subject="Late parcel", priority=3, actor=manager)
    ticket_apologise(ticket=recovered, actor=manager, subject="Sorry", body="Sorry.")
    ticket_reassure(
        ticket=recovered,
        actor=manager,
        subject="Fixed",
        body="Fixed.",
        cause="c",
        corrective_action="a",
        new_improvement_title="Better couriers",
    )
    ticket_offer_restitution(
        ticket=recovered,
        actor=manager,
        kind="refund",
        amount="20.00",
        currency="GBP",
        subject="Refund",
        body="Refund.",
    )
    ticket_resolve(ticket=recovered, actor=manager)
    follow_up_answered(ticket=recovered, recovered=True, response_id=0)
    # Bob orders again the day after his ticket opened: he came back.
    event_record(
        event_type="order.delivered",
        email="bob@example.com",
        occurred_at=now + DAY,
        now=now + 2 * DAY,
    )
    still_open = ticket_create(customer=ann, subject="Rude driver", priority=2, actor=manager)
    ticket_apologise(ticket=still_open, actor=manager, subject="Sorry", body="Sorry.")
    return {"ann": ann, "bob": bob, "survey": survey}

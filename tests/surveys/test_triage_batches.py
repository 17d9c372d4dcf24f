"""Triage in batches: a batch of stored feedback is read at once, stored with bulk statements and
ticketed in bulk, with the same outcome as one item at a time (one ticket per incident, the
same log, holds, timeline and day tables), in a number of statements that does not grow with
the batch."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback_app.core.background import run_item_tasks
from feedback_app.customers.models import ContactHold, TimelineEntry
from feedback_app.customers.services.resolve import customer_resolve
from recovery.models import RoutingRule, Team, Ticket, TicketEvent
from surveys.models import Complaint, Response, Topic
from surveys.services.complaints import complaint_submit
from surveys.services.responses import response_submit
from surveys.services.rollups import rollups_rebuild
from surveys.services.triage import items_triage, triage_response
from tests.factories import delivery_survey, open_ticket, staff_user
from tests.surveys.test_rollups import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return delivery_survey()


def stored(survey, email: str | None, nps: int, text: str = "") -> Response:
    """A stored answer not yet triaged (its task is queued after a commit that never comes)."""
    questions = {q.kind: q.pk for q in survey.questions.all()}
    answers = {questions["nps"]: nps, **({questions["text"]: text} if text else {})}
    customer = customer_resolve(email=email).customer if email else None
    return response_submit(
        survey=survey, answers=answers, channel="web", customer=customer
    ).response


def test_a_batch_opens_one_ticket_per_incident_as_one_by_one_would(survey):
    late = [stored(survey, f"c{n}@example.com", 2, "The parcel never arrived") for n in range(4)]
    happy = stored(survey, "happy@example.com", 10, "Lovely, on time")
    anonymous = stored(survey, None, 0, "Awful")
    twice = [stored(survey, "twice@example.com", n, "Late again, the courier lied") for n in (1, 3)]
    held = open_ticket(email="held@example.com")
    joins = stored(survey, "held@example.com", 4, "Still waiting for my refund")

    items = [*late, happy, anonymous, *twice, joins]
    done = items_triage(Response, [r.pk for r in items])

    assert [t.item.pk for t in done] == sorted(r.pk for r in items)
    assert Response.objects.filter(triaged_at__isnull=True).count() == 0
    # four new incidents, one for the customer who wrote twice; the held customer's joins theirs
    assert Ticket.objects.count() == 1 + 4 + 1
    for response in late:
        ticket = Ticket.objects.get(items__response=response)
        assert ticket.customer_id == response.customer_id and ticket.state == "new"
        assert ticket.subject == "The parcel never arrived"
        assert ticket.apology_due_at and ticket.resolution_due_at
        assert ticket.main_topic.name == "delivery"
        assert list(ticket.topics.values_list("name", flat=True)) == ["delivery"]
        assert list(ticket.events.values_list("kind", flat=True)) == ["opened"]
        assert ticket.events.get().payload == {
            "priority": ticket.priority,
            "item": {"type": "response", "id": response.pk},
        }
        assert ContactHold.objects.get(customer=response.customer).reference == (
            f"recovery.ticket:{ticket.pk}"
        )
        assert list(
            TimelineEntry.objects.filter(customer=response.customer)
            .filter(kind__in=("hold.placed", "ticket.opened"))
            .order_by("pk")
            .values_list("kind", flat=True)
        ) == ["hold.placed", "ticket.opened"]
    both = Ticket.objects.get(customer=twice[0].customer)
    assert set(both.items.values_list("response", flat=True)) == {r.pk for r in twice}
    assert list(both.events.values_list("kind", flat=True)) == ["opened", "item_attached"]
    assert Ticket.objects.get(items__response=joins) == held
    assert not Ticket.objects.filter(items__response__in=[happy, anonymous]).exists()


def test_a_batch_triaged_again_changes_nothing(survey):
    items = [stored(survey, f"c{n}@example.com", n, "Late and rude") for n in range(6)]
    items_triage(Response, [r.pk for r in items])
    counts = (Ticket.objects.count(), TicketEvent.objects.count(), TimelineEntry.objects.count())
    kept = snapshot()
    items_triage(Response, [r.pk for r in items])
    assert (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        TimelineEntry.objects.count(),
    ) == counts
    assert snapshot() == kept
    rollups_rebuild()
    assert snapshot() == kept


def test_a_batchs_day_tables_match_a_rebuild_when_topics_change(survey):
    items = [stored(survey, f"c{n}@example.com", 3 + n, "The parcel was late") for n in range(5)]
    items_triage(Response, [r.pk for r in items])
    Topic.objects.filter(name="delivery").update(active=False)  # the vocabulary changes
    items_triage(Response, [r.pk for r in items])
    assert not Response.objects.filter(topics__name="delivery").exists()
    kept = snapshot()
    rollups_rebuild()
    assert snapshot() == kept


def test_statements_do_not_grow_with_the_batch(survey):
    def statements(count: int, start: int) -> int:
        items = [
            stored(survey, f"s{start + n}@example.com", 1, "Never arrived, no refund")
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as queries:
            items_triage(Response, [r.pk for r in items])
        assert Ticket.objects.filter(items__response__in=items).count() == count
        return len(queries)

    statements(1, 0)  # what a process reads once (the topics' vocabulary, content types)
    small, large = statements(3, 10), statements(30, 100)
    assert large == small
    # Two of them read again inside the transaction what was built on before it (the items'
    # state, the customers' open tickets), one looks for the new case numbers among those held;
    # the batch's surveys and questions are read once each, not joined to every response.
    assert large <= 32


def test_routing_rules_apply_to_tickets_opened_in_bulk(survey):
    team = Team.objects.create(name="Couriers", assign_by=Team.AssignBy.ROUND_ROBIN)
    agents = [staff_user("agent", username=name) for name in ("amy", "ben")]
    team.members.add(*agents)
    RoutingRule.objects.create(position=1, topic=Topic.objects.get(name="delivery"), team=team)
    items = [stored(survey, f"r{n}@example.com", 2, "Parcel never arrived") for n in range(2)]
    other = stored(survey, "other@example.com", 2, "Rude staff on the phone")
    items_triage(Response, [r.pk for r in [*items, other]])
    routed = Ticket.objects.filter(items__response__in=items).order_by("pk")
    assert [t.team for t in routed] == [team, team]
    assert sorted(t.assignee.username for t in routed) == ["amy", "ben"]
    assert Ticket.objects.get(items__response=other).team is None


def test_a_batch_shares_tickets_out_as_one_at_a_time_would(survey):
    from recovery.models import StaffNotice

    team = Team.objects.create(name="Desk", assign_by=Team.AssignBy.LEAST_OPEN)
    amy, ben = staff_user("agent", username="amy"), staff_user("agent", username="ben")
    team.members.add(amy, ben)
    RoutingRule.objects.create(position=1, team=team)  # every ticket
    open_ticket(email="busy@example.com", assignee=amy, team=team)  # amy has one already
    items = [stored(survey, f"l{n}@example.com", 1, "Never arrived") for n in range(5)]
    items_triage(Response, [r.pk for r in items])
    opened = Ticket.objects.filter(items__response__in=items)
    assert sorted(opened.values_list("assignee__username", flat=True)) == [
        "amy",
        "amy",
        "ben",
        "ben",
        "ben",
    ]
    assert StaffNotice.objects.filter(kind="assigned").count() == 5
    for ticket in opened:
        (event,) = ticket.events.filter(kind="assigned")
        assert event.payload["team"] == "Desk" and "fewest open tickets" in event.payload["reason"]


def test_complaints_in_a_batch_are_each_acknowledged():
    complaints = [
        complaint_submit(
            text="My refund never came", channel="api", email=f"k{n}@example.com"
        ).complaint
        for n in range(3)
    ]
    items_triage(Complaint, [c.pk for c in complaints])
    for complaint in complaints:
        ticket = Ticket.objects.get(items__complaint=complaint)
        assert ticket.case_number == complaint.case_number
        assert list(ticket.events.values_list("kind", flat=True)) == ["opened", "acknowledged"]


def test_a_batch_task_with_a_bad_item_still_triages_the_others(survey, triage_fails_for):
    items = [stored(survey, f"b{n}@example.com", 2, "Never arrived") for n in range(3)]
    triage_fails_for(items[1].pk)
    with pytest.raises(RuntimeError, match="1 of 3 item tasks failed"):
        run_item_tasks([(triage_response, [r.pk]) for r in items])
    assert set(Response.objects.filter(triaged_at__isnull=False).values_list("pk", flat=True)) == {
        items[0].pk,
        items[2].pk,
    }
    assert Ticket.objects.count() == 2


@pytest.fixture
def meanwhile():
    """Run `act` once between a batch's building and its transaction (after recovery built its
    tickets), as another worker would."""
    from feedback_app.core.signals import feedback_triaging

    acts = []

    def receiver(sender, **kwargs):
        while acts:
            acts.pop()()

    feedback_triaging.connect(receiver, dispatch_uid="tests.meanwhile")
    yield acts.append
    feedback_triaging.disconnect(dispatch_uid="tests.meanwhile")


def test_an_item_triaged_by_another_worker_meanwhile_is_moved_not_added(survey, meanwhile):
    items = [stored(survey, f"m{n}@example.com", 1, "Never arrived, no refund") for n in range(3)]
    first = items[0]
    meanwhile(lambda: items_triage(Response, [first.pk]))
    done = items_triage(Response, [r.pk for r in items])
    assert len(done) == 3 and done[0].was == "negative"  # built again on the other's result
    assert Ticket.objects.count() == 3
    assert Ticket.objects.get(items__response=first).events.filter(kind="opened").count() == 1
    kept = snapshot()
    rollups_rebuild()
    assert snapshot() == kept


def test_a_ticket_opened_meanwhile_takes_the_item_built_for_a_new_one(survey, meanwhile):
    items = [stored(survey, f"n{n}@example.com", 1, "Never arrived, no refund") for n in range(2)]
    opened = []
    meanwhile(lambda: opened.append(open_ticket(email="n0@example.com")))
    items_triage(Response, [r.pk for r in items])
    assert Ticket.objects.get(items__response=items[0]) == opened[0]
    assert Ticket.objects.filter(customer=items[0].customer).count() == 1
    assert Ticket.objects.get(items__response=items[1]).customer == items[1].customer
    assert ContactHold.objects.filter(customer=items[0].customer).count() == 1


def test_what_names_a_ticket_opened_in_a_batch_is_what_one_opened_alone_says(survey):
    """The batch makes the hold and the timeline entries before its transaction, with the
    ticket's number filled in once the ticket is written: the same words, stored phrases and
    links as a ticket opened by hand, read in any language."""
    from django.utils import translation

    from feedback_app.core.phrases import phrase_text
    from recovery.services.tickets import ticket_create

    [response] = [stored(survey, "batch@example.com", 1, "Never arrived, no refund")]
    items_triage(Response, [response.pk])
    batch = Ticket.objects.get(items__response=response)
    alone = ticket_create(
        customer=customer_resolve(email="alone@example.com").customer,
        subject="By hand",
        priority=batch.priority,
    )

    def said(ticket):
        hold = ContactHold.objects.get(customer=ticket.customer)
        entries = {
            e.kind: e
            for e in TimelineEntry.objects.filter(
                customer=ticket.customer, kind__in=("hold.placed", "ticket.opened")
            )
        }
        number = str(ticket.pk)
        words = [hold.reference, hold.reason] + [
            entries[kind].title for kind in ("hold.placed", "ticket.opened")
        ]
        assert all(number in text and "\x00" not in text for text in words)
        assert entries["ticket.opened"].subject_id == ticket.pk
        data = [entries[kind].data["title"] for kind in ("hold.placed", "ticket.opened")]
        with translation.override("de"):
            german = [phrase_text(stored) for stored in data]
        return [text.replace(number, "N") for text in words + german], str(data).replace(
            number, "N"
        )

    assert said(batch) == said(alone)

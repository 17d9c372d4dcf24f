"""Case numbers are unique among tickets and complaints, whatever the 35 random bits say: a
number already held is drawn again, and a complaint's ticket takes the complaint's number
unless a ticket already holds it."""

import pytest

from recovery.models import Ticket
from surveys.models import Complaint
from surveys.models import base as numbers
from surveys.services.complaints import complaint_submit
from surveys.services.triage import items_triage
from tests.factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def draws(monkeypatch):
    """Make the next case numbers these (then random again)."""
    queue: list[str] = []
    real = numbers.new_case_number

    def drawn() -> str:
        return queue.pop(0) if queue else real()

    monkeypatch.setattr(numbers, "new_case_number", drawn)
    monkeypatch.setattr("recovery.services.numbers.new_case_number", drawn)
    for model in (Ticket, Complaint):
        field = model._meta.get_field("case_number")
        monkeypatch.setattr(field, "default", drawn)
        # Django caches the default it calls; monkeypatch reads (caches) and puts it back after
        monkeypatch.setattr(field, "_get_default", drawn)
    return queue


def complaint(n: int) -> Complaint:
    return complaint_submit(
        text="It arrived broken and nobody answers", channel="api", email=f"n{n}@example.com"
    ).complaint


def test_a_number_drawn_twice_is_drawn_again(draws):
    first = open_ticket(email="a@example.com")
    draws.extend([first.case_number, "C-0000001"])
    second = open_ticket(email="b@example.com")
    assert second.case_number == "C-0000001"


def test_a_complaint_whose_number_a_ticket_holds_still_gets_its_ticket(draws):
    held = open_ticket(email="a@example.com")
    draws.append(held.case_number)
    item = complaint(1)  # its number: the one the ticket holds (a complaint's own index allows it)
    assert item.case_number == held.case_number
    assert len(items_triage(Complaint, [item.pk])) == 1
    ticket = Ticket.objects.get(items__complaint=item)
    assert ticket != held and ticket.case_number != held.case_number


def test_a_batch_draws_again_what_is_taken_and_opens_every_ticket(draws):
    held = open_ticket(email="a@example.com")
    items = [complaint(n) for n in range(3)]
    # the batch's tickets take their complaints' numbers; make the first a held one
    Complaint.objects.filter(pk=items[0].pk).update(case_number=held.case_number)
    done = items_triage(Complaint, [c.pk for c in items])
    assert len(done) == 3
    numbers_now = {
        t.items.get().complaint_id: t.case_number for t in Ticket.objects.exclude(pk=held.pk)
    }
    assert numbers_now[items[0].pk] not in {held.case_number, *(c.case_number for c in items)}
    assert numbers_now[items[1].pk] == items[1].case_number
    assert numbers_now[items[2].pk] == items[2].case_number


def test_a_complaint_whose_drawn_number_another_complaint_holds_is_filed(draws):
    first = complaint(1)
    draws.append(first.case_number)
    second = complaint(2)
    assert second.pk != first.pk and second.case_number != first.case_number
    assert Complaint.objects.count() == 2

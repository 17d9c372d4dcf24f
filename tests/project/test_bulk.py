"""`insert_rows`, the batch paths' INSERT: what it writes must be what bulk_create writes."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from feedback_app.core.bulk import insert_rows
from feedback_app.customers.models import TimelineEntry
from surveys.models import ReceivedAnswers
from tests.factories import CustomerFactory, delivered_invitation

pytestmark = pytest.mark.django_db


def test_rows_are_written_as_bulk_create_writes_them():
    customer = CustomerFactory()
    when = timezone.now() - timedelta(days=2)
    ours = [
        TimelineEntry(customer=customer, kind="a.b", title=f"Ours {n}", occurred_at=when)
        for n in range(3)
    ]
    theirs = [
        TimelineEntry(customer=customer, kind="a.b", title=f"Theirs {n}", occurred_at=when)
        for n in range(3)
    ]
    ours[1].data = {"title": {"message": "Quoted “words”", "values": {}}, "n": 1}
    theirs[1].data = dict(ours[1].data)
    insert_rows(ours)
    TimelineEntry.objects.bulk_create(theirs)
    fields = ["kind", "occurred_at", "data", "channel", "body", "subject_id", "actor"]
    written = {
        row["title"]: row for row in TimelineEntry.objects.values("title", "recorded_at", *fields)
    }
    for n in range(3):
        mine, other = written[f"Ours {n}"], written[f"Theirs {n}"]
        assert {f: mine[f] for f in fields} == {f: other[f] for f in fields}
    # auto_now_add: one moment for the run, also set on the instances given
    assert len({written[f"Ours {n}"]["recorded_at"] for n in range(3)}) == 1
    assert ours[0].recorded_at == written["Ours 0"]["recorded_at"]
    assert ours[0].pk is None  # ids the database numbers are not read back


def test_a_primary_key_that_is_a_field_of_the_row_is_written_and_a_refused_row_fails_the_run():
    invitation = delivered_invitation()
    row = {"invitation": invitation, "answers": {"1": 7}, "received_at": timezone.now()}
    insert_rows([ReceivedAnswers(**row)])
    assert ReceivedAnswers.objects.get().invitation_id == invitation.pk
    other = delivered_invitation()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows([ReceivedAnswers(**{**row, "invitation": other}), ReceivedAnswers(**row)])
    assert list(ReceivedAnswers.objects.values_list("invitation_id", flat=True)) == [invitation.pk]


def test_nothing_to_insert_runs_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_rows([])


def test_made_ahead_and_run_later_with_ids_read_back_and_filled_in():
    """The batch paths make an INSERT's parameters before their transaction and run it inside:
    the ids of rows read back, a link to a row written earlier in the batch filled in then."""
    from feedback_app.core.bulk import Later, rows_insert
    from recovery.models import Ticket, TicketEvent
    from tests.factories import CustomerFactory

    customers = [CustomerFactory() for _ in range(3)]
    tickets = [
        Ticket(customer=c, subject=f"T{n}", opened_at=timezone.now())
        for n, c in enumerate(customers)
    ]
    entries = [
        TimelineEntry(customer=c, kind="a.b", title="t", occurred_at=timezone.now())
        for c in customers
    ]
    for entry, ticket in zip(entries, tickets, strict=True):
        entry.subject_id = Later(ticket)
    made = rows_insert(tickets, returning=True)
    links = rows_insert([TicketEvent(ticket=t, kind="opened") for t in tickets[:2]])
    timeline = rows_insert(entries)
    assert not Ticket.objects.exists() and tickets[0].pk is None  # nothing written yet
    made.run([tickets[0], tickets[2]])  # only those still wanted
    links_kept = [link for link in links.rows if link.ticket is tickets[0]]
    links.run(links_kept)
    timeline.run([entries[0], entries[2]])
    assert [t.pk for t in tickets[::2]] == list(
        Ticket.objects.order_by("pk").values_list("pk", flat=True)
    )
    assert tickets[1].pk is None and not tickets[0]._state.adding
    assert list(TicketEvent.objects.values_list("ticket_id", flat=True)) == [tickets[0].pk]
    assert sorted(TimelineEntry.objects.values_list("subject_id", flat=True)) == [
        tickets[0].pk,
        tickets[2].pk,
    ]
    assert Ticket.objects.get(pk=tickets[2].pk).subject == "T2"


def test_values_of_other_types_are_prepared_as_django_prepares_them():
    """Plain texts and numbers are written as they are; a lazy text, a number for a text and a
    choice's member go through the field's own preparation, as bulk_create sends them."""
    from django.utils.translation import gettext_lazy

    from feedback_app.customers.models import Channel

    customer = CustomerFactory()
    when = timezone.now()

    def entry(title):
        return TimelineEntry(
            customer=customer, kind=123, title=title, channel=Channel.WEB, occurred_at=when
        )

    insert_rows([entry(gettext_lazy("Surveys resumed"))])
    TimelineEntry.objects.bulk_create([entry("Theirs")])
    ours, theirs = TimelineEntry.objects.order_by("pk").values("title", "kind", "channel")
    assert ours == {"title": "Surveys resumed", "kind": "123", "channel": "web"}
    assert theirs == {**ours, "title": "Theirs"}

"""Recovery's receivers of the lower layers' signals (feedback_app.core.signals.HOPS);
connected in RecoveryConfig.ready()."""

from recovery.models import Ticket
from recovery.privacy import erase_customer_recovery
from recovery.services.conversation import (
    acknowledgements_prepare,
    complaints_acknowledge,
    ticket_customer_wrote,
    ticket_for_thread,
)
from recovery.services.follow_up import follow_up_receive, follow_up_tickets
from recovery.services.retention import came_back, came_back_refresh
from recovery.services.tickets import feedback_link_many, tickets_prepare
from surveys.models import Complaint


def _entries(sender, triaged) -> list[tuple]:
    # A complaint asks for an answer, however politely put: it always opens or joins a ticket
    # (triage never rates one below medium) and is acknowledged. A survey answer opens one when
    # it failed.
    complaint = sender is Complaint
    return [
        (t.item, t.result.severity, list(t.result.topics), t.failure or complaint) for t in triaged
    ]


def on_feedback_triaging(sender, *, triaged, prepared, **kwargs):
    """Before triage's transaction: the tickets its batch may open, built, not saved, and the
    words of the complaints' acknowledgements on them."""
    opening = prepared["recovery"] = tickets_prepare(_entries(sender, triaged))
    if sender is Complaint:
        prepared["acknowledgements"] = acknowledgements_prepare(
            [(one.item, one.ticket) for one in opening.built.values()]
        )


def on_feedback_triaged(sender, *, triaged, prepared=None, **kwargs):
    follow_ups = follow_up_tickets([t.item for t in triaged])
    for t in triaged:
        if t.item.pk in follow_ups:
            # An answer to "did we make it right?" belongs to its ticket, whatever it says.
            follow_up_receive(
                ticket=follow_ups[t.item.pk], response=t.item, sentiment=t.result.sentiment
            )
    rest = [t for t in triaged if t.item.pk not in follow_ups]
    tickets = feedback_link_many(_entries(sender, rest), (prepared or {}).get("recovery"))
    if sender is Complaint:
        complaints_acknowledge(
            [(t.item, ticket) for t, ticket in zip(rest, tickets, strict=True) if ticket],
            (prepared or {}).get("acknowledgements"),
        )


def on_customer_replied(sender, *, incoming, **kwargs):
    ticket = ticket_for_thread(incoming.thread)
    if ticket is not None:
        ticket_customer_wrote(ticket=ticket, incoming=incoming)


def on_customer_active(sender, *, moments, **kwargs):
    came_back(moments)


def on_rollups_rebuilt(sender, **kwargs):
    came_back_refresh()


def on_customers_merged(sender, *, merge, **kwargs):
    """A merge moved the other profile's tickets, events and answers here: what counts as the
    customer coming back may have changed for every ticket of the kept profile."""
    came_back_refresh(Ticket.objects.filter(customer_id=merge.target_id))


def on_customer_erasing(sender, *, customer, **kwargs):
    erase_customer_recovery(customer)

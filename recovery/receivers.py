"""Recovery's receivers of the lower layers' signals (feedback_app.core.signals.HOPS);
connected in RecoveryConfig.ready()."""

from recovery.models import Ticket
from recovery.privacy import erase_customer_recovery
from recovery.services.conversation import (
    complaint_acknowledge,
    ticket_customer_wrote,
    ticket_for_thread,
)
from recovery.services.follow_up import follow_up_receive, follow_up_ticket
from recovery.services.retention import came_back, came_back_refresh
from recovery.services.tickets import feedback_link
from surveys.models import Complaint


def on_feedback_triaged(sender, *, item, result, failure, **kwargs):
    ticket = follow_up_ticket(item)
    if ticket is not None:
        # An answer to "did we make it right?" belongs to its ticket, whatever it says.
        follow_up_receive(ticket=ticket, response=item, sentiment=result.sentiment)
        return
    # A complaint asks for an answer, however politely put: it always opens or joins a ticket
    # (triage never rates one below medium) and is acknowledged. A survey answer opens one when
    # it failed.
    complaint = isinstance(item, Complaint)
    ticket = feedback_link(
        item=item,
        severity=result.severity,
        topics=list(result.topics),
        failure=failure or complaint,
    )
    if complaint and ticket is not None:
        complaint_acknowledge(complaint=item, ticket=ticket)


def on_customer_replied(sender, *, incoming, **kwargs):
    ticket = ticket_for_thread(incoming.thread)
    if ticket is not None:
        ticket_customer_wrote(ticket=ticket, incoming=incoming)


def on_customer_active(sender, *, customer, at, **kwargs):
    came_back(customer=customer, at=at)


def on_rollups_rebuilt(sender, **kwargs):
    came_back_refresh()


def on_customers_merged(sender, *, merge, **kwargs):
    """A merge moved the other profile's tickets, events and answers here: what counts as the
    customer coming back may have changed for every ticket of the kept profile."""
    came_back_refresh(Ticket.objects.filter(customer_id=merge.target_id))


def on_customer_erasing(sender, *, customer, **kwargs):
    erase_customer_recovery(customer)

"""The case numbers of new tickets: the reference a customer quotes, unique among tickets and
complaints (a complaint's ticket takes the complaint's number)."""

from recovery.models import Ticket
from surveys.models import Complaint
from surveys.models.base import new_case_number


def case_numbers_free(opened: list[tuple[Ticket, object]]) -> None:
    """Give a fresh number to each of these unsaved tickets, as (ticket, the item it opens for),
    whose number another ticket, a complaint other than its own or another of them holds (a
    complaint's ticket takes the complaint's number). Numbers are 35 random bits: among 100,000
    tickets two share one with a chance of about one in seven; a batch's INSERT then failed, and
    a complaint whose number a ticket opened from a survey answer already held could never get
    its ticket."""
    own = {item.case_number for _ticket, item in opened if isinstance(item, Complaint)}
    tickets = [ticket for ticket, _item in opened]
    kept: set[str] = set()
    while tickets:
        numbers = [t.case_number for t in tickets]
        # one statement: both unordered, as a compound SELECT's parts must be
        tickets_holding = Ticket.objects.filter(case_number__in=numbers).order_by()
        complaints_holding = (
            Complaint.objects.filter(case_number__in=numbers)
            .exclude(case_number__in=own)
            .order_by()
        )
        taken = set(
            tickets_holding.values_list("case_number", flat=True).union(
                complaints_holding.values_list("case_number", flat=True)
            )
        )
        again = []
        for ticket in tickets:
            if ticket.case_number in taken or ticket.case_number in kept:
                again.append(ticket)
            else:
                kept.add(ticket.case_number)
        for ticket in again:
            ticket.case_number = new_case_number()
        tickets = again

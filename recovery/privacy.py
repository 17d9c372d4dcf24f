"""The recovery app's part of erasing a customer: what was said goes, what was done stays."""

from feedback_app.customers.privacy import ERASED
from recovery.models import ImprovementNotice, Restitution, Ticket, TicketEvent

# Log entry fields that may hold what someone wrote to or about the customer.
TEXT_KEYS = (
    "subject",
    "body",
    "text",
    "reason",
    "cause",
    "corrective_action",
    "note",
    "no_restitution_reason",
)


def erase_customer_recovery(customer) -> None:
    tickets = Ticket.objects.filter(customer=customer)
    tickets.update(subject=ERASED, reference="")
    for event in TicketEvent.objects.filter(ticket__in=tickets):
        changed = {key: ERASED for key in TEXT_KEYS if event.payload.get(key)}
        if changed:
            event.payload = {**event.payload, **changed}
            event.save(update_fields=["payload"])
    Restitution.objects.filter(ticket__in=tickets).update(
        note="", item="", notice_subject="", notice_body=""
    )
    ImprovementNotice.objects.filter(customer=customer).update(quote="")

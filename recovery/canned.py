"""Canned messages: the template for a step, chosen by the ticket's topics, filled in for the
customer. Staff edit the result before it is sent; what is sent is stored as sent."""

from __future__ import annotations

from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError

from recovery.models import CannedMessage, Ticket


def canned_for(ticket: Ticket, step: str) -> CannedMessage | None:
    """The step's message for the first of the ticket's topics that has one, else the default."""
    messages = list(CannedMessage.objects.filter(step=step, active=True).select_related("topic"))
    topics = [t.name for t in ticket.topics.all()]
    for topic in topics:
        for message in messages:
            if message.topic and message.topic.name == topic:
                return message
    return next((m for m in messages if m.topic is None), messages[0] if messages else None)


def issue_of(ticket: Ticket) -> str:
    """What went wrong, in the customer's terms, for the templates."""
    return ticket.subject.rstrip(".") + "."


def render(text: str, context: dict) -> str:
    try:
        return Template(text).render(Context(context, autoescape=False)).strip()
    except TemplateSyntaxError as exc:
        return f"{text}\n\n[template error: {exc}]"


def draft(ticket: Ticket, step: str, agent=None, **extra) -> tuple[str, str]:
    """(subject, body) of the step's canned message for this ticket, ready to edit."""
    message = canned_for(ticket, step)
    if message is None:
        return "", ""
    context = {
        "first_name": ticket.customer.first_name,
        "issue": issue_of(ticket),
        "reference": ticket.reference,
        "company_name": settings.COMPANY_NAME,
        "agent_name": (agent.get_full_name() or agent.get_username())
        if agent
        else f"{settings.COMPANY_NAME} customer care",
        **extra,
    }
    return render(message.subject, context), render(message.body, context)

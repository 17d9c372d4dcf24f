"""What intake tells other systems through webhooks: a detractor's answer (NPS 0-6), once,
when it is first triaged (a team channel hears "Detractor from a Gold customer: …")."""

from __future__ import annotations

from django.conf import settings
from django.utils.text import Truncator
from django.utils.translation import override

from feedback_app.customers.models import Customer, ValueTier
from feedback_app.webhooks.models import Event
from feedback_app.webhooks.services import Announcement, events_publish, listened
from surveys.models import Complaint, Question, Response

DETRACTOR_MAX = 6
QUOTE_CHARS = 300


def customer_phrase(customer: Customer | None) -> str:
    """ "a Gold customer": how a team channel hears who it is about (no name, no address)."""
    tier = customer.value_tier if customer is not None else ""
    if tier and tier != ValueTier.STANDARD:
        return f"a {ValueTier(tier).label} customer"
    return "a customer"


def customer_data(customer: Customer | None) -> dict | None:
    if customer is None:
        return None
    return {"id": customer.pk, "name": customer.full_name, "value_tier": customer.value_tier}


def _said(response: Response) -> str:
    """The customer's own words in the response (its free-text answers), read from the answers
    triage already loaded."""
    texts = [
        answer.text
        for answer in response.answers.all()
        if answer.text and answer.question.kind == Question.Kind.TEXT
    ]
    return " ".join(" ".join(texts).split())


def _announcement(response: Response) -> Announcement:
    said = _said(response)
    quote = f"“{Truncator(said).chars(QUOTE_CHARS)}”" if said else "no comment"
    who = customer_phrase(response.customer)
    data = {
        "response": {
            "id": response.pk,
            "survey": response.survey.name,
            "nps": response.nps,
            "comment": said,
            "sentiment": response.sentiment,
            "severity": response.severity,
            "channel": response.channel,
            "submitted_at": response.submitted_at.isoformat(),
        },
        "customer": customer_data(response.customer),
    }
    return Announcement(
        event=Event.DETRACTOR,
        summary=f"Detractor from {who}: {quote} (NPS {response.nps}, {response.survey.name})",
        data=data,
        url=settings.SITE_URL + response.get_absolute_url(),
        order_key=f"response:{response.pk}",
        dedupe_key=f"{Event.DETRACTOR}:response:{response.pk}",
        occurred_at=response.submitted_at,
    )


@override(settings.LANGUAGE_CODE)  # other systems read the same words, whoever acted
def detractors_announce(items: list[Response | Complaint]) -> None:
    """Publish every detractor among items triaged for the first time."""
    if not listened(Event.DETRACTOR):
        return
    detractors = [
        item
        for item in items
        if isinstance(item, Response) and item.nps is not None and item.nps <= DETRACTOR_MAX
    ]
    events_publish([_announcement(response) for response in detractors])

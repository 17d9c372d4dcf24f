"""Canned messages: the template for a step, chosen by the ticket's main topic, drafted in the
customer's own words, and filled from the step's fields when it is sent.

A draft leaves the step's own fields as slots (`{{ cause }}`, `{{ corrective_action }}`,
`{{ restitution }}`, `{{ note }}`): the agent writes the cause once, in its field, and the slot
in the message takes it. Filling replaces those slots only; the agent's text is never run as a
template. The ticket's subject is ours, not the customer's, and never goes into their text.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback_app.core.formatting import money
from feedback_app.core.numbers import whole_number
from feedback_app.core.translations import has_language, text_in
from feedback_app.customers.languages import language_of
from recovery.models import CannedMessage, Restitution, Ticket

# step → the fields of its form that fill the message, in the order the form shows them.
SLOTS: dict[str, tuple[str, ...]] = {
    "apology": (),
    "reassurance": ("cause", "corrective_action"),
    "restitution": ("restitution", "note"),
}
_SLOT = re.compile(r"\{\{\s*(cause|corrective_action|restitution|note)\s*\}\}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
QUOTE_CHARS = 160


def canned_choices(step: str) -> list[CannedMessage]:
    """The step's active templates, for the agent to switch between."""
    return list(
        CannedMessage.objects.filter(step=step, active=True)
        .select_related("topic")
        .order_by("topic__name", "name", "id")
    )


def canned_for(
    ticket: Ticket, step: str, choice: int | None = None, messages=None
) -> CannedMessage | None:
    """The agent's `choice` if it is one of the step's; else the template of the ticket's main
    topic (the one triage weighed highest), then of its other topics, then the step's default."""
    messages = canned_choices(step) if messages is None else messages
    if choice is not None:
        chosen = next((m for m in messages if m.pk == choice), None)
        if chosen is not None:
            return chosen
    by_topic = {m.topic_id: m for m in reversed(messages) if m.topic_id}
    if ticket.main_topic_id in by_topic:
        return by_topic[ticket.main_topic_id]
    for topic in ticket.topics.all():
        if topic.pk in by_topic:
            return by_topic[topic.pk]
    return next((m for m in messages if m.topic_id is None), messages[0] if messages else None)


def their_words(ticket: Ticket) -> str:
    """The first thing the customer wrote about this incident (a complaint's text, a survey's
    free-text answer), its first sentence or two, up to QUOTE_CHARS; "" when they only scored."""
    for link in ticket.items.all():
        item = link.item
        if item.feedback_kind == "complaint":
            text = item.text
        else:
            text = " ".join(a.text for a in item.answers.all() if a.text)
        text = " ".join((text or "").split())
        if text:
            sentences = _SENTENCE_END.split(text)
            quote = sentences[0]
            if len(sentences) > 1 and len(quote) + len(sentences[1]) < QUOTE_CHARS:
                quote = f"{quote} {sentences[1]}"
            return Truncator(quote).chars(QUOTE_CHARS)
    return ""


def issue_of(ticket: Ticket) -> str:
    """What went wrong, for the templates: the customer's own words, quoted back to them."""
    words = their_words(ticket)
    return _("You told us: “%(words)s”") % {"words": words} if words else ""


def render(text: str, context: dict) -> str:
    try:
        rendered = Template(text).render(Context(context, autoescape=False))
    except TemplateSyntaxError as exc:
        return f"{text}\n\n[template error: {exc}]"
    return re.sub(r"\n{3,}", "\n\n", rendered).strip()  # a value left empty leaves no gap


def agent_name(agent) -> str:
    """Who signs: the agent's name; nobody when the system writes (the template's own line
    names the company)."""
    if agent is None:
        return ""
    return agent.get_full_name() or agent.get_username()


def draft_language(ticket: Ticket, message: CannedMessage) -> str:
    """The language the draft is written in: the customer's when the canned message has it
    whole, else the message's own (never half of each)."""
    wanted = language_of(ticket.customer)
    if has_language(message, CannedMessage.TRANSLATED, wanted, settings.LANGUAGE_CODE):
        return wanted
    return settings.LANGUAGE_CODE


def draft(ticket: Ticket, step: str, agent=None, choice: int | None = None) -> tuple[str, str]:
    """(subject, body) of the step's canned message for this ticket, ready to edit, with the
    step's fields left as slots for `fill`, in the customer's language when the message has
    it (`draft_language`)."""
    message = canned_for(ticket, step, choice)
    if message is None:
        return "", ""
    language = draft_language(ticket, message)
    with translation.override(language):
        issue = issue_of(ticket)
    context = {
        "first_name": ticket.customer.first_name,
        "issue": issue,
        "their_words": their_words(ticket),
        "reference": ticket.reference,
        "company_name": settings.COMPANY_NAME,
        "agent_name": agent_name(agent),
        # Slots stay as written, whatever the template does with them.
        **{slot: f"{{{{ {slot} }}}}" for slot in SLOTS.get(step, ())},
    }
    subject = text_in(message, "subject", language, settings.LANGUAGE_CODE)
    body = text_in(message, "body", language, settings.LANGUAGE_CODE)
    return render(subject, context), render(body, context)


def language_note(ticket: Ticket, step: str, choice: int | None = None) -> str:
    """What the agent should know about the draft's language: "" when it is the customer's."""
    wanted = language_of(ticket.customer)
    if wanted == settings.LANGUAGE_CODE:
        return ""  # our own language: nothing to say, nothing to look up
    message = canned_for(ticket, step, choice)
    if message is None or draft_language(ticket, message) == wanted:
        return ""
    names = dict(settings.LANGUAGES)
    return (
        f"{ticket.customer} reads {names[wanted]}, and \u201c{message.name}\u201d has no "
        f"{names[wanted]} text yet: the draft is in {names[settings.LANGUAGE_CODE]}. Write it "
        "in their language here, or add the translation in Recovery settings."
    )


def step_slots(ticket: Ticket, step: str, fields) -> dict:
    """The slot values of a step's message from its fields (a form's values or a service's
    arguments): what fills it for the preview and for sending alike, in the language the step's
    message (the canned one the agent chose, `template`, else the ticket's) is drafted in for
    this customer (what we give: "a voucher for £15.00", "un bon d'achat de 15,00 €"), so a
    draft in English never carries French words, nor the reverse."""
    if step == "restitution":
        language = language_of(ticket.customer)
        if language != settings.LANGUAGE_CODE:
            message = canned_for(ticket, step, whole_number(str(fields.get("template") or "")))
            language = draft_language(ticket, message) if message else language
        with translation.override(language):
            return {
                "restitution": restitution_words(
                    fields.get("kind") or "",
                    fields.get("amount") or None,
                    fields.get("currency") or "",
                    fields.get("item") or "",
                ),
                "note": fields.get("note"),
            }
    return {slot: fields.get(slot) for slot in SLOTS.get(step, ())}


def fill(text: str, **values) -> str:
    """The text with each slot replaced by its field's value ("" for a field left empty)."""
    return _SLOT.sub(lambda m: str(values.get(m.group(1)) or "").strip(), text or "").strip()


def unfilled(text: str, **values) -> list[str]:
    """The slots in `text` whose field is empty."""
    return sorted({m.group(1) for m in _SLOT.finditer(text or "") if not values.get(m.group(1))})


def restitution_words(kind: str, amount=None, currency: str = "", item: str = "") -> str:
    """What we give, as the customer reads it in the active language: "a refund of £20.00",
    "a replacement: a lamp"."""
    item = (item or "").strip()
    value = money(amount, currency) if amount not in (None, "") else ""
    if kind not in RESTITUTION_WORDS:
        return item or value
    with_amount, with_item, alone = RESTITUTION_WORDS[kind]
    if value:
        return str(with_amount) % {"amount": value}
    return str(with_item) % {"item": item} if item else str(alone)


# Each kind as a customer reads it: with an amount, with an item, alone. Whole phrases, so each
# language chooses its own article and word order.
RESTITUTION_WORDS = {
    Restitution.Kind.REFUND: (
        gettext_lazy("a refund of %(amount)s"),
        gettext_lazy("a refund: %(item)s"),
        gettext_lazy("a refund"),
    ),
    Restitution.Kind.CREDIT: (
        gettext_lazy("an account credit of %(amount)s"),
        gettext_lazy("an account credit: %(item)s"),
        gettext_lazy("an account credit"),
    ),
    Restitution.Kind.VOUCHER: (
        gettext_lazy("a voucher for %(amount)s"),
        gettext_lazy("a voucher: %(item)s"),
        gettext_lazy("a voucher"),
    ),
    Restitution.Kind.REPLACEMENT: (
        gettext_lazy("a replacement worth %(amount)s"),
        gettext_lazy("a replacement: %(item)s"),
        gettext_lazy("a replacement"),
    ),
    Restitution.Kind.GIFT: (
        gettext_lazy("a gift worth %(amount)s"),
        gettext_lazy("a gift: %(item)s"),
        gettext_lazy("a gift"),
    ),
}

"""Closing the loop: improvements ("we did"), the feedback that asked for them ("you said"), and
telling every customer who asked, once, when one ships.

Writes live here (improvement_*); shipping queues `notify_improvement`, which sends
one notice per customer through the outbox as a solicitation: consent, the quiet period and open
recovery holds apply. The customer asked for this, so a notice held back only for now (quiet
period, hold) waits and goes when first allowed (`notices_retry`, run by the recovery sweep);
one refused for good (opted out, no address) is recorded as not sent, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from feedback_app.core.errors import Conflict, DomainError, NotAllowed
from feedback_app.core.translations import texts_in
from feedback_app.customers.languages import language_of
from feedback_app.customers.models import ContactHold, Customer, Message
from feedback_app.customers.outbox import PREFERRED, Deferred, customer_links, message_send
from feedback_app.customers.policy import contact_decision
from recovery.models import Improvement, ImprovementLink, ImprovementNotice, Ticket
from recovery.services.announce import improvement_shipped_announce
from surveys.models import Complaint, Response, Sentiment, Topic

QUOTE_CHARS = 140
DONE = (Improvement.Status.SHIPPED, Improvement.Status.DECLINED)


def _can_manage(actor) -> None:
    if actor is None or not actor.has_perm("recovery.change_improvement"):
        raise NotAllowed(_("Only a manager can do that with an improvement."))


def improvement_save(
    *,
    actor,
    improvement: Improvement | None = None,
    title: str,
    customer_text: str = "",
    description: str = "",
    owner=None,
    topics: Iterable[Topic] = (),
    status: str = Improvement.Status.PROPOSED,
    planned_for=None,
    translations: dict | None = None,
) -> Improvement:
    """Create or change an improvement (managers). Shipping and declining are their own steps;
    agents propose improvements from a ticket's reassurance step instead. `translations`: its
    title and text for customers in other languages ({code: {field: text}}), when given."""
    _can_manage(actor)
    title = " ".join((title or "").split())[:200]
    if not title:
        raise DomainError(_("An improvement needs a title."), field="title")
    if status in DONE and (improvement is None or improvement.status != status):
        raise DomainError(
            _("Shipping and declining are steps of their own, not a status to set."), field="status"
        )
    if status not in Improvement.Status.values:
        raise DomainError(f"Unknown status {status!r}.", field="status")
    improvement = improvement or Improvement()
    improvement.title, improvement.customer_text, improvement.description = (
        title,
        customer_text.strip(),
        description.strip(),
    )
    improvement.owner, improvement.status, improvement.planned_for = owner, status, planned_for
    if translations is not None:
        improvement.translations = translations
    improvement.save()
    improvement.topics.set(list(topics))
    return improvement


def _feedback_filter(topic: Topic, days: int, sentiment: str):
    since = timezone.now() - timedelta(days=days)
    responses = Response.objects.filter(topics=topic, submitted_at__gte=since)
    complaints = Complaint.objects.filter(topics=topic, received_at__gte=since)
    if sentiment:
        responses, complaints = (
            responses.filter(sentiment=sentiment),
            complaints.filter(sentiment=sentiment),
        )
    return responses, complaints


def link_preview(
    *, topic: Topic, days: int = 90, sentiment: str = Sentiment.NEGATIVE
) -> dict[str, int]:
    """How many items and customers linking by this filter would take, before linking."""
    if days < 1 or days > 3650:
        raise DomainError(_("Choose between 1 and 3650 days."), field="days")
    responses, complaints = _feedback_filter(topic, days, sentiment)
    customers = set(responses.exclude(customer=None).values_list("customer_id", flat=True))
    customers |= set(complaints.values_list("customer_id", flat=True))
    return {
        "responses": responses.count(),
        "complaints": complaints.count(),
        "customers": len(customers),
    }


def numbers_preview(
    *, tickets: Iterable[int] = (), complaints: Iterable[int] = (), responses: Iterable[int] = ()
) -> list[tuple[str, str]]:
    """What typed numbers stand for, before linking: (what it is, whose and what it says) for
    each, so a mistyped number shows as the wrong customer before anything is linked. Unknown
    numbers and merged profiles are refused as linking would refuse them."""
    shown = []
    for ticket in _load(Ticket, tickets, "tickets"):
        shown.append((_named("tickets", ticket.pk), f"{ticket.customer}: {ticket.subject}"))
    for complaint in _load(Complaint, complaints, "complaints"):
        shown.append(
            (_named("complaints", complaint.pk), f"{complaint.customer}: {complaint.text}")
        )
    for response in _load(Response, responses, "responses"):
        said = _("%(customer)s: answer to %(survey)s") % {
            "customer": response.customer or _("anonymous"),
            "survey": response.survey,
        }
        shown.append((_named("responses", response.pk), said))
    return shown


def _named(field: str, number) -> str:
    """What the numbers of `field` are, one of them: "Ticket #12"."""
    names = {
        "tickets": _("Ticket #%(number)s"),
        "complaints": _("Complaint #%(number)s"),
        "responses": _("Response #%(number)s"),
    }
    return names[field] % {"number": number}


def _load(model, ids: Iterable[int], field: str):
    ids = sorted({int(pk) for pk in ids})
    found = model.objects.filter(pk__in=ids).select_related("customer")
    found = {obj.pk: obj for obj in found}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        unknown = {
            "tickets": _("No ticket with number %(numbers)s."),
            "complaints": _("No complaint with number %(numbers)s."),
            "responses": _("No response with number %(numbers)s."),
        }
        numbers = ", ".join(map(str, missing))
        raise DomainError(unknown[field] % {"numbers": numbers}, field=field)
    merged = [obj for obj in found.values() if obj.customer_id and obj.customer.merged_into_id]
    if merged:
        obj = merged[0]
        raise DomainError(
            _(
                "%(what)s belongs to a merged profile (#%(customer)s → #%(survivor)s); reload "
                "and link again."
            )
            % {
                "what": _named(field, obj.pk),
                "customer": obj.customer_id,
                "survivor": obj.customer.merged_into_id,
            },
            field=field,
        )
    return list(found.values())


def improvement_link(
    *,
    improvement: Improvement,
    actor,
    tickets: Iterable[int] = (),
    responses: Iterable[int] = (),
    complaints: Iterable[int] = (),
    topic: Topic | None = None,
    days: int = 90,
    sentiment: str = Sentiment.NEGATIVE,
) -> dict[str, int]:
    """Link what customers said to the improvement: chosen tickets and items, and/or every item
    of a topic in the last `days` days (negative only, by default). Links already there are kept;
    returns how many were added. Nothing is linked if any id is wrong."""
    with transaction.atomic():
        improvement = Improvement.objects.select_for_update().get(pk=improvement.pk)
        if improvement.status in DONE:
            raise Conflict(
                _("This improvement is %(status)s; link to an open one.")
                % {"status": improvement.get_status_display().lower()}
            )
        chosen = {
            "ticket": _load(Ticket, tickets, "tickets"),
            "response": _load(Response, responses, "responses"),
            "complaint": _load(Complaint, complaints, "complaints"),
        }
        if topic is not None:
            if not (0 < days <= 3650):
                raise DomainError(_("Choose between 1 and 3650 days."), field="days")
            by_topic_responses, by_topic_complaints = _feedback_filter(topic, days, sentiment)
            chosen["response"] += list(by_topic_responses)
            chosen["complaint"] += list(by_topic_complaints)
        added = {}
        for field, objects in chosen.items():
            existing = set(
                ImprovementLink.objects.filter(
                    improvement=improvement, **{f"{field}__in": objects}
                ).values_list(f"{field}_id", flat=True)
            )
            new = [
                ImprovementLink(improvement=improvement, **{field: obj})
                for obj in {o.pk: o for o in objects}.values()
                if obj.pk not in existing
            ]
            ImprovementLink.objects.bulk_create(new)
            added[f"{field}s"] = len(new)
    return added


def _customers(improvement: Improvement) -> dict[int, str]:
    """Each customer who asked for this improvement, with a short quote of their own words (the
    earliest thing they said about it)."""
    said: dict[int, tuple] = {}

    def keep(customer_id, when, text):
        if customer_id and (customer_id not in said or when < said[customer_id][0]):
            said[customer_id] = (when, text)

    links = improvement.links.select_related("complaint", "ticket", "response")
    for link in links.prefetch_related("response__answers", "ticket__items__complaint"):
        if link.complaint_id:
            keep(link.complaint.customer_id, link.complaint.received_at, link.complaint.text)
        elif link.response_id:
            text = " ".join(a.text for a in link.response.answers.all() if a.text)
            keep(link.response.customer_id, link.response.submitted_at, text)
        elif link.ticket_id:
            complaints = [i.complaint for i in link.ticket.items.all() if i.complaint_id]
            text = complaints[0].text if complaints else link.ticket.subject
            keep(link.ticket.customer_id, link.ticket.opened_at, text)
    return {
        pk: Truncator(" ".join(text.split())).chars(QUOTE_CHARS)
        for pk, (_when, text) in said.items()
    }


def improvement_ship(
    *, improvement: Improvement, actor, customer_text: str | None = None
) -> Improvement:
    """Mark it shipped and queue one "you said, we did" notice per customer who asked. Shipping
    again is refused; the notices themselves are also once-only, so a retried task sends nothing
    twice."""
    _can_manage(actor)
    with transaction.atomic():
        improvement = Improvement.objects.select_for_update().get(pk=improvement.pk)
        if improvement.status == Improvement.Status.SHIPPED:
            raise Conflict(
                _("Already shipped on %(when)s; customers were told once.")
                % {"when": date_format(improvement.shipped_at, "j M Y")}
            )
        if improvement.status == Improvement.Status.DECLINED:
            raise Conflict(_("A declined improvement cannot ship; create a new one."))
        if customer_text is not None:
            improvement.customer_text = customer_text.strip()
        if not improvement.customer_text:
            raise DomainError(
                _("Write what changed, for customers, before shipping."), field="customer_text"
            )
        improvement.status, improvement.shipped_at = Improvement.Status.SHIPPED, timezone.now()
        improvement.save(update_fields=["status", "shipped_at", "customer_text"])
        improvement_shipped_announce(improvement, lambda: len(_customers(improvement)))
        transaction.on_commit(lambda: async_task(notify_improvement, improvement.pk))
    return improvement


def improvement_decline(
    *, improvement: Improvement, actor, reason: str, tell_customers: bool = False
) -> Improvement:
    """Decline with a reason; optionally tell the customers who asked why not."""
    _can_manage(actor)
    if not (reason or "").strip():
        raise DomainError(_("Say why it is declined."), field="reason")
    with transaction.atomic():
        improvement = Improvement.objects.select_for_update().get(pk=improvement.pk)
        if improvement.status in DONE:
            raise Conflict(
                f"This improvement is already {improvement.get_status_display().lower()}."
            )
        improvement.status, improvement.declined_reason = (
            Improvement.Status.DECLINED,
            reason.strip(),
        )
        improvement.save(update_fields=["status", "declined_reason"])
        if tell_customers:
            transaction.on_commit(lambda: async_task(notify_improvement, improvement.pk))
    return improvement


def improvement_notify(*, improvement_id: int, now=None) -> dict[str, int]:
    """Give each customer of a shipped (or declined and explained) improvement their notice,
    once, and send it if the contact policy allows; one it holds back for now waits (see
    `notices_retry`). Safe to run again: a customer who has a notice is skipped."""
    now = now or timezone.now()
    improvement = Improvement.objects.get(pk=improvement_id)
    if improvement.status not in DONE:
        return {}
    kind = (
        ImprovementNotice.Kind.SHIPPED
        if improvement.status == Improvement.Status.SHIPPED
        else ImprovementNotice.Kind.DECLINED
    )
    quotes = _customers(improvement)
    done = set(improvement.notices.values_list("customer_id", flat=True))
    counts = {"told": 0, "suppressed": 0, "waiting": 0, "already": len(done & set(quotes))}
    for customer in Customer.objects.filter(pk__in=set(quotes) - done).order_by("pk"):
        try:
            with transaction.atomic():
                notice = ImprovementNotice.objects.create(
                    improvement=improvement,
                    customer=customer,
                    kind=kind,
                    quote=quotes[customer.pk],
                    status=ImprovementNotice.Status.WAITING,
                    created_at=now,
                )
                notice = notice_try(notice=notice, now=now)
        except IntegrityError:
            counts["already"] += 1  # another worker told this customer a moment ago
            continue
        counts[_outcome(notice)] += 1
    return counts


def _outcome(notice: ImprovementNotice) -> str:
    if notice.status != ImprovementNotice.Status.DECIDED:
        return str(notice.status)
    return "suppressed" if notice.message.status == Message.Status.SUPPRESSED else "told"


def notice_try(*, notice: ImprovementNotice, now=None) -> ImprovementNotice:
    """Send a waiting notice if the policy allows it now; keep it waiting (with why and when to
    try again) if it will allow it later; expire it after IMPROVEMENT_NOTICE_WAIT_DAYS."""
    now = now or timezone.now()
    if notice.status != ImprovementNotice.Status.WAITING:
        return notice
    subject, text, html, sms = _render(notice.improvement, notice.customer, notice)
    try:
        notice.message = message_send(
            customer=notice.customer,
            kind=Message.Kind.SOLICITATION,
            purpose=f"improvement.{notice.kind}",
            subject=subject,
            body_text=text,
            body_html=html,
            sms_text=sms,
            channel=PREFERRED,
            dedupe_key=f"recovery.improvement:{notice.improvement_id}:customer:"
            f"{notice.customer_id}",
            about=notice.improvement,
            now=now,
            wait=True,
        )
    except Deferred as held:
        limit = notice.created_at + timedelta(days=settings.IMPROVEMENT_NOTICE_WAIT_DAYS)
        if now >= limit or (held.retry_at and held.retry_at > limit):
            notice.status = ImprovementNotice.Status.EXPIRED
            notice.reason = (
                f"not allowed within {settings.IMPROVEMENT_NOTICE_WAIT_DAYS} days: {held.reason}"
            )[:500]
            notice.next_try_at = None
        else:
            notice.reason, notice.next_try_at = held.reason[:500], held.retry_at
        notice.save(update_fields=["status", "reason", "next_try_at"])
        return notice
    notice.status, notice.reason, notice.next_try_at = ImprovementNotice.Status.DECIDED, "", None
    notice.save(update_fields=["message", "status", "reason", "next_try_at"])
    return notice


def notices_retry(*, now=None) -> int:
    """The sweep: try every waiting notice whose time has come (its quiet period is over, it
    waits for a hold and the customer has none open any more, or its wait is up and it
    expires). Returns how many were handed to the outbox."""
    now = now or timezone.now()
    open_hold = ContactHold.objects.filter(customer=OuterRef("customer"), released_at__isnull=True)
    due = (
        ImprovementNotice.objects.filter(status=ImprovementNotice.Status.WAITING)
        .annotate(has_hold=Exists(open_hold))
        .filter(
            Q(next_try_at__lte=now)
            | Q(next_try_at__isnull=True, has_hold=False)
            # waited long enough: it expires (a hold that never lifts must not keep it forever)
            | Q(created_at__lte=now - timedelta(days=settings.IMPROVEMENT_NOTICE_WAIT_DAYS))
        )
        .select_related("improvement", "customer")
        .order_by("next_try_at", "pk")
    )
    sent = 0
    for notice in due:
        with transaction.atomic():
            locked = (
                ImprovementNotice.objects.select_for_update(of=("self",))
                .select_related("improvement", "customer")
                .get(pk=notice.pk)
            )
            if notice_try(notice=locked, now=now).status == ImprovementNotice.Status.DECIDED:
                sent += 1
    return sent


def notice_forecast(*, improvement: Improvement, now=None) -> dict[str, int]:
    """For the ship page: of the customers who asked, how many the policy lets us tell now, how
    many will be told later (a quiet period or an open case holds them back) and how many
    cannot be told (opted out, no address)."""
    now = now or timezone.now()
    counts = {"now": 0, "later": 0, "never": 0}
    customers = Customer.objects.filter(pk__in=_customers(improvement))
    for customer in customers:
        decision = contact_decision(
            customer=customer, kind=Message.Kind.SOLICITATION, channel="email", now=now
        )
        counts["now" if decision.allowed else "later" if decision.temporary else "never"] += 1
    return counts


# What a notice of each kind says of the improvement: all of it in the customer's language, or
# all of it in ours (feedback_app/core/translations.py).
NOTICE_TEXTS = {
    ImprovementNotice.Kind.SHIPPED: ("title", "customer_text"),
    ImprovementNotice.Kind.DECLINED: ("title", "declined_reason"),
}


def _render(
    improvement: Improvement, customer: Customer, notice: ImprovementNotice
) -> tuple[str, str, str, str]:
    """The notice's subject, text, HTML and text message, in the customer's language when the
    improvement's texts for this kind of notice are written in it, else in English."""
    name = "we_did" if notice.kind == ImprovementNotice.Kind.SHIPPED else "why_not"
    language, texts = texts_in(
        improvement, NOTICE_TEXTS[notice.kind], language_of(customer), settings.LANGUAGE_CODE
    )
    context = {
        "improvement": SimpleNamespace(**texts),
        "customer": customer,
        "first_name": customer.first_name,
        "quote": notice.quote,
        "company_name": settings.COMPANY_NAME,
        "public_url": settings.SITE_URL + reverse("we-did"),
        **customer_links(customer),
    }
    with translation.override(language):
        return (
            render_to_string(f"recovery/email/{name}_subject.txt", context).strip(),
            render_to_string(f"recovery/email/{name}_body.txt", context),
            render_to_string(f"recovery/email/{name}_body.html", context),
            render_to_string(f"recovery/email/{name}_sms.txt", context).strip(),
        )


def example_notice(*, improvement: Improvement, customer: Customer) -> dict[str, str]:
    """The notice one customer would get, for the manager to review before shipping."""
    quote = _customers(improvement).get(customer.pk, "")
    notice = ImprovementNotice(
        improvement=improvement, customer=customer, kind=ImprovementNotice.Kind.SHIPPED, quote=quote
    )
    subject, text, _html, _sms = _render(improvement, customer, notice)
    # Rendered text templates come back marked safe; this is text to show, so it must be escaped.
    return {"subject": str.__str__(subject), "body": str.__str__(text)}


def notify_improvement(improvement_id: int) -> dict[str, int]:
    """The task (queued when an improvement ships, or is declined with an explanation)."""
    return improvement_notify(improvement_id=improvement_id)

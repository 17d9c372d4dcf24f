"""Events in, invitations out: the right survey, at the right moment, under the contact policy.

An event creates one invitation per matching live trigger rule, scheduled for the event time
plus the rule's delay. The invitation is decided again when it comes due (`invitation_send`):
the contact policy is asked then, not when the event arrived, so an opt-out, a recovery hold or
another survey in between is respected. Everything runs from django-q2 tasks and is safe to run
twice.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feedback_app.core.background import queue_item_task
from feedback_app.core.errors import DomainError
from feedback_app.core.phrases import Phrase
from feedback_app.core.signals import customer_active
from feedback_app.customers.languages import language_of
from feedback_app.customers.models import Channel, ContactChannel, Message
from feedback_app.customers.outbox import PREFERRED, Deferred, customer_links, message_send
from feedback_app.customers.services.resolve import customer_resolve
from feedback_app.customers.services.timeline import timeline_record
from surveys.languages import localized, survey_language
from surveys.models import Event, Invitation, Survey, TriggerRule
from surveys.quick_answer import quick_rows
from surveys.selectors import survey_questions
from surveys.services.intake import by_key, client_key, intake_once, submitter

EVENT_TYPE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_-]+)*$")
MAX_EVENT_DATA = 10_000  # characters of JSON; events carry references, not documents


@dataclass
class EventResult:
    event: Event
    created: bool
    invitations: list[Invitation] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _check_event_type(event_type: str) -> str:
    event_type = (event_type or "").strip().lower()
    if not event_type or len(event_type) > 60 or not EVENT_TYPE.match(event_type):
        raise DomainError(
            _("An event type is lowercase words joined by dots, such as order.delivered."),
            field="event_type",
        )
    return event_type


def trigger_rule_save(
    *,
    event_type: str,
    survey: Survey,
    delay: timedelta,
    channel: str = ContactChannel.EMAIL,
    active: bool = True,
    rule: TriggerRule | None = None,
    subject: str = "",
    b_delay: timedelta | None = None,
    b_subject: str = "",
    send_from: time | None = None,
    send_until: time | None = None,
    actor=None,
) -> TriggerRule:
    """Create a rule, or change `rule`. Invitations already scheduled keep their time. With a
    B delay or subject, half the customers (chosen by customer) get B: an A/B split whose
    result the survey's funnel shows."""
    event_type = _check_event_type(event_type)
    for name, value in (("delay", delay), ("b_delay", b_delay)):
        if value is not None and (value < timedelta(0) or value > timedelta(days=365)):
            raise DomainError(_("The delay must be between 0 and 365 days."), field=name)
    if (send_from is None) != (send_until is None):
        raise DomainError(_("Give both send hours, or neither."), field="send_from")
    if send_from is not None and send_from >= send_until:
        raise DomainError(
            _("The send hours must start before they end, within one day."), field="send_until"
        )
    subject, b_subject = (" ".join((text or "").split())[:150] for text in (subject, b_subject))
    if b_delay == delay and b_subject in ("", subject) and (b_delay is not None or b_subject):
        raise DomainError(
            _("B is the same as A: give it another delay or another subject line."), field="b_delay"
        )
    if channel != ContactChannel.EMAIL:
        raise DomainError(_("Survey invitations are sent by e-mail."), field="channel")
    if survey.status == Survey.Status.CLOSED:
        raise DomainError(_("A closed survey cannot be triggered."), field="survey")
    rule = rule or TriggerRule()
    rule.event_type, rule.survey, rule.delay, rule.channel, rule.active = (
        event_type,
        survey,
        delay,
        channel,
        active,
    )
    rule.subject, rule.b_delay, rule.b_subject = subject, b_delay, b_subject
    rule.send_from, rule.send_until = send_from, send_until
    rule.save()
    return rule


def in_send_hours(due: datetime, rule: TriggerRule) -> datetime:
    """`due`, or the next opening of the rule's send hours (local time) when it falls outside."""
    if rule.send_from is None or rule.send_until is None:
        return due
    local = timezone.localtime(due)
    if rule.send_from <= local.time() < rule.send_until:
        return due
    day = local.date() if local.time() < rule.send_from else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, rule.send_from))


def rule_variant(rule: TriggerRule, customer_id: int) -> str:
    """The arm of a split rule a customer is in ("" without a split): by customer, so the same
    customer always gets the same arm of one rule, and about half get each."""
    if not rule.is_split:
        return ""
    return "B" if zlib.crc32(f"{rule.pk}:{customer_id}".encode()) % 2 else "A"


# Long on purpose: checks, then the store() closure that intake_once runs in its transaction.
def event_record(
    *,
    event_type: str,
    occurred_at: datetime,
    email: str = "",
    phone: str = "",
    external: dict | None = None,
    full_name: str = "",
    data: dict | None = None,
    channel: str = Channel.API,
    external_id: str = "",
    actor=None,
    now: datetime | None = None,
    verified: bool = False,
) -> EventResult:
    """Record an event for the customer behind the identities and schedule its invitations.

    Sending the same `external_id` again returns the first event and schedules nothing more.
    """
    now = now or timezone.now()
    event_type = _check_event_type(event_type)
    if occurred_at is None or timezone.is_naive(occurred_at):
        raise DomainError(
            _("occurred_at needs a date, a time and a time zone."), field="occurred_at"
        )
    if occurred_at > now + timedelta(minutes=5):
        raise DomainError(_("occurred_at is in the future."), field="occurred_at")
    data = dict(data or {})
    if len(str(data)) > MAX_EVENT_DATA:
        raise DomainError(f"Event data is limited to {MAX_EVENT_DATA} characters.", field="data")
    external_id = client_key(actor, external_id, limit=100) or ""
    scheduled: dict = {}

    def find() -> Event | None:
        return (
            by_key(Event, event_type=event_type, external_id=external_id) if external_id else None
        )

    def store() -> tuple[Event, bool]:
        resolution = customer_resolve(
            email=email,
            phone=phone,
            external=external,
            full_name=full_name,
            channel=channel,
            actor=actor,
            strict=False,
            verified=verified,
        )
        event = Event.objects.create(
            event_type=event_type,
            customer=resolution.customer,
            occurred_at=occurred_at,
            data=data,
            channel=channel,
            external_id=external_id,
            submitted_by=submitter(actor),
        )
        timeline_record(
            customer=event.customer,
            kind="event",
            title=_event_title(event),
            channel=channel,
            actor=actor,
            subject=event,
            occurred_at=occurred_at,
            data={"event_type": event_type, **dict(list(data.items())[:10])},
        )
        customer_active.send(sender=Event, moments=[(event.customer, occurred_at)])
        invitations = _schedule(event, now)
        scheduled.update(invitations=invitations, skipped=resolution.skipped)
        return event, True

    event, created = intake_once(find=find, create=store)
    if not created:
        return EventResult(event, False, list(event.invitations.all()))
    return EventResult(event, True, scheduled["invitations"], scheduled["skipped"])


def _event_title(event: Event) -> Phrase:
    if event.reference:
        return Phrase(
            gettext_noop("Event: %(event)s (%(reference)s)"),
            event=event.label,
            reference=event.reference,
        )
    return Phrase(gettext_noop("Event: %(event)s"), event=event.label)


def _schedule(event: Event, now: datetime) -> list[Invitation]:
    rules = TriggerRule.objects.filter(
        event_type=event.event_type, active=True, survey__status=Survey.Status.LIVE
    ).select_related("survey")
    invitations = []
    for rule in rules:
        variant = rule_variant(rule, event.customer_id)
        delay = rule.b_delay if variant == "B" and rule.b_delay is not None else rule.delay
        due = in_send_hours(event.occurred_at + delay, rule)
        invitation = Invitation.objects.create(
            survey=rule.survey,
            customer=event.customer,
            event=event,
            rule=rule,
            variant=variant,
            channel=rule.channel,
            scheduled_for=due,
            expires_at=max(due, now) + timedelta(days=settings.SURVEY_LINK_VALID_DAYS),
        )
        invitations.append(invitation)
        if due <= now:
            transaction.on_commit(lambda pk=invitation.pk: queue_item_task(send_invitation, pk))
    return invitations


def invitation_create(
    *,
    survey: Survey,
    customer,
    scheduled_for: datetime | None = None,
    dedupe_key: str | None = None,
    message_kind: str = Message.Kind.SOLICITATION,
    actor=None,
) -> Invitation:
    """Invite one customer to one survey directly, outside any trigger rule.

    Recovery's "did we make it right?" follow-up uses this with `message_kind` reply: it answers
    the customer's own case, so it goes despite the recovery hold, once, with no reminder.
    """
    if survey.status != Survey.Status.LIVE:
        raise DomainError(_("Only a live survey can be sent."), field="survey")
    now = timezone.now()
    scheduled_for = scheduled_for or now
    if dedupe_key:
        existing = Invitation.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    invitation = Invitation.objects.create(
        survey=survey,
        customer=customer,
        scheduled_for=scheduled_for,
        expires_at=max(scheduled_for, now) + timedelta(days=settings.SURVEY_LINK_VALID_DAYS),
        dedupe_key=dedupe_key,
        message_kind=message_kind,
    )
    if scheduled_for <= now:
        transaction.on_commit(lambda: queue_item_task(send_invitation, invitation.pk))
    return invitation


def _render(invitation: Invitation, template: str) -> tuple[str, str, str, str]:
    """The subject, text, HTML and text message of the invitation's `template`, in the
    customer's language when the survey has it whole, else in the survey's own."""
    customer = invitation.customer
    answer_url = settings.SITE_URL + invitation.get_absolute_url()
    questions = survey_questions(invitation.survey)
    language = survey_language(invitation.survey, questions, language_of(customer))
    survey, questions = localized(invitation.survey, questions, language)
    context = {
        "quick_rows": quick_rows(questions, survey, answer_url),
        "invitation": invitation,
        "survey": survey,
        "customer": customer,
        "first_name": customer.first_name,
        "company_name": settings.COMPANY_NAME,
        "answer_url": answer_url,
        # Texts carry the short link when the invitation has one (those made before it do not).
        "short_url": settings.SITE_URL + reverse("survey-short", args=[invitation.short_code])
        if invitation.short_code
        else answer_url,
        "event": invitation.event,
        "reference": invitation.event.reference if invitation.event else "",
        **customer_links(customer),
    }
    with translation.override(language):
        # A trigger rule's own subject is written in the survey's language.
        own = _rule_subject(invitation, context) if language == survey.language else ""
        subject = own or render_to_string(f"surveys/email/{template}_subject.txt", context).strip()
        text = render_to_string(f"surveys/email/{template}_body.txt", context)
        html = render_to_string(f"surveys/email/{template}_body.html", context)
        sms = render_to_string(f"surveys/email/{template}_sms.txt", context).strip()
    return subject, text, html, sms


def _rule_subject(invitation: Invitation, context: dict) -> str:
    """The subject line the invitation's rule (and its arm) sets, with {first_name} and
    {reference} filled in; "" for the standard one."""
    rule = invitation.rule
    if rule is None:
        return ""
    text = rule.b_subject if invitation.variant == "B" and rule.b_subject else rule.subject
    for name in ("first_name", "reference"):
        text = text.replace("{" + name + "}", str(context.get(name) or ""))
    # A name left out leaves no stray comma or space ("{first_name}, how..." for no name).
    return " ".join(text.split()).strip(" ,")


def _locked(invitation_id: int) -> Invitation | None:
    """The invitation, locked for this transaction, with what sending it reads."""
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("survey", "customer", "event", "rule")
        .filter(pk=invitation_id)
        .first()
    )


def invitation_send(*, invitation_id: int, now: datetime | None = None) -> Invitation:
    """Send one due invitation, deciding under the contact policy now. A no-op unless scheduled
    and due, so a repeated task, a second cluster or the sweeper cannot send it twice."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _locked(invitation_id)
        if (
            invitation is None
            or invitation.status != Invitation.Status.SCHEDULED
            or invitation.scheduled_for > now
        ):
            return invitation
        if invitation.survey.status != Survey.Status.LIVE:
            return _finish(
                invitation,
                Invitation.Status.CANCELLED,
                f"survey is {invitation.survey.status}",
            )
        late = now - invitation.scheduled_for
        if late > timedelta(days=settings.SURVEY_SEND_WINDOW_DAYS):
            return _finish(
                invitation,
                Invitation.Status.SUPPRESSED,
                f"too late: due {late.days} days ago, the moment to ask has passed",
            )
        try:
            message = _send(invitation, "invitation", invitation.message_kind, now)
        except Deferred as night:  # night where the customer is: it goes in their morning
            invitation.scheduled_for = night.retry_at
            invitation.save(update_fields=["scheduled_for"])
            return invitation
        invitation.channel = message.channel  # where it went (the customer's choice decides)
        if message.status == Message.Status.SUPPRESSED:
            return _finish(
                invitation, Invitation.Status.SUPPRESSED, message.reason, extra=["channel"]
            )
        invitation.sent_at = now
        return _finish(invitation, Invitation.Status.SENT, "", extra=["sent_at", "channel"])


def invitation_send_now(*, invitation: Invitation, now: datetime | None = None) -> Invitation:
    """Send a scheduled invitation at once instead of at its time (staff asked for it), under the
    same contact policy; anything but a scheduled invitation is returned as it is."""
    now = now or timezone.now()
    moved = Invitation.objects.filter(
        pk=invitation.pk, status=Invitation.Status.SCHEDULED, scheduled_for__gt=now
    ).update(scheduled_for=now)
    if moved:
        invitation.scheduled_for = now
    return invitation_send(invitation_id=invitation.pk, now=now)


def _send(invitation: Invitation, template: str, kind: str, now: datetime) -> Message:
    """Render the invitation's `template` ("invitation" or "reminder") and hand it to the
    outbox, once per invitation and template, for the customer's preferred channel."""
    subject, text, html, sms = _render(invitation, template)
    return message_send(
        customer=invitation.customer,
        kind=kind,
        purpose=f"survey.{template}",
        subject=subject,
        body_text=text,
        body_html=html,
        sms_text=sms,
        channel=PREFERRED,
        thread=invitation.thread,
        dedupe_key=f"{invitation.thread}:{template}",
        about=invitation,
        now=now,
    )


def _finish(invitation: Invitation, status: str, reason: str, extra=()) -> Invitation:
    invitation.status = status
    invitation.reason = reason[:500]
    invitation.save(update_fields=["status", "reason", *extra])
    return invitation


def invitation_remind(*, invitation_id: int, now: datetime | None = None) -> Invitation:
    """The one reminder to a customer who has not answered. Never a second one."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _locked(invitation_id)
        if (
            invitation is None
            or invitation.status != Invitation.Status.SENT
            or invitation.reminded_at is not None
            or invitation.message_kind != Message.Kind.SOLICITATION
            or invitation.survey.status != Survey.Status.LIVE
            or invitation.expires_at <= now
            or invitation.answer_received
        ):
            return invitation
        try:
            message = _send(invitation, "reminder", Message.Kind.SOLICITATION, now)
        except Deferred:  # night where the customer is: the reminder sweep tries again later
            return invitation
        invitation.reminded_at = now
        invitation.reason = message.reason if message.status == Message.Status.SUPPRESSED else ""
        invitation.save(update_fields=["reminded_at", "reason"])
    return invitation


BATCH = 500


def invitations_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Sweep: send every invitation that has come due and every reminder that is due.

    Run every minute by django-q2's scheduler; each item is decided on its own so one failure
    does not hold back the rest, and each decision is idempotent.
    """
    now = now or timezone.now()
    due = list(
        Invitation.objects.filter(status=Invitation.Status.SCHEDULED, scheduled_for__lte=now)
        .order_by("scheduled_for")
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in due:
        invitation_send(invitation_id=pk, now=now)
    remind_before = now - timedelta(days=settings.SURVEY_REMINDER_AFTER_DAYS)
    reminders = list(
        Invitation.objects.filter(
            status=Invitation.Status.SENT,
            message_kind=Message.Kind.SOLICITATION,
            reminded_at__isnull=True,
            received__isnull=True,
            sent_at__lte=remind_before,
            expires_at__gt=now,
            survey__status=Survey.Status.LIVE,
        )
        .order_by("sent_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in reminders:
        invitation_remind(invitation_id=pk, now=now)
    return {"invitations": len(due), "reminders": len(reminders)}


def send_invitation(invitation_id: int) -> str | None:
    """The task (queued by function object): send one due invitation."""
    invitation = invitation_send(invitation_id=invitation_id)
    return invitation.status if invitation else None

"""Telling staff what needs them: one notice per person and thing (a ticket given to them, a
customer who wrote, an approval waiting, a decision on their request, an SLA about to be
missed), listed in the app until read and e-mailed as each person chose."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from feedback_app.core.errors import DomainError
from feedback_app.core.roles import ROLES
from recovery.models import OPEN_STATES, Availability, StaffNotice, Ticket
from recovery.selectors import with_next_due
from recovery.services.log import staff_notify, ticket_mail


def staff_notice(
    *,
    user,
    kind: str,
    ticket: Ticket | None = None,
    text: str,
    key: str = "",
    link: str = "",
    mail_body: str = "",
) -> StaffNotice | None:
    """Tell one person, once per `key` (default: the kind and the ticket and the moment), about
    a ticket or (alerts, digests) about the page at `link`; `mail_body` is the e-mail's text
    when it says more than the one line."""
    if user is None or not user.is_active:
        return None
    key = (key or f"{kind}:{ticket.pk if ticket else link}:{timezone.now().isoformat()}")[:200]
    text = " ".join(text.split())  # one line: it is also an e-mail's subject
    try:
        with transaction.atomic():
            notice = StaffNotice.objects.create(
                user=user, kind=kind, ticket=ticket, link=link, text=text[:300], key=key
            )
    except IntegrityError:
        return None  # told already
    availability = Availability.objects.filter(user=user).first()
    if availability is None or availability.emails(kind):
        if ticket is not None:
            ticket_mail(user, ticket, text, mail_body or text)
        elif user.email:
            staff_notify(
                [user.email], text[:200], f"{mail_body or text}\n\n{settings.SITE_URL}{link}"
            )
    return notice


def managers():
    """Every active manager and administrator."""
    groups = [ROLES["manager"].group, ROLES["admin"].group]
    return list(
        get_user_model()
        .objects.filter(Q(groups__name__in=groups) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("username")
    )


def approvers(ticket: Ticket):
    """Who decides a request on this ticket: its team's manager, else every manager."""
    if ticket.team_id and ticket.team.manager_id:
        return [ticket.team.manager]
    return managers()


def notice_emails_set(*, user, kinds: list[str]) -> Availability:
    """Which kinds of notice the person also wants by e-mail (the rest: in the app only)."""
    unknown = set(kinds) - set(StaffNotice.Kind.values)
    if unknown:
        raise DomainError(f"Unknown kind of notice: {', '.join(sorted(unknown))}.", field="kinds")
    availability, _created = Availability.objects.update_or_create(
        user=user, defaults={"email_notices": sorted(kinds), "email_chosen": True}
    )
    return availability


def notices_read(*, user, ids=None) -> int:
    """Mark the person's notices read (the given ones, or all)."""
    unread = StaffNotice.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def sla_warnings(*, now=None) -> int:
    """The sweep: tell each assignee once per target when their ticket's apology or resolution
    is due within SLA_WARNING_MINUTES and not yet late."""
    now = now or timezone.now()
    soon = now + timedelta(minutes=settings.SLA_WARNING_MINUTES)
    due = with_next_due(
        Ticket.objects.filter(state__in=OPEN_STATES, breached=False, assignee__isnull=False)
    ).filter(next_due_at__gt=now, next_due_at__lte=soon)
    told = 0
    for ticket in due.select_related("assignee"):
        target = "apology" if ticket.apologised_at is None else "resolution"
        moment = ticket.next_due_at
        minutes = max(1, int((moment - now).total_seconds() // 60))
        if staff_notice(
            user=ticket.assignee,
            kind=StaffNotice.Kind.SLA_SOON,
            ticket=ticket,
            text=f"the {target} is due in {minutes} minutes",
            key=f"sla_soon:{ticket.pk}:{target}:{moment.isoformat()}",
        ):
            told += 1
    return told

"""The customer's case page, /case/<token>/: where their case stands in plain words, what was
said both ways, and a box to write to us (with photos). No login: the unguessable link is the
key. Opening it records nothing; only the form's POST does. A link that is not ours, or of a
case closed longer ago than CASE_LINK_VALID_DAYS, gets the same honest pages as a survey link."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View

from feedback_app.core.errors import DomainError
from feedback_app.core.forms import form_error
from feedback_app.customers.languages import speak_to
from feedback_app.customers.models import Channel
from feedback_app.customers.services.conversation import inbound_receive, uploads_from
from recovery import selectors
from recovery.canned import restitution_words
from recovery.forms import CaseReplyForm
from recovery.models import Restitution, State, Ticket
from recovery.services.sla import answer_due
from surveys.views.public import rate_limited


def case_expired(ticket: Ticket, now=None) -> bool:
    if ticket.state != State.CLOSED or ticket.closed_at is None:
        return False
    return ticket.closed_at + timedelta(days=settings.CASE_LINK_VALID_DAYS) <= (
        now or timezone.now()
    )


def where_it_stands(ticket: Ticket) -> tuple[str, str]:
    """(headline, explanation) of the case's state, as the customer should read it, in the
    language active for the page."""
    granted = [r for r in ticket.restitutions.all() if r.status == Restitution.Status.GRANTED]
    if ticket.state in (State.NEW, State.REOPENED):
        due = answer_due(ticket)
        if due is None:
            return (
                _("We are looking into it"),
                _("A person in our customer care team has your case and will answer you soon."),
            )
        when = date_format(
            timezone.localtime(due), pgettext("date: weekday, day, month, time", "l j F, H:i")
        )
        return (
            _("We are looking into it"),
            _("A person in our customer care team has your case and will answer you by %(when)s.")
            % {"when": when},
        )
    if ticket.state == State.APOLOGISED:
        return (
            _("We are finding out what went wrong"),
            _(
                "We have said sorry, and we are working out what happened so it does not happen "
                "again. We will write when we know."
            ),
        )
    if ticket.state == State.REASSURED:
        return (
            _("We know what went wrong"),
            _(
                "We have told you what caused it and what we changed. We are deciding how to "
                "make it up to you."
            ),
        )
    if ticket.state == State.RESTITUTION_OFFERED:
        given = ", ".join(
            restitution_words(r.kind, r.amount, r.currency, r.item) for r in granted
        ) or _("something back")
        return (
            _("We are making it up to you"),
            _("We are giving you %(what)s.") % {"what": given},
        )
    if ticket.state in (State.RESOLVED, State.FOLLOW_UP_SENT):
        return (
            _("We believe this is sorted"),
            _("If it is not, tell us below and we will pick it up again."),
        )
    return (
        _("This case is closed"),
        _("If something is still not right, write below: it reaches the team that handled it."),
    )


class CaseView(View):
    template_name = "recovery/public/case.html"

    def dispatch(self, request, token):
        self.ticket = selectors.case_by_token(token=token)
        if self.ticket is None:
            return render(request, "customers/public/link_invalid.html", status=404)
        speak_to(request, self.ticket.customer)
        if case_expired(self.ticket):
            return render(request, "recovery/public/case_expired.html", status=410)
        return super().dispatch(request, token)

    def _page(self, request, form, status=200):
        ticket = self.ticket
        headline, explanation = where_it_stands(ticket)
        context = {
            "ticket": ticket,
            "headline": headline,
            "explanation": explanation,
            "conversation": [
                entry
                for entry in selectors.ticket_conversation(ticket=ticket, notes=False)
                if entry.direction == "in" or entry.delivery in ("queued", "sending", "sent")
            ],
            "form": form,
            "first_name": ticket.customer.first_name,
            "max_files": settings.ATTACHMENT_MAX_COUNT,
            "max_mb": settings.ATTACHMENT_MAX_MB,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, token):
        return self._page(request, CaseReplyForm(initial={"submission": uuid.uuid4()}))

    def post(self, request, token):
        if rate_limited(request, "case-reply"):
            return render(request, "surveys/public/slow_down.html", status=429)
        form = CaseReplyForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                inbound_receive(
                    customer=self.ticket.customer,
                    thread=self.ticket.hold_reference,
                    channel=Channel.WEB,
                    key=f"case:{self.ticket.pk}:{data['submission']}",
                    body=data["body"],
                    uploads=uploads_from(data["files"]),
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Thank you. Your message is with our team."))
                return redirect("case", token=token)
        return self._page(request, form, status=400)

"""The ticket: its page, and one URL per step (`POST .../tickets/<id>/<step>/`) handled by one
view, mirroring the API's operations. Also opening a ticket by hand, and the approvals list."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from feedback_app.core.errors import DomainError, NotAllowed
from feedback_app.core.forms import form_error
from feedback_app.core.numbers import whole_number
from feedback_app.customers.selectors import customer_preferences
from feedback_app.customers.services.conversation import uploads_from
from feedback_app.customers.services.resolve import customer_resolve
from recovery import canned, selectors
from recovery.forms import (
    ApologyForm,
    AssignForm,
    CloseForm,
    DecisionForm,
    FollowUpNowForm,
    NoteForm,
    ReassuranceForm,
    ReopenForm,
    ReplyForm,
    ResolveForm,
    RestitutionForm,
    SkipForm,
    TicketCreateForm,
    WithdrawForm,
)
from recovery.models import Restitution, Ticket
from recovery.services.assignment import ticket_assign, ticket_note
from recovery.services.conversation import ticket_reply
from recovery.services.restitution import (
    allowance,
    restitution_decide,
    restitution_withdraw,
    ticket_offer_restitution,
)
from recovery.services.tickets import ticket_create
from recovery.services.workflow import (
    allowed_steps,
    ticket_apologise,
    ticket_close,
    ticket_follow_up_now,
    ticket_reassure,
    ticket_reopen,
    ticket_resolve,
    ticket_skip,
)
from surveys.selectors import follow_up_survey


def _pending(ticket: Ticket, restitution: int) -> Restitution:
    try:
        return ticket.restitutions.get(pk=restitution)
    except Restitution.DoesNotExist:
        raise DomainError(_("No such restitution on this ticket."), field="restitution") from None


def _decide(*, ticket: Ticket, actor, restitution: int, decision: str, reason: str):
    return restitution_decide(
        restitution=_pending(ticket, restitution),
        actor=actor,
        approve=decision == "approve",
        reason=reason,
    )


def _reply(*, ticket: Ticket, actor, subject: str, body: str, files):
    return ticket_reply(
        ticket=ticket, actor=actor, subject=subject, body=body, uploads=uploads_from(files)
    )


def _withdraw(*, ticket: Ticket, actor, restitution: int, reason: str):
    return restitution_withdraw(
        restitution=_pending(ticket, restitution), actor=actor, reason=reason
    )


@dataclass(frozen=True)
class Step:
    """A form and the service it feeds: the form's cleaned data are the service's arguments."""

    form: type[forms.Form]
    run: Any
    done: str = gettext_lazy("Done.")


# URL slug (as in the API: /api/v1/tickets/{id}/<slug>/) → step. Who may post each one is in
# feedback_app.core.policy (the page "recovery:ticket-step").
STEPS: dict[str, Step] = {
    "apologise": Step(ApologyForm, ticket_apologise),
    "reassure": Step(ReassuranceForm, ticket_reassure),
    "offer-restitution": Step(RestitutionForm, ticket_offer_restitution),
    "approve-restitution": Step(DecisionForm, _decide, gettext_lazy("Decision recorded.")),
    "withdraw-restitution": Step(WithdrawForm, _withdraw, gettext_lazy("Request withdrawn.")),
    "resolve": Step(ResolveForm, ticket_resolve),
    "send-follow-up": Step(FollowUpNowForm, ticket_follow_up_now, gettext_lazy("Follow-up sent.")),
    "close": Step(CloseForm, ticket_close),
    "reopen": Step(ReopenForm, ticket_reopen),
    "skip": Step(SkipForm, ticket_skip),
    "assign": Step(AssignForm, ticket_assign),
    "notes": Step(NoteForm, ticket_note, "Note added."),
    "reply": Step(ReplyForm, _reply, "Sent to the customer."),
}
# The workflow's steps whose form the page shows when the ticket's state allows them.
WORKFLOW_FORMS = (
    "apologise",
    "reassure",
    "offer-restitution",
    "resolve",
    "send-follow-up",
    "close",
    "reopen",
)
# Steps whose form the page shows with its errors; the others are buttons in a banner.
VISIBLE_FORMS = (*WORKFLOW_FORMS, "skip", "assign", "notes", "reply")
DRAFT_STEP = {"apologise": "apology", "reassure": "reassurance", "offer-restitution": "restitution"}


def slug(step: str) -> str:
    """The URL slug of a workflow step (offer_restitution is offer-restitution)."""
    return step.replace("_", "-")


class TicketView(View):
    """The ticket: customer summary, the feedback behind it, the log, and the next steps (each
    form posts to its own step URL)."""

    def get(self, request, pk, bound: dict | None = None, status: int = 200):
        try:
            ticket = selectors.ticket_detail(pk=pk)
        except Ticket.DoesNotExist:
            raise Http404 from None
        bound = bound or {}
        context = {
            "ticket": ticket,
            "step_forms": self._workflow_forms(ticket, request, bound),
            "skip_form": bound.get("skip") or SkipForm(initial={"expected_state": ticket.state}),
            "assign_form": bound.get("assign")
            or AssignForm(initial={"assignee": ticket.assignee_id, "team": ticket.team_id}),
            "note_form": bound.get("notes") or NoteForm(),
            "reply_form": bound.get("reply") or ReplyForm(),
            "conversation": selectors.ticket_conversation(ticket=ticket),
            "decision_form": DecisionForm(),
            "preferences": customer_preferences(customer=ticket.customer),
            "past_tickets": selectors.customer_past_tickets(ticket=ticket),
            "history": selectors.customer_history(ticket=ticket),
            "can_skip": request.user.has_perm("recovery.skip_step"),
            "can_approve": request.user.has_perm("recovery.approve_restitution"),
            "follow_up_survey": follow_up_survey(),
        }
        return render(request, "recovery/staff/ticket.html", context, status=status)

    @staticmethod
    def _workflow_forms(ticket: Ticket, request, bound: dict) -> dict:
        """{slug: form} for each workflow step the ticket's state allows, in the table's order,
        each message form with its draft and live preview."""
        allowed = {slug(step) for step in allowed_steps(ticket.state)}
        if any(r.status == Restitution.Status.PENDING for r in ticket.restitutions.all()):
            allowed.discard("offer-restitution")  # the request waiting for a manager shows instead
        forms_ = {}
        for step in WORKFLOW_FORMS:
            if step not in allowed:
                continue
            if step in bound:
                form = bound[step]
            elif step in DRAFT_STEP:
                subject, body = canned.draft(ticket, DRAFT_STEP[step], agent=request.user)
                form = STEPS[step].form(
                    initial={"expected_state": ticket.state, "subject": subject, "body": body}
                )
            else:
                form = STEPS[step].form(initial={"expected_state": ticket.state})
            if step in DRAFT_STEP:
                _with_preview(form, ticket, step, request.user)
            forms_[step] = form
        return forms_


def _values(form: forms.Form) -> dict:
    """What the form holds now: posted data for a bound form, else its initial values."""
    if form.is_bound:
        return {name: form.data.get(form.add_prefix(name), "") for name in form.fields}
    return {name: form.initial.get(name, form.fields[name].initial) for name in form.fields}


def _with_preview(form: forms.Form, ticket: Ticket, step: str, agent) -> forms.Form:
    """Attach to a message form what the customer will read (`form.preview`: subject, body) and,
    for restitution, the agent's allowance beside the amount."""
    values = _values(form)
    slots = canned.step_slots(ticket, DRAFT_STEP[step], values)
    if step == "offer-restitution":
        form.fields["amount"].help_text = allowance(agent, ticket, getattr(form, "limits", None))
    if "template" in form.fields:
        form.fields["template"].widget.attrs.update(
            {
                "hx-post": reverse("recovery:ticket-draft", args=[ticket.pk, step]) + "?switch=1",
                "hx-trigger": "change",
                "hx-target": f"#draft-{step}",
                "hx-select": f"#draft-{step}",
                "hx-swap": "outerHTML",
            }
        )
    form.language_note = canned.language_note(
        ticket, DRAFT_STEP[step], whole_number(str(values.get("template") or ""))
    )
    form.preview = {
        "subject": canned.fill(values.get("subject") or "", **slots),
        "body": canned.fill(values.get("body") or "", **slots),
        "unfilled": canned.unfilled(values.get("body") or "", **slots),
    }
    return form


class TicketDraftView(View):
    """The live preview of a message step (htmx): the form as posted, with the customer's view
    of the message filled from it. With `switch`, the subject and body are drafted again from
    the template the agent chose. Nothing is stored or sent."""

    def post(self, request, pk, step):
        if step not in DRAFT_STEP:
            raise Http404
        ticket = get_object_or_404(
            Ticket.objects.select_related("customer", "main_topic").prefetch_related("topics"),
            pk=pk,
        )
        data = request.POST.copy()
        if request.GET.get("switch"):
            try:
                choice = int(data.get("template") or 0) or None
            except ValueError:
                choice = None
            data["subject"], data["body"] = canned.draft(
                ticket, DRAFT_STEP[step], agent=request.user, choice=choice
            )
        form = _with_preview(STEPS[step].form(data), ticket, step, request.user)
        return render(
            request,
            "recovery/staff/_step_form.html",
            {"ticket": ticket, "step": step, "form": form},
        )


class TicketStepView(View):
    """One step on one ticket: the form checks the input, the service decides; a refusal shows on
    the ticket page with the form as it was posted (400, or 409 when the state moved on)."""

    def post(self, request, pk, step):
        if step not in STEPS:
            raise Http404
        ticket = get_object_or_404(Ticket, pk=pk)
        form = STEPS[step].form(request.POST, request.FILES)
        if not form.is_valid():
            if step not in VISIBLE_FORMS:  # a banner's buttons: say what was wrong up top
                messages.error(
                    request, " ".join(e for errors in form.errors.values() for e in errors)
                )
            return TicketView().get(request, pk, bound={step: form}, status=400)
        # The canned message the agent drafted from only matters to restitution: what is given
        # is written in that message's language.
        data = {
            name: value
            for name, value in form.cleaned_data.items()
            if name != "template" or step == "offer-restitution"
        }
        try:
            result = STEPS[step].run(ticket=ticket, actor=request.user, **data)
        except NotAllowed:
            raise PermissionDenied from None
        except DomainError as exc:
            form_error(form, exc)
            if exc.http_status == 409 or step not in VISIBLE_FORMS:
                messages.error(request, exc.message)  # the form may no longer be on the page
            status = 409 if exc.http_status == 409 else 400
            return TicketView().get(request, pk, bound={step: form}, status=status)
        if isinstance(result, Restitution) and result.status == Restitution.Status.PENDING:
            messages.info(
                request,
                _("%(what)s is above your limit: it waits for a manager's approval.")
                % {"what": result.summary},
            )
        else:
            messages.success(request, STEPS[step].done)
        if request.POST.get("next") == "approvals":
            return redirect("recovery:approvals")
        return redirect(ticket)


class TicketCreateView(View):
    """Open a ticket by hand (a call, a letter, a visit)."""

    def get(self, request):
        return render(request, "recovery/staff/create.html", {"form": TicketCreateForm()})

    def post(self, request):
        form = TicketCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                customer = customer_resolve(
                    email=data["email"],
                    phone=data["phone"],
                    full_name=data["full_name"],
                    channel="staff",
                    actor=request.user,
                    verified=True,  # a person took these down
                ).customer
                ticket = ticket_create(
                    customer=customer,
                    subject=data["subject"],
                    reference=data["reference"],
                    priority=data["priority"],
                    note=data["note"],
                    assignee=request.user,
                    actor=request.user,
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                return redirect(ticket)
        return render(request, "recovery/staff/create.html", {"form": form}, status=400)


class ApprovalsView(View):
    def get(self, request):
        page = Paginator(selectors.pending_restitutions(), 50).get_page(request.GET.get("page"))
        return render(
            request,
            "recovery/staff/approvals.html",
            {"page_obj": page, "decision_form": DecisionForm()},
        )

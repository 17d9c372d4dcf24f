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
from django.views import View

from feedback_app.core.errors import DomainError, NotAllowed
from feedback_app.core.forms import form_error
from feedback_app.customers.selectors import customer_preferences
from feedback_app.customers.services.resolve import customer_resolve
from recovery import canned, selectors
from recovery.forms import (
    ApologyForm,
    AssignForm,
    CloseForm,
    DecisionForm,
    NoteForm,
    ReassuranceForm,
    ReopenForm,
    ResolveForm,
    RestitutionForm,
    SkipForm,
    TicketCreateForm,
    WithdrawForm,
)
from recovery.models import Restitution, Ticket
from recovery.services.restitution import (
    restitution_decide,
    restitution_withdraw,
    ticket_offer_restitution,
)
from recovery.services.tickets import ticket_assign, ticket_create, ticket_note
from recovery.services.workflow import (
    allowed_steps,
    ticket_apologise,
    ticket_close,
    ticket_reassure,
    ticket_reopen,
    ticket_resolve,
    ticket_skip,
)


def _pending(ticket: Ticket, restitution: int) -> Restitution:
    try:
        return ticket.restitutions.get(pk=restitution)
    except Restitution.DoesNotExist:
        raise DomainError("No such restitution on this ticket.", field="restitution") from None


def _decide(*, ticket: Ticket, actor, restitution: int, decision: str, reason: str):
    return restitution_decide(
        restitution=_pending(ticket, restitution),
        actor=actor,
        approve=decision == "approve",
        reason=reason,
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
    done: str = "Done."


# URL slug (as in the API: /api/v1/tickets/{id}/<slug>/) → step. Who may post each one is in
# feedback_app.core.policy (the page "recovery:ticket-step").
STEPS: dict[str, Step] = {
    "apologise": Step(ApologyForm, ticket_apologise),
    "reassure": Step(ReassuranceForm, ticket_reassure),
    "offer-restitution": Step(RestitutionForm, ticket_offer_restitution),
    "approve-restitution": Step(DecisionForm, _decide, "Decision recorded."),
    "withdraw-restitution": Step(WithdrawForm, _withdraw, "Request withdrawn."),
    "resolve": Step(ResolveForm, ticket_resolve),
    "close": Step(CloseForm, ticket_close),
    "reopen": Step(ReopenForm, ticket_reopen),
    "skip": Step(SkipForm, ticket_skip),
    "assign": Step(AssignForm, ticket_assign),
    "notes": Step(NoteForm, ticket_note, "Note added."),
}
# The workflow's steps whose form the page shows when the ticket's state allows them.
WORKFLOW_FORMS = ("apologise", "reassure", "offer-restitution", "resolve", "close", "reopen")
# Steps whose form the page shows with its errors; the others are buttons in a banner.
VISIBLE_FORMS = (*WORKFLOW_FORMS, "skip", "assign", "notes")
DRAFT_STEP = {"apologise": "apology", "reassure": "reassurance", "offer-restitution": "restitution"}
DRAFT_EXTRA = {
    "reassure": {"cause": "[what caused it]", "corrective_action": "[what we changed]"},
    "offer-restitution": {"restitution": "[what we give]"},
}


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
            "decision_form": DecisionForm(),
            "preferences": customer_preferences(customer=ticket.customer),
            "past_tickets": selectors.customer_past_tickets(ticket=ticket),
            "can_skip": request.user.has_perm("recovery.skip_step"),
            "can_approve": request.user.has_perm("recovery.approve_restitution"),
        }
        return render(request, "recovery/staff/ticket.html", context, status=status)

    @staticmethod
    def _workflow_forms(ticket: Ticket, request, bound: dict) -> dict:
        """{slug: form} for each workflow step the ticket's state allows, in the table's order."""
        allowed = {slug(step) for step in allowed_steps(ticket.state)}
        forms_ = {}
        for step in WORKFLOW_FORMS:
            if step not in allowed:
                continue
            if step in bound:
                forms_[step] = bound[step]
                continue
            initial = {"expected_state": ticket.state}
            if step in DRAFT_STEP:
                subject, body = canned.draft(
                    ticket, DRAFT_STEP[step], agent=request.user, **DRAFT_EXTRA.get(step, {})
                )
                initial.update(subject=subject, body=body)
            forms_[step] = STEPS[step].form(initial=initial)
        return forms_


class TicketStepView(View):
    """One step on one ticket: the form checks the input, the service decides; a refusal shows on
    the ticket page with the form as it was posted (400, or 409 when the state moved on)."""

    def post(self, request, pk, step):
        if step not in STEPS:
            raise Http404
        ticket = get_object_or_404(Ticket, pk=pk)
        form = STEPS[step].form(request.POST)
        if not form.is_valid():
            if step not in VISIBLE_FORMS:  # a banner's buttons: say what was wrong up top
                messages.error(
                    request, " ".join(e for errors in form.errors.values() for e in errors)
                )
            return TicketView().get(request, pk, bound={step: form}, status=400)
        try:
            result = STEPS[step].run(ticket=ticket, actor=request.user, **form.cleaned_data)
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
                request, f"{result.summary} is above your limit: it waits for a manager's approval."
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

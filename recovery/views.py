"""Staff pages of the recovery app: the queue, the ticket page with one form per next step,
approvals, and the settings managers keep (canned messages, approval limits)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from feedback_app.core.errors import DomainError, NotAllowed
from feedback_app.core.numbers import whole_number, whole_numbers
from feedback_app.customers.selectors import customer_preferences
from feedback_app.customers.services import customer_resolve
from recovery import canned, reports, selectors
from recovery.exports import csv_response
from recovery.filters import TicketFilter
from recovery.forms import (
    ApologyForm,
    ApprovalLimitForm,
    AssignForm,
    BulkForm,
    CannedMessageForm,
    CloseForm,
    DecisionForm,
    DeclineForm,
    ImprovementForm,
    LinkForm,
    NoteForm,
    ReassuranceForm,
    ReopenForm,
    ResolveForm,
    RestitutionForm,
    ShipForm,
    SkipForm,
    TicketCreateForm,
)
from recovery.models import ApprovalLimit, CannedMessage, Improvement, Restitution, Ticket
from recovery.services.improvements import (
    DONE,
    example_notice,
    improvement_decline,
    improvement_link,
    improvement_save,
    improvement_ship,
    link_preview,
)
from recovery.services.restitution import (
    restitution_decide,
    restitution_withdraw,
    ticket_offer_restitution,
)
from recovery.services.tickets import ticket_assign, ticket_create, ticket_note, tickets_bulk
from recovery.services.workflow import (
    allowed_steps,
    ticket_apologise,
    ticket_close,
    ticket_reassure,
    ticket_reopen,
    ticket_resolve,
    ticket_skip,
)
from surveys.models import Topic

QUEUE_PAGE = 50


def _page_of(tickets, number):
    """One page of the queue in two steps: the page's ids from the ticket table alone, in an
    order an index gives, then just those rows with everything they show. Sorting and skipping
    whole joined rows made page 500 of 100,000 tickets take a third of a second."""
    page = Paginator(tickets.values_list("pk", flat=True), QUEUE_PAGE).get_page(number)
    rows = selectors.ticket_queue().in_bulk(list(page.object_list))
    page.object_list = [rows[pk] for pk in page.object_list if pk in rows]
    return page


class QueueView(View):
    """The recovery queue: filters, sorting, search, paging, countdowns, bulk actions."""

    def _page(self, request):
        data = request.GET.copy()
        data.setdefault("state", "open")
        filterset = TicketFilter(
            data, queryset=selectors.ticket_queue().order_by("-priority", "opened_at", "id")
        )
        page = _page_of(filterset.qs, request.GET.get("page"))
        query = data.copy()
        query.pop("page", None)
        return filterset, page, query.urlencode()

    def get(self, request, bulk_form=None):
        filterset, page, query = self._page(request)
        context = {
            "filter": filterset,
            "page_obj": page,
            "query": query,
            "bulk_form": bulk_form or BulkForm(ticket_ids=[t.pk for t in page]),
        }
        return render(request, "recovery/staff/queue.html", context)

    def post(self, request):
        ids = whole_numbers(request.POST.getlist("tickets"))
        form = BulkForm(request.POST, ticket_ids=ids)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(f"{reverse('recovery:queue')}?{request.GET.urlencode()}")
        data = form.cleaned_data
        assignee = request.user if data["action"] == "assign_me" else data.get("assignee")
        done, problems = tickets_bulk(
            ticket_ids=data["tickets"],
            actor=request.user,
            action=data["action"],
            assignee=assignee,
            reason=data["reason"],
        )
        messages.success(request, f"{done} ticket{'s' if done != 1 else ''} updated.")
        for problem in problems:
            messages.error(request, problem)
        return redirect(f"{reverse('recovery:queue')}?{request.GET.urlencode()}")


STEP_FORMS = {
    "apologise": ApologyForm,
    "reassure": ReassuranceForm,
    "offer_restitution": RestitutionForm,
    "resolve": ResolveForm,
    "close": CloseForm,
    "reopen": ReopenForm,
}
# The form's cleaned data (with expected_state) is exactly each step's keyword arguments.
WORKFLOW_STEPS = {
    "apologise": ticket_apologise,
    "reassure": ticket_reassure,
    "offer_restitution": ticket_offer_restitution,
    "resolve": ticket_resolve,
    "close": ticket_close,
    "reopen": ticket_reopen,
    "skip": ticket_skip,
}
DRAFT_STEP = {"apologise": "apology", "reassure": "reassurance", "offer_restitution": "restitution"}
DRAFT_EXTRA = {
    "reassure": {"cause": "[what caused it]", "corrective_action": "[what we changed]"},
    "offer_restitution": {"restitution": "[what we give]"},
}


class TicketView(View):
    """The ticket: customer summary, the feedback behind it, the log, and the next steps."""

    def _ticket(self, pk) -> Ticket:
        try:
            return selectors.ticket_detail(pk=pk)
        except Ticket.DoesNotExist:
            raise Http404 from None

    def _forms(self, ticket: Ticket, request, bound: dict) -> dict:
        forms = {}
        for step in allowed_steps(ticket.state):
            if step not in STEP_FORMS:
                continue
            if step in bound:
                forms[step] = bound[step]
                continue
            initial = {"expected_state": ticket.state}
            if step in DRAFT_STEP:
                subject, body = canned.draft(
                    ticket, DRAFT_STEP[step], agent=request.user, **DRAFT_EXTRA.get(step, {})
                )
                initial.update(subject=subject, body=body)
            forms[step] = STEP_FORMS[step](initial=initial)
        return forms

    def get(self, request, pk, bound=None, status=200):
        ticket = self._ticket(pk)
        bound = bound or {}
        context = {
            "ticket": ticket,
            "step_forms": self._forms(ticket, request, bound),
            "skip_form": bound.get("skip") or SkipForm(initial={"expected_state": ticket.state}),
            "assign_form": bound.get("assign")
            or AssignForm(initial={"assignee": ticket.assignee_id, "team": ticket.team_id}),
            "note_form": bound.get("note") or NoteForm(),
            "decision_form": DecisionForm(),
            "preferences": customer_preferences(customer=ticket.customer),
            "past_tickets": selectors.customer_past_tickets(ticket=ticket),
            "can_skip": request.user.has_perm("recovery.skip_step"),
            "can_approve": request.user.has_perm("recovery.approve_restitution"),
        }
        return render(request, "recovery/staff/ticket.html", context, status=status)

    def post(self, request, pk):
        ticket = get_object_or_404(Ticket, pk=pk)
        action = request.POST.get("action", "")
        if action in STEP_FORMS:
            form = STEP_FORMS[action](request.POST)
        elif action == "skip":
            form = SkipForm(request.POST)
        elif action == "assign":
            form = AssignForm(request.POST)
        elif action == "note":
            form = NoteForm(request.POST)
        elif action == "decide":
            return self._decide(request, ticket)
        elif action == "withdraw":
            return self._withdraw(request, ticket)
        else:
            raise Http404
        if form.is_valid():
            try:
                result = self._run(action, ticket, request.user, form.cleaned_data)
            except DomainError as exc:
                if exc.http_status == 409:
                    messages.error(request, exc.message)  # the step's form may no longer be shown
                if exc.field and exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    form.add_error(None, exc.message)
                return self.get(
                    request, pk, bound={action: form}, status=409 if exc.http_status == 409 else 400
                )
            if isinstance(result, Restitution) and result.status == Restitution.Status.PENDING:
                messages.info(
                    request,
                    f"{result.summary} is above your limit: it waits for a manager's approval.",
                )
            else:
                messages.success(request, "Done.")
            return redirect(ticket)
        return self.get(request, pk, bound={action: form}, status=400)

    @staticmethod
    def _run(action: str, ticket: Ticket, actor, data: dict):
        if action in WORKFLOW_STEPS:
            return WORKFLOW_STEPS[action](ticket=ticket, actor=actor, **data)
        if action == "assign":
            return ticket_assign(ticket=ticket, actor=actor, **data)
        return ticket_note(ticket=ticket, actor=actor, **data)

    def _withdraw(self, request, ticket):
        restitution = get_object_or_404(
            Restitution, pk=whole_number(request.POST.get("restitution")), ticket=ticket
        )
        try:
            restitution_withdraw(
                restitution=restitution,
                actor=request.user,
                reason=request.POST.get("reason", "")[:500],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Request withdrawn.")
        return redirect(ticket)

    def _decide(self, request, ticket):
        restitution = get_object_or_404(
            Restitution, pk=whole_number(request.POST.get("restitution")), ticket=ticket
        )
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                restitution_decide(
                    restitution=restitution,
                    actor=request.user,
                    approve=form.cleaned_data["decision"] == "approve",
                    reason=form.cleaned_data["reason"],
                )
            except NotAllowed:
                raise PermissionDenied from None
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Restitution {form.cleaned_data['decision']}d.")
        next_url = request.POST.get("next")
        if next_url == "approvals":
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
                form.add_error(None, exc.message)
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


class SettingsView(View):
    """Canned messages and approval limits, kept by managers."""

    def get(self, request, canned_form=None, limit_form=None):
        context = {
            "canned": CannedMessage.objects.select_related("topic"),
            "limits": ApprovalLimit.objects.all(),
            "customer_period_days": settings.RESTITUTION_CUSTOMER_PERIOD_DAYS,
            "canned_form": canned_form or CannedMessageForm(),
            "limit_form": limit_form or ApprovalLimitForm(),
        }
        return render(request, "recovery/staff/settings.html", context)

    def post(self, request):
        if "save_limit" in request.POST:
            instance = ApprovalLimit.objects.filter(
                currency=request.POST.get("currency", "").strip().upper()
            ).first()
            form = ApprovalLimitForm(request.POST, instance=instance)
            if form.is_valid():
                form.save()
                messages.success(request, "Approval limit saved.")
                return redirect("recovery:settings")
            return self.get(request, limit_form=form)
        instance = CannedMessage.objects.filter(pk=whole_number(request.POST.get("pk"))).first()
        form = CannedMessageForm(request.POST, instance=instance)
        if form.is_valid():
            form.save()
            messages.success(request, "Canned message saved.")
            return redirect("recovery:settings")
        return self.get(request, canned_form=form)


# --- Improvements: "you said, we did" ---------------------------------------------------------


class ImprovementListView(View):
    def get(self, request):
        page = Paginator(selectors.improvement_list(), 50).get_page(request.GET.get("page"))
        return render(request, "recovery/staff/improvements.html", {"page_obj": page})


class ImprovementEditView(View):
    def _improvement(self, pk):
        return get_object_or_404(Improvement, pk=pk) if pk else None

    def get(self, request, pk=None):
        form = ImprovementForm(instance=self._improvement(pk))
        return render(request, "recovery/staff/improvement_form.html", {"form": form})

    def post(self, request, pk=None):
        improvement = self._improvement(pk)
        form = ImprovementForm(
            request.POST, instance=Improvement.objects.get(pk=pk) if pk else None
        )
        if form.is_valid():
            try:
                improvement = improvement_save(
                    actor=request.user, improvement=improvement, **form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("recovery:improvement", pk=improvement.pk)
        return render(request, "recovery/staff/improvement_form.html", {"form": form}, status=400)


class ImprovementView(View):
    """An improvement with what customers said, who was told, and the manager's actions."""

    def get(
        self,
        request,
        pk,
        link_form=None,
        ship_form=None,
        decline_form=None,
        preview=None,
        status=200,
    ):
        try:
            improvement = selectors.improvement_detail(pk=pk)
        except Improvement.DoesNotExist:
            raise Http404 from None
        customers = {
            link_customer
            for link in improvement.links.all()
            if (link_customer := _link_customer(link))
        }
        example = None
        if improvement.status not in DONE and improvement.customer_text:
            customer = next(iter(customers), None)
            if customer is not None:
                example = example_notice(improvement=improvement, customer=customer)
        context = {
            "improvement": improvement,
            "customer_count": len(customers),
            "link_form": link_form or LinkForm(initial={"days": 90, "sentiment": "negative"}),
            "ship_form": ship_form
            or ShipForm(initial={"customer_text": improvement.customer_text}),
            "decline_form": decline_form or DeclineForm(),
            "preview": preview,
            "example": example,
            "can_manage": request.user.has_perm("recovery.change_improvement"),
        }
        return render(request, "recovery/staff/improvement.html", context, status=status)

    def post(self, request, pk):
        improvement = get_object_or_404(Improvement, pk=pk)
        action = request.POST.get("action")
        try:
            if action == "link":
                return self._link(request, improvement)
            if action == "ship":
                form = ShipForm(request.POST)
                if not form.is_valid():
                    return self.get(request, pk, ship_form=form, status=400)
                improvement_ship(improvement=improvement, actor=request.user, **form.cleaned_data)
                messages.success(request, "Shipped. Each customer who asked is being told.")
            elif action == "decline":
                form = DeclineForm(request.POST)
                if not form.is_valid():
                    return self.get(request, pk, decline_form=form, status=400)
                improvement_decline(
                    improvement=improvement, actor=request.user, **form.cleaned_data
                )
                messages.success(request, "Declined.")
            else:
                raise Http404
        except NotAllowed:
            raise PermissionDenied from None
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("recovery:improvement", pk=pk)

    def _link(self, request, improvement):
        if not request.user.has_perm("recovery.change_improvement"):
            raise PermissionDenied
        form = LinkForm(request.POST)
        if not form.is_valid():
            return self.get(request, improvement.pk, link_form=form, status=400)
        data = form.cleaned_data
        if data["topic"] is not None and not data["confirm"]:
            preview = link_preview(
                topic=data["topic"], days=data["days"], sentiment=data["sentiment"]
            )
            confirm = LinkForm(initial={**request.POST.dict(), "confirm": True})
            return self.get(request, improvement.pk, link_form=confirm, preview=preview)
        try:
            added = improvement_link(
                improvement=improvement,
                actor=request.user,
                tickets=data["tickets"],
                complaints=data["complaints"],
                responses=data["responses"],
                topic=data["topic"],
                days=data["days"],
                sentiment=data["sentiment"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.get(request, improvement.pk, link_form=form, status=400)
        messages.success(request, f"Linked {sum(added.values())} more.")
        return redirect("recovery:improvement", pk=improvement.pk)


def _link_customer(link):
    if link.ticket_id:
        return link.ticket.customer
    if link.complaint_id:
        return link.complaint.customer
    return link.response.customer if link.response_id else None


class WeDidView(View):
    """Public: what customers asked for and what we changed. Counts only, no personal data."""

    def get(self, request):
        wanted = request.GET.get("topic", "")
        topic = None
        if (number := whole_number(wanted)) is not None:
            topic = Topic.objects.filter(pk=number, active=True).first()
        context = {
            "improvements": selectors.improvements_public(topic=topic),
            "topics": Topic.objects.filter(
                active=True, improvements__status=Improvement.Status.SHIPPED
            ).distinct(),
            "topic": topic,
        }
        return render(request, "recovery/public/we_did.html", context)


class LoopReportView(View):
    """The manager's "you said, we did" report, printable, each table exportable as CSV."""

    def get(self, request):
        days = min(max(whole_number(request.GET.get("days", "")) or 90, 1), 3660)
        theme_rows = reports.themes(since=reports.period(days))
        outcome_rows = reports.outcomes()
        export = request.GET.get("export")
        if export == "themes":
            return csv_response(
                "themes.csv",
                [
                    "topic",
                    "feedback",
                    "negative",
                    "negative_share_pct",
                    "open_loop",
                    "improvements",
                ],
                [
                    [
                        t.topic.name,
                        t.items,
                        t.negative,
                        t.negative_share,
                        t.open_loop,
                        "; ".join(f"{i.title} ({i.status})" for i in t.improvements),
                    ]
                    for t in theme_rows
                ],
            )
        if export == "improvements":
            return csv_response(
                "improvements.csv",
                [
                    "improvement",
                    "shipped",
                    "days_from_first_feedback",
                    "customers_told",
                    "suppressed",
                    "came_back",
                    "nps_before",
                    "nps_after",
                ],
                [
                    [
                        o.improvement.title,
                        o.improvement.shipped_at.date().isoformat(),
                        o.days_to_fix,
                        o.told,
                        o.suppressed,
                        o.came_back,
                        _round(o.nps_before),
                        _round(o.nps_after),
                    ]
                    for o in outcome_rows
                ],
            )
        return render(
            request,
            "recovery/staff/loop_report.html",
            {"themes": theme_rows, "outcomes": outcome_rows, "days": days},
        )


def _round(value):
    return "" if value is None else round(value, 1)

"""Improvements ("you said, we did"): the list, one improvement with its links and the manager's
actions, the editor, the manager's loop report, and the public page of what changed."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views import View

from feedback_app.core.errors import DomainError, NotAllowed
from feedback_app.core.forms import form_error
from feedback_app.core.numbers import whole_number
from feedback_app.core.translations import texts_in
from recovery import selectors
from recovery.dashboards.figures import loop
from recovery.exports import table_csv
from recovery.forms import DeclineForm, ImprovementForm, LinkForm, ShipForm
from recovery.models import Improvement
from recovery.services.improvements import (
    DONE,
    example_notice,
    improvement_decline,
    improvement_link,
    improvement_save,
    improvement_ship,
    link_preview,
    notice_forecast,
    numbers_preview,
)
from surveys.models import Topic


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
                    actor=request.user,
                    improvement=improvement,
                    translations=form.cleaned_translations(),
                    **form.cleaned_originals(),
                )
            except DomainError as exc:
                form_error(form, exc)
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
                forecast = notice_forecast(improvement=improvement)
                improvement_ship(improvement=improvement, actor=request.user, **form.cleaned_data)
                messages.success(request, shipped_message(forecast))
            elif action == "decline":
                form = DeclineForm(request.POST)
                if not form.is_valid():
                    return self.get(request, pk, decline_form=form, status=400)
                improvement_decline(
                    improvement=improvement, actor=request.user, **form.cleaned_data
                )
                messages.success(request, _("Declined."))
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
        typed = {key: data[key] for key in ("tickets", "complaints", "responses")}
        if (data["topic"] is not None or any(typed.values())) and not data["confirm"]:
            # Nothing is linked before the manager has seen what it would link.
            preview = {}
            try:
                if any(typed.values()):
                    preview["items"] = numbers_preview(**typed)
                if data["topic"] is not None:
                    preview.update(
                        link_preview(
                            topic=data["topic"], days=data["days"], sentiment=data["sentiment"]
                        )
                    )
            except DomainError as exc:
                form_error(form, exc)
                return self.get(request, improvement.pk, link_form=form, status=400)
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
            form_error(form, exc)
            return self.get(request, improvement.pk, link_form=form, status=400)
        messages.success(request, _("Linked %(count)d more.") % {"count": sum(added.values())})
        return redirect("recovery:improvement", pk=improvement.pk)


def shipped_message(forecast: dict[str, int]) -> str:
    """What shipping will do, in counts: told now, told later, not told."""

    now, later, never = forecast["now"], forecast["later"], forecast["never"]
    parts = [
        ngettext("%(count)d customer told now", "%(count)d customers told now", now)
        % {"count": now}
    ]
    if later:
        parts.append(
            ngettext(
                "%(count)d customer told later, when our contact rules allow (a recent message "
                "or an open case holds them back; within %(days)d days)",
                "%(count)d customers told later, when our contact rules allow (a recent message "
                "or an open case holds them back; within %(days)d days)",
                later,
            )
            % {"count": later, "days": settings.IMPROVEMENT_NOTICE_WAIT_DAYS}
        )
    if never:
        parts.append(
            ngettext(
                "%(count)d customer cannot be told (opted out or no address)",
                "%(count)d customers cannot be told (opted out or no address)",
                never,
            )
            % {"count": never}
        )
    return _("Shipped: %(parts)s.") % {"parts": "; ".join(parts)}


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
        improvements = list(selectors.improvements_public(topic=topic))
        for improvement in improvements:  # as this page's language has them, whole, or English
            _used, improvement.shown = texts_in(
                improvement, Improvement.TRANSLATED, get_language(), settings.LANGUAGE_CODE
            )
        context = {
            "improvements": improvements,
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
        theme_rows = loop.themes(since=loop.period(days))
        outcome_rows = loop.outcomes()
        tables = {
            "themes": loop.themes_table(theme_rows),
            "improvements": loop.outcomes_table(outcome_rows, shipped_column=True),
        }
        export = request.GET.get("export")
        if export:
            if export not in tables:
                raise Http404
            return table_csv(f"{export}.csv", tables[export])
        return render(
            request,
            "recovery/staff/loop_report.html",
            {"themes": theme_rows, "outcomes": outcome_rows, "days": days},
        )

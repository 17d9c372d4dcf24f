"""The recovery queue: filters, sorting, search, paging, countdowns, bulk actions."""

import html

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from feedback_app.core.formatting import countdown, countdown_words
from feedback_app.core.numbers import whole_numbers
from feedback_app.customers.models import ValueTier
from recovery import selectors
from recovery.filters import TicketFilter
from recovery.forms import BulkForm
from recovery.models import Priority, State, Ticket
from recovery.selectors import sort_tickets
from recovery.services.assignment import tickets_bulk

QUEUE_PAGE = 50
# Column headers that sort: (label, the order a click asks for, then the one a second click
# asks for, how each reads to a screen reader).
SORTABLE = {
    "priority": (gettext_lazy("Priority"), ("priority",), "descending"),
    "sla": (gettext_lazy("SLA"), ("next_due",), "ascending"),
    "opened": (gettext_lazy("Opened"), ("newest", "oldest"), None),
}


def sort_links(query, current: str) -> dict[str, dict]:
    """Each sortable column's link (keeping the filters) and whether the queue is sorted by it."""
    current = current or "next_due"
    links = {}
    for key, (label, orders, direction) in SORTABLE.items():
        active = current in orders
        wanted = orders[(orders.index(current) + 1) % len(orders)] if active else orders[0]
        params = query.copy()
        params["sort"] = wanted
        if active and direction is None:
            direction = "descending" if current == "newest" else "ascending"
        links[key] = {
            "label": label,
            "url": "?" + params.urlencode(),
            "sorted": direction if active else "",
        }
    return links


def _e(value) -> str:
    """Escaped for HTML, like Django's escape() without its lazy-string wrapper, which cost more
    than the escaping when a page escapes a few thousand values."""
    return html.escape(str(value))


def queue_rows(tickets) -> list[SafeString]:
    """The queue's rows as HTML, built in Python (as Django's admin builds its change list): the
    queue draws 50 of them, and each template look-up and filter in a loop costs more than the
    line of Python that replaces it. Every value passes through _e()."""
    now = timezone.now()
    # One reversal each for the whole page: a row's address differs only in its number.
    ticket_url = reverse("recovery:ticket", args=[0]).replace("/0/", "/{}/")
    customer_url = reverse("customers:detail", args=[0]).replace("/0/", "/{}/")
    # Each label and phrase in the reader's language, translated once for the whole page.
    states = {value: str(label) for value, label in State.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    tiers = {value: str(label) for value, label in ValueTier.choices}
    wrote, select = _("customer wrote %(time)s ago"), _("Select ticket %(number)s")
    sla = {"apology": _("apology %(when)s"), "resolution": _("resolution %(when)s")}
    sla |= {"met": _("met"), "breached": _("breached"), "countdown": countdown_words()}
    opened_format = _("j M, H:i")
    rows = []
    for ticket in tickets:
        pk, customer = ticket.pk, ticket.customer
        subject = _e(Truncator(ticket.subject).chars(70))
        if ticket.reference:
            subject += f' <span class="small text-secondary">{_e(ticket.reference)}</span>'
        if ticket.customer_waiting_since:
            waited = _e(timesince(ticket.customer_waiting_since, now))
            subject += f' <span class="badge text-bg-warning">{wrote % {"time": waited}}</span>'
        who = _e(customer)
        if customer.value_tier != ValueTier.STANDARD:
            tier = tiers.get(customer.value_tier, customer.value_tier)
            who += f' <span class="badge text-bg-warning">{_e(tier)}</span>'
        badge = "danger" if ticket.priority >= 4 else "warning" if ticket.priority == 3 else "light"
        assignee = _e(ticket.assignee) if ticket.assignee_id else "\u2014"
        if ticket.team_id:
            assignee += f'<br><span class="small text-secondary">{_e(ticket.team.name)}</span>'
        topics = _e(", ".join(ticket.topic_names))
        opened = _e(date_format(timezone.localtime(ticket.opened_at), opened_format))
        danger = ' class="table-danger"' if ticket.breached else ""
        rows.append(
            mark_safe(  # noqa: S308 - every value above is escaped by _e()
                f"<tr{danger}>"
                '<td><input class="form-check-input" type="checkbox" name="tickets" '
                f'value="{pk}" aria-label="{select % {"number": pk}}"></td><td>{pk}</td>'
                f'<td><a href="{ticket_url.format(pk)}">{subject}</a></td>'
                f'<td><a href="{customer_url.format(customer.pk)}">{who}</a></td>'
                f"<td>{_e(states.get(ticket.state, ticket.state))}</td>"
                f'<td><span class="badge text-bg-{badge}">'
                f"{_e(priorities.get(ticket.priority, ticket.priority))}</span></td>"
                f'<td>{assignee}</td><td class="small nowrap">{_sla(ticket, now, sla)}</td>'
                f'<td class="small">{topics}</td><td class="small nowrap">{opened}</td></tr>'
            )
        )
    return rows


def _sla(ticket: Ticket, now, words: dict) -> str:
    if not ticket.is_open:
        return ""
    if not ticket.apologised_at:
        due = countdown(ticket.apology_due_at, now, words["countdown"])
        text = words["apology"] % {"when": _e(due)}
    elif not ticket.resolved_at:
        due = countdown(ticket.resolution_due_at, now, words["countdown"])
        text = words["resolution"] % {"when": _e(due)}
    else:
        text = words["met"]
    return f"{text}<br><strong>{words['breached']}</strong>" if ticket.breached else text


def options(choices, selected="") -> SafeString:
    """A select's options, `selected` (a string) chosen; none chosen for an empty one (the first
    option shows). Choices are read once, without the count a model field's choices run when
    asked for their length."""
    selected = str(selected) or None
    return mark_safe(  # noqa: S308 - values and labels escaped by _e()
        "".join(
            f'<option value="{_e(value)}"{" selected" if str(value) == selected else ""}>'
            f"{_e(label)}</option>"
            for value, label in choices
        )
    )


def filter_controls(form) -> list[dict]:
    """The filter bar's fields: label, id and the control as HTML (a search box, a date or a
    select with its choices read once)."""
    controls = []
    for field in form:
        value, name, auto_id = field.value(), field.html_name, field.auto_id
        value = "" if value is None else value
        attrs = f'name="{_e(name)}" id="{_e(auto_id)}"'
        if name == "q":
            control = (
                f'<input class="form-control form-control-sm" type="search" {attrs} '
                f'value="{_e(value)}" placeholder="{_e(_("#, subject, order, name"))}">'
            )
        elif name in ("opened_after", "opened_before"):
            control = (
                f'<input class="form-control form-control-sm" type="date" {attrs} '
                f'value="{_e(value)}">'
            )
        else:
            choices = list(iter(field.field.choices))  # not len(): that runs a COUNT
            control = (
                f'<select class="form-select form-select-sm" {attrs}>'
                f"{options(choices, value)}</select>"
            )
        controls.append(
            {"label": field.label, "id": auto_id, "control": mark_safe(control)}  # noqa: S308
        )
    return controls


def _page_of(tickets, number):
    """One page of the queue in two steps: the page's ids from the ticket table alone, in an
    order an index gives, then just those rows with everything they show. Sorting and skipping
    whole joined rows made page 500 of 100,000 tickets take a third of a second."""
    page = Paginator(tickets.values_list("pk", flat=True), QUEUE_PAGE).get_page(number)
    page.object_list = selectors.queue_page_rows(list(page.object_list))
    return page


class QueueView(View):
    """The recovery queue: filters, sorting, search, paging, countdowns, bulk actions."""

    def _page(self, request):
        data = request.GET.copy()
        data.setdefault("state", "action")
        filterset = TicketFilter(data, queryset=selectors.ticket_queue())
        tickets = filterset.qs
        if not data.get("sort"):
            tickets = sort_tickets(tickets, "next_due")
        page = _page_of(tickets, request.GET.get("page"))
        query = data.copy()
        query.pop("page", None)
        return filterset, page, query

    def get(self, request, bulk_form=None):
        filterset, page, query = self._page(request)
        bulk_form = bulk_form or BulkForm(ticket_ids=[t.pk for t in page])
        context = {
            "filter": filterset,
            "controls": filter_controls(filterset.form),
            "assignee_options": options(
                [choice for choice in bulk_form.fields["assignee"].choices if choice[0]]
            ),
            "page_obj": page,
            "rows": queue_rows(page),
            "query": query.urlencode(),
            "columns": sort_links(query, query.get("sort", "")),
            "bulk_form": bulk_form,
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
        messages.success(
            request,
            ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", done)
            % {"count": done},
        )
        for problem in problems:
            messages.error(request, problem)
        return redirect(f"{reverse('recovery:queue')}?{request.GET.urlencode()}")

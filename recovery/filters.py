"""Filters of the ticket queue, shared by the staff queue page and the API."""

from datetime import timedelta

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_app.core.api.filters import IdFilter
from feedback_app.core.numbers import whole_number
from feedback_app.customers.models import Channel, Customer
from recovery.models import OPEN_STATES, Priority, State, Team, Ticket, TicketItem
from recovery.selectors import (
    ACTION_STATES,
    FOLLOW_UP_STATES,
    end_of_today,
    sort_tickets,
    tickets_from_channel,
    with_next_due,
)
from surveys.models import Topic

SLA_CHOICES = [
    ("breached", _("Breached")),
    ("due_today", _("Due today or late")),
    ("due_soon", _("Due within 4 hours")),
    ("on_track", _("On track")),
]


def _staff(request=None):
    return (
        get_user_model()
        .objects.filter(groups__name__in=["Support agent", "Manager", "Administrator"])
        .distinct()
    )


class TicketFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[
            ("action", _("Needs action")),
            ("follow_up", _("Waiting for the follow-up")),
            ("open", _("All open")),
            ("all", _("All tickets")),
            *State.choices,
        ],
        method="filter_state",
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), choices=Priority.choices, empty_label=_("Any priority")
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assignee"), queryset=_staff, null_label=_("Unassigned"), empty_label=_("Anyone")
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"), queryset=Team.objects.all(), empty_label=_("Any team")
    )
    topic = django_filters.ModelChoiceFilter(
        field_name="topics",
        queryset=Topic.objects.filter(active=True),
        empty_label=_("Any topic"),
        label=_("Topic"),
    )
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices,
        method="filter_channel",
        label=_("Channel"),
        empty_label=_("Any channel"),
    )
    sla = django_filters.ChoiceFilter(
        choices=SLA_CHOICES, method="filter_sla", label=_("SLA"), empty_label=_("Any")
    )
    opened_after = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__gte", label=_("Opened from")
    )
    opened_before = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__lte", label=_("Opened until")
    )
    recovered = django_filters.ChoiceFilter(
        choices=[
            ("yes", _("Said we made it right")),
            ("no", _("Said we did not")),
            ("none", _("No answer")),
        ],
        method="filter_recovered",
        label=_("Made it right?"),
        empty_label=_("Any answer"),
    )
    sort = django_filters.ChoiceFilter(
        choices=[
            ("next_due", _("Next due first")),
            ("priority", _("Priority")),
            ("oldest", _("Oldest")),
            ("newest", _("Newest")),
            ("due", _("Apology due")),
        ],
        method="filter_sort",
        empty_label=_("Next due first"),
        label=_("Sort"),
    )

    class Meta:
        model = Ticket
        fields = ["q", "state", "priority", "assignee", "team", "topic", "channel", "sla"]

    def search(self, queryset, name, value):
        value = value.strip()
        # Names are matched in the customer table on their own, not across the join, so
        # the ticket table is read once.
        named = Customer.objects.filter(full_name__icontains=value).values("pk")
        # What the customer wrote: a complaint's text, a survey's free-text answer.
        wrote = TicketItem.objects.filter(
            Q(complaint__text__icontains=value) | Q(response__answers__text__icontains=value)
        ).values("ticket_id")
        query = (
            Q(subject__icontains=value)
            | Q(reference__iexact=value)
            | Q(case_number__iexact=value)
            | Q(customer__in=named)
            | Q(pk__in=wrote)
        )
        if (number := whole_number(value)) is not None:
            query |= Q(pk=number)
        return queryset.filter(query)

    def filter_state(self, queryset, name, value):
        groups = {"open": OPEN_STATES, "action": ACTION_STATES, "follow_up": FOLLOW_UP_STATES}
        if value == "all":
            return queryset
        if value in groups:
            return queryset.filter(state__in=groups[value])
        return queryset.filter(state=value)

    def filter_recovered(self, queryset, name, value: str):
        return queryset.filter(recovered={"yes": True, "no": False, "none": None}[value])

    def filter_channel(self, queryset, name, value):
        return tickets_from_channel(queryset, value)

    def filter_sla(self, queryset, name, value):
        now = timezone.now()
        overdue = Q(apologised_at__isnull=True, apology_due_at__lt=now) | Q(
            resolved_at__isnull=True, resolution_due_at__lt=now
        )
        if value == "breached":
            return queryset.filter(Q(breached=True) | overdue)
        if value == "due_today":
            return with_next_due(queryset.filter(state__in=OPEN_STATES)).filter(
                next_due_at__lt=end_of_today(now)
            )
        soon = now + timedelta(hours=4)
        due_soon = Q(apologised_at__isnull=True, apology_due_at__lt=soon) | Q(
            resolved_at__isnull=True, resolution_due_at__lt=soon
        )
        if value == "due_soon":
            return queryset.filter(due_soon, state__in=OPEN_STATES, breached=False).exclude(overdue)
        return queryset.filter(state__in=OPEN_STATES, breached=False).exclude(due_soon)

    def filter_sort(self, queryset, name, value):
        return sort_tickets(queryset, value)


class TicketAPIFilter(TicketFilter):
    """The queue's filters for the API: related records by id, matching nothing for an unknown
    one (feedback_app/core/api/filters.py), where the page's drop-downs refuse it."""

    assignee = IdFilter()
    team = IdFilter()
    topic = IdFilter(field_name="topics")

"""The filters every dashboard shares: date range, channel, segment and team."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import AgeBand, Channel, ValueTier
from recovery.models import Team
from recovery.selectors import tickets_from_channel

SEGMENTS = {"region": "Region", "age_band": "Age band", "value_tier": "Value tier"}
DEFAULT_DAYS = 90
# Dates a report can be about; beyond them the arithmetic of periods leaves the calendar.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def report_date(value: date | None) -> date | None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise forms.ValidationError(
            f"Choose a date from {EARLIEST.isoformat()} to {LATEST.isoformat()}."
        )
    return value


@dataclass(frozen=True)
class Filters:
    start: datetime
    end: datetime
    channel: str = ""
    segment: str = ""
    segment_value: str = ""
    team: int | None = None
    period: str = "week"

    def customer_q(self, prefix: str) -> Q:
        if not self.segment or not self.segment_value:
            return Q()
        return Q(**{f"{prefix}customer__{self.segment}__iexact": self.segment_value})

    def days(self) -> tuple[date, date]:
        """The period as local dates: its first day and its last (included)."""
        return (
            timezone.localtime(self.start).date(),
            timezone.localtime(self.end).date() - timedelta(days=1),
        )

    def previous(self) -> tuple[datetime, datetime]:
        """The equally long period just before this one (for "rising")."""
        return self.start - (self.end - self.start), self.start

    def before(self) -> Filters:
        """These filters over the previous period."""
        start, end = self.previous()
        return dataclasses.replace(self, start=start, end=end)

    def tickets(self, queryset):
        queryset = queryset.filter(opened_at__gte=self.start, opened_at__lt=self.end).filter(
            self.customer_q("")
        )
        if self.team:
            queryset = queryset.filter(team_id=self.team)
        if self.channel:
            queryset = tickets_from_channel(queryset, self.channel)
        return queryset


class DashboardFilterForm(forms.Form):
    start = forms.DateField(
        label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("End"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Included."),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All channels")), *Channel.choices], required=False
    )
    segment = forms.ChoiceField(
        label=_("Segment"), choices=[("", _("All customers")), *SEGMENTS.items()], required=False
    )
    segment_value = forms.CharField(required=False, max_length=100, label=_("Segment value"))
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=None, required=False, empty_label=_("All teams")
    )
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("week", _("By week")), ("month", _("By month"))],
        required=False,
    )

    TIERS = dict(ValueTier.choices)
    AGES = dict(AgeBand.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.all()

    def clean_start(self):
        return report_date(self.cleaned_data.get("start"))

    def clean_end(self):
        return report_date(self.cleaned_data.get("end"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end is before the start."))
        if start and end and (end - start).days > 3660:
            self.add_error("start", _("Choose at most ten years."))
        return data

    def filters(self) -> Filters:
        """Valid filters; invalid or missing fields fall back to the last 90 days, everything."""
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.localdate()
        end_day: date = data.get("end") or today
        start_day: date = data.get("start") or end_day - timedelta(days=DEFAULT_DAYS - 1)
        zone = timezone.get_current_timezone()
        return Filters(
            start=datetime.combine(start_day, time.min, zone),
            end=datetime.combine(end_day + timedelta(days=1), time.min, zone),
            channel=data.get("channel") or "",
            segment=data.get("segment") or "",
            segment_value=(data.get("segment_value") or "").strip(),
            team=data["team"].pk if data.get("team") else None,
            period=data.get("period") or "week",
        )

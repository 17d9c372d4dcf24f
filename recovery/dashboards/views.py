"""Dashboard pages (managers), their CSV tables and the same figures as JSON for the API."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views import View
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response as APIResponse
from rest_framework.views import APIView

from feedback_app.customers.models import Channel
from recovery.dashboards import charts
from recovery.dashboards.figures import DASHBOARDS
from recovery.dashboards.filters import SEGMENTS, DashboardFilterForm
from recovery.exports import table_csv
from recovery.models import ExperienceStandard, MysteryVisit

TITLES = {
    "overview": gettext_lazy("Overview"),
    "experience": gettext_lazy("Experience"),
    "recovery": gettext_lazy("Failure and recovery"),
    "restitution": gettext_lazy("Restitution"),
    "retention": gettext_lazy("Retention after recovery"),
    "engagement": gettext_lazy("Engagement"),
    "valuable": gettext_lazy("Most valuable customers"),
    "people": gettext_lazy("Agents and teams"),
    "standards": gettext_lazy("Experience standards"),
}
# Dashboards with a page of their own; the rest share the tables-and-charts page.
TEMPLATES = {
    "overview": "recovery/staff/overview.html",
    "standards": "recovery/staff/standards.html",
}


def period_named(f) -> dict:
    """The period shown and the one compared with, as local dates (the last day included)."""
    first, last = f.days()
    previous_first, previous_last = f.before().days()
    return {
        "start": first,
        "last": last,
        "previous_start": previous_first,
        "previous_last": previous_last,
        "by": f.period,
    }


class DashboardView(View):
    def get(self, request, name):
        if name not in DASHBOARDS:
            raise Http404
        form = DashboardFilterForm(request.GET or None)
        filters = form.filters()
        dashboard = DASHBOARDS[name](filters)
        export = request.GET.get("export")
        if export:
            table = dashboard.tables.get(export)
            if table is None:
                raise Http404
            return table_csv(f"{name}-{export}.csv", table)
        query = request.GET.copy()
        query.pop("export", None)
        context = {
            "name": name,
            "titles": TITLES,
            "dashboard": dashboard,
            "form": form,
            "query": query.urlencode(),
            "tables": [(key, table, charts.svg(table)) for key, table in dashboard.tables.items()],
        }
        if name == "overview":
            context["sparklines"] = [
                charts.sparkline(card.trend, card.label) for card in dashboard.cards
            ]
            context["period"] = period_named(filters)
        if name == "standards":
            context["standards"] = list(ExperienceStandard.objects.filter(active=True))
            context["trend_chart"] = charts.svg(dashboard.tables["trend"])
            context["visits"] = MysteryVisit.objects.prefetch_related("scores__standard")[:10]
        template = TEMPLATES.get(name, "recovery/staff/dashboard.html")
        return render(request, template, context)


PERIODS = DashboardFilterForm.base_fields["period"].choices


class ReportAPIView(APIView):
    """The figures of one dashboard as JSON, with the same filters as the page
    (start, end, channel, segment, segment_value, team, period)."""

    policy_name = "report"  # its row in feedback_app.core.policy.API

    @extend_schema(
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(DASHBOARDS)),
            OpenApiParameter(
                "start", OpenApiTypes.DATE, description="First day (default: 90 days ago)."
            ),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, included."),
            OpenApiParameter("channel", str, enum=[c for c, _ in Channel.choices]),
            OpenApiParameter(
                "segment", str, enum=list(SEGMENTS), description="Split the figures by it."
            ),
            OpenApiParameter(
                "segment_value",
                str,
                description="Only customers with this value of the segment (max 100).",
            ),
            OpenApiParameter("team", int, description="Only this team's tickets (its id)."),
            OpenApiParameter(
                "period",
                str,
                enum=[p for p, _ in PERIODS],
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, name):
        if name not in DASHBOARDS:
            raise Http404
        form = DashboardFilterForm(request.query_params or None)
        if request.query_params and not form.is_valid():
            return APIResponse(form.errors, status=400)
        return APIResponse(DASHBOARDS[name](form.filters()).as_dict())

"""Dashboard pages (managers), their CSV tables and the same figures as JSON for the API."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views import View
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response as APIResponse
from rest_framework.views import APIView

from recovery.dashboards import charts
from recovery.dashboards.figures import DASHBOARDS
from recovery.dashboards.filters import DashboardFilterForm
from recovery.exports import table_csv

TITLES = {
    "experience": "Experience",
    "recovery": "Failure and recovery",
    "restitution": "Restitution",
    "retention": "Retention after recovery",
    "engagement": "Engagement",
    "valuable": "Most valuable customers",
}


class DashboardView(View):
    def get(self, request, name):
        if name not in DASHBOARDS:
            raise Http404
        form = DashboardFilterForm(request.GET or None)
        dashboard = DASHBOARDS[name](form.filters())
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
        return render(request, "recovery/staff/dashboard.html", context)


class ReportAPIView(APIView):
    """The figures of one dashboard as JSON, with the same filters as the page
    (start, end, channel, segment, segment_value, team, period)."""

    policy_name = "report"  # its row in feedback_app.core.policy.API

    @extend_schema(
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(DASHBOARDS)),
            *[
                OpenApiParameter(p, str, required=False)
                for p in ("start", "end", "channel", "segment", "segment_value", "team", "period")
            ],
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

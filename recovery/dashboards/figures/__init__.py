"""The manager's dashboards, one module each, all built from the tables in `tables`."""

from recovery.dashboards.figures.engagement import engagement
from recovery.dashboards.figures.experience import experience
from recovery.dashboards.figures.overview import overview
from recovery.dashboards.figures.people import performance
from recovery.dashboards.figures.recovery import funnel
from recovery.dashboards.figures.restitution import restitution
from recovery.dashboards.figures.retention import retention
from recovery.dashboards.figures.standards import scorecard
from recovery.dashboards.figures.tables import Dashboard, Table
from recovery.dashboards.figures.valuable import valuable

DASHBOARDS = {
    "overview": overview,
    "experience": experience,
    "recovery": funnel,
    "restitution": restitution,
    "retention": retention,
    "engagement": engagement,
    "valuable": valuable,
    "people": performance,
    "standards": scorecard,
}
__all__ = ["DASHBOARDS", "Dashboard", "Table"]

from django.urls import path

from recovery.dashboards.views import DashboardView
from recovery.views import case, improvements, notices, queue, settings, standards, ticket

app_name = "recovery"
urlpatterns = [
    path("", queue.QueueView.as_view(), name="queue"),
    path("tickets/new/", ticket.TicketCreateView.as_view(), name="create"),
    path("tickets/<int:pk>/", ticket.TicketView.as_view(), name="ticket"),
    path("tickets/<int:pk>/<slug:step>/", ticket.TicketStepView.as_view(), name="ticket-step"),
    path(
        "tickets/<int:pk>/<slug:step>/draft/",
        ticket.TicketDraftView.as_view(),
        name="ticket-draft",
    ),
    path("approvals/", ticket.ApprovalsView.as_view(), name="approvals"),
    path("notices/", notices.NoticesView.as_view(), name="notices"),
    path("settings/", settings.SettingsView.as_view(), name="settings"),
    path(
        "settings/canned/<int:pk>/",
        settings.CannedMessageEditView.as_view(),
        name="canned-edit",
    ),
    path("improvements/", improvements.ImprovementListView.as_view(), name="improvements"),
    path(
        "improvements/new/",
        improvements.ImprovementEditView.as_view(),
        name="improvement-create",
    ),
    path("improvements/<int:pk>/", improvements.ImprovementView.as_view(), name="improvement"),
    path(
        "improvements/<int:pk>/edit/",
        improvements.ImprovementEditView.as_view(),
        name="improvement-edit",
    ),
    path("reports/you-said-we-did/", improvements.LoopReportView.as_view(), name="loop-report"),
    path("dashboards/<slug:name>/", DashboardView.as_view(), name="dashboard"),
    path("standards/new/", standards.StandardEditView.as_view(), name="standard-create"),
    path("standards/<int:pk>/edit/", standards.StandardEditView.as_view(), name="standard-edit"),
    path("standards/visits/new/", standards.MysteryVisitView.as_view(), name="mystery-visit"),
]

public_urlpatterns = [
    path("we-did/", improvements.WeDidView.as_view(), name="we-did"),
    path("case/<str:token>/", case.CaseView.as_view(), name="case"),
]

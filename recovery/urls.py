from django.urls import path

from recovery import views
from recovery.dashboards.views import DashboardView

app_name = "recovery"
urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("tickets/new/", views.TicketCreateView.as_view(), name="create"),
    path("tickets/<int:pk>/", views.TicketView.as_view(), name="ticket"),
    path("approvals/", views.ApprovalsView.as_view(), name="approvals"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("improvements/", views.ImprovementListView.as_view(), name="improvements"),
    path("improvements/new/", views.ImprovementEditView.as_view(), name="improvement-create"),
    path("improvements/<int:pk>/", views.ImprovementView.as_view(), name="improvement"),
    path(
        "improvements/<int:pk>/edit/", views.ImprovementEditView.as_view(), name="improvement-edit"
    ),
    path("reports/you-said-we-did/", views.LoopReportView.as_view(), name="loop-report"),
    path("dashboards/<slug:name>/", DashboardView.as_view(), name="dashboard"),
]

public_urlpatterns = [
    path("we-did/", views.WeDidView.as_view(), name="we-did"),
]

from django.urls import path

from recovery import views

app_name = "recovery"
urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("tickets/new/", views.TicketCreateView.as_view(), name="create"),
    path("tickets/<int:pk>/", views.TicketView.as_view(), name="ticket"),
    path("approvals/", views.ApprovalsView.as_view(), name="approvals"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
]

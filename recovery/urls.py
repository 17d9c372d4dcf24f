from django.urls import path

from recovery import views

app_name = "recovery"
urlpatterns = [
    path("tickets/<int:pk>/", views.TicketDetailView.as_view(), name="ticket"),
]

from django.urls import path

from feedback_app.staff import views

app_name = "staff"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]

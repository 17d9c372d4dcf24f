from django.urls import path

from feedback_app.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.WebhookListView.as_view(), name="list"),
    path("new/", views.WebhookCreateView.as_view(), name="create"),
    path("<int:pk>/", views.WebhookEditView.as_view(), name="edit"),
]

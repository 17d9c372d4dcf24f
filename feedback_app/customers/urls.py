from django.urls import path

from feedback_app.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="detail"),
    path("<int:pk>/merge/", views.CustomerMergeView.as_view(), name="merge"),
    path("<int:pk>/export.json", views.CustomerExportView.as_view(), name="export"),
    path("<int:pk>/erase/", views.CustomerEraseView.as_view(), name="erase"),
    path("attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
]

public_urlpatterns = [
    path("c/<str:token>/preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("c/<str:token>/unsubscribe/", views.UnsubscribeView.as_view(), name="unsubscribe"),
    path("sms/status/", views.TextGatewayView.as_view(kind="status"), name="sms-status"),
    path("sms/incoming/", views.TextGatewayView.as_view(kind="incoming"), name="sms-incoming"),
]

"""Root URLs: staff pages, customer pages, the API and its documentation, the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView
from django.views.i18n import set_language
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from feedback_app.customers.urls import public_urlpatterns as customer_public_urls
from feedback_app.staff.forms import StaffAuthenticationForm
from feedback_app.staff.views import RateLimitedPasswordResetView
from recovery.urls import public_urlpatterns as recovery_public_urls
from surveys.urls import public_urlpatterns as survey_public_urls

admin.site.site_header = "Feedback and recovery administration"
admin.site.site_title = "Feedback admin"

urlpatterns = [
    # Customer-facing pages (no login)
    path("", TemplateView.as_view(template_name="public/home.html"), name="public-home"),
    # The language switcher on customer pages: a cookie, back to the page it was pressed on.
    path("i18n/setlang/", set_language, name="set_language"),
    *customer_public_urls,
    *survey_public_urls,
    *recovery_public_urls,
    # Staff
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=StaffAuthenticationForm
        ),
        name="login",
    ),
    path(
        "accounts/password_reset/",
        RateLimitedPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("staff/", include("feedback_app.staff.urls")),
    path("staff/customers/", include("feedback_app.customers.urls")),
    path("staff/surveys/", include("surveys.urls")),
    path("staff/recovery/", include("recovery.urls")),
    path("staff/webhooks/", include("feedback_app.webhooks.urls")),
    path("admin/", admin.site.urls),
    # API
    path("api/v1/", include("feedback_app.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler404 = "feedback_app.core.error_pages.page_not_found"
handler500 = "feedback_app.core.error_pages.server_error"

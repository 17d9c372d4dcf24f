"""The staff landing page, where every login starts, and the rate-limited password reset."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import PasswordResetView
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_ratelimit.core import is_ratelimited

from feedback_app.core.roles import ROLES, is_person, user_roles
from feedback_app.customers.models import Customer
from feedback_app.customers.selectors import timeline_recent
from recovery.models import Availability
from recovery.selectors import agent_desk
from recovery.services.routing import availability_set
from surveys.selectors import follow_up_survey


class HomeView(TemplateView):
    template_name = "staff/home.html"

    def post(self, request):
        """Taking new tickets, or away (routing assigns none while away)."""
        away = request.POST.get("away") == "1"
        availability_set(user=request.user, away=away)
        messages.success(
            request,
            _("You are away: new tickets go to your colleagues.")
            if away
            else _("You are back: new tickets can come to you."),
        )
        return redirect("staff:home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roles = user_roles(self.request.user)
        context.update(
            role_names=[_(ROLES[key].group) for key in ROLES if key in roles],
            customer_count=Customer.objects.filter(merged_into__isnull=True).count(),
            recent=timeline_recent()[:15],
            no_follow_up_survey=follow_up_survey() is None,
            away=Availability.objects.filter(user=self.request.user, away=True).exists(),
            desk=agent_desk(user=self.request.user) if is_person(self.request.user) else None,
        )
        return context


def _reset_rate(group, request):
    return settings.PASSWORD_RESET_RATE


def _asked_address(group, request):
    return (request.POST.get("email") or "").strip().lower()[:320]


class RateLimitedPasswordResetView(PasswordResetView):
    """Django's password reset, limited per address asking and per e-mail address asked about,
    so the form cannot be used to flood anyone's inbox."""

    def post(self, request, *args, **kwargs):
        limited = [
            is_ratelimited(
                request,
                group=f"password-reset-{key_name}",
                key=key,
                rate=_reset_rate,
                method="POST",
                increment=True,
            )
            for key_name, key in (("ip", "ip"), ("address", _asked_address))
        ]
        if any(limited):
            return render(request, "registration/password_reset_slow_down.html", status=429)
        return super().post(request, *args, **kwargs)

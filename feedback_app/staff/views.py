"""The staff landing page: where every login starts."""

from django.views.generic import TemplateView

from feedback_app.customers.models import Customer
from feedback_app.customers.selectors import timeline_recent
from feedback_app.staff.roles import ROLES, user_roles


class HomeView(TemplateView):
    template_name = "staff/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roles = user_roles(self.request.user)
        context.update(
            role_names=[ROLES[key].group for key in ROLES if key in roles],
            customer_count=Customer.objects.filter(merged_into__isnull=True).count(),
            recent=timeline_recent()[:15],
        )
        return context

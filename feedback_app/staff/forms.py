"""The staff sign-in form: people sign in here, machines do not."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from feedback_app.core.policy import INTEGRATION
from feedback_app.core.roles import user_roles


class StaffAuthenticationForm(AuthenticationForm):
    """Refuses accounts that hold no role for the web: integration accounts (they use an API
    token) and logins with no role at all."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        roles = user_roles(user)
        if roles == {INTEGRATION}:
            raise ValidationError(
                "This is an API integration account: it works with its API token and cannot "
                "sign in on the web.",
                code="integration",
            )
        if not roles:
            raise ValidationError(_("This account holds no staff role."), code="no_role")

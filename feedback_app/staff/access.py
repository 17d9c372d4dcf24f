"""Who may open the staff pages: one mixin per audience, used by every staff view."""

from django.contrib.auth.mixins import AccessMixin

from feedback_app.staff.roles import is_manager, is_staff_member


class StaffRequiredMixin(AccessMixin):
    """Logged in and holding a staff role; others go to the login page (or get 403).

    `permission_required` (one "app.codename") narrows a view to the roles that hold it.
    """

    permission_required: str | None = None

    def allowed(self, user) -> bool:
        if not is_staff_member(user):
            return False
        return self.permission_required is None or user.has_perm(self.permission_required)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.allowed(request.user):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class ManagerRequiredMixin(StaffRequiredMixin):
    def allowed(self, user) -> bool:
        return is_manager(user) and super().allowed(user)

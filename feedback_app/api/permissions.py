"""Who may use the API: one permission class, set as the default in settings.

Staff only (customers never log in). Reads need the model's view permission, writes its add,
change or delete permission, so the roles in feedback_app.staff.roles decide the API too.
"""

from rest_framework.permissions import BasePermission, DjangoModelPermissions

from feedback_app.staff.roles import is_staff_member


class StaffModelPermissions(DjangoModelPermissions):
    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }

    def has_permission(self, request, view):
        user = request.user
        if not is_staff_member(user):
            return False
        if getattr(view, "_ignore_model_permissions", False) or not hasattr(view, "get_queryset"):
            return True
        return super().has_permission(request, view)


class HasPermission(BasePermission):
    """For endpoints that are not a model's list: one named permission, as the staff page needs."""

    permission = ""

    @classmethod
    def of(cls, permission: str):
        return type(f"Has_{permission.replace('.', '_')}", (cls,), {"permission": permission})

    def has_permission(self, request, view):
        return is_staff_member(request.user) and request.user.has_perm(self.permission)

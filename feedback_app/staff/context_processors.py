"""Template context for the staff navigation."""

from feedback_app.core.roles import user_roles


def staff_roles(request):
    roles = user_roles(getattr(request, "user", None))
    return {
        "staff_roles": roles,
        "is_staff_member": bool(roles),
        "is_manager": bool(roles & {"manager", "admin"}),
    }

"""Template context for the staff navigation."""

from django.utils.functional import SimpleLazyObject

from feedback_app.core.roles import user_roles
from recovery.selectors import unread_notice_count


def staff_roles(request):
    user = getattr(request, "user", None)
    roles = user_roles(user)
    return {
        "staff_roles": roles,
        "is_staff_member": bool(roles),
        "is_manager": bool(roles & {"manager", "admin"}),
        # Counted only where the staff navigation shows it.
        "notice_count": SimpleLazyObject(lambda: unread_notice_count(user=user) if roles else 0),
    }

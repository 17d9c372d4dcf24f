"""Template context for the staff navigation."""

from django.utils.functional import SimpleLazyObject

from feedback_app.core.roles import user_roles
from recovery.selectors import queue_counts, unread_notice_count


def staff_roles(request):
    user = getattr(request, "user", None)
    roles = user_roles(user)
    manager = bool(roles & {"manager", "admin"})
    return {
        "staff_roles": roles,
        "is_staff_member": bool(roles),
        "is_manager": manager,
        # Counted only where the staff navigation shows them.
        "notice_count": SimpleLazyObject(lambda: unread_notice_count(user=user) if roles else 0),
        "queue_counts": SimpleLazyObject(
            lambda: queue_counts(user=user, manager=manager) if roles else {}
        ),
    }

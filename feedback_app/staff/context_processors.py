"""Template context for the staff pages: the navigation's counts and the dates' formats."""

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext

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
        # Each in the reader's language, read once a page rather than once a row.
        "formats": SimpleLazyObject(date_formats),
    }


def date_formats() -> dict[str, str]:
    """How staff pages write a moment ("1 Dec 2026, 14:00"; "1. Dez 2026, 14:00")."""
    return {
        "when": gettext("j M Y, H:i"),
        "when_long": gettext("j F Y, H:i"),
        "day": gettext("j M Y"),
        "short": gettext("j M, H:i"),
        "seconds": gettext("j M, H:i:s"),
        "day_month": gettext("j M"),
    }

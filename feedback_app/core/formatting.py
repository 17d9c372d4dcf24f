"""Small formatting every layer may use (the staff pages' template filters wrap these)."""

from __future__ import annotations

from django.utils import timezone


def countdown(due, now=None) -> str:
    """Time left until `due` ("in 3h 20m"), or how late it is ("5h late")."""
    if due is None:
        return ""
    delta = due - (now or timezone.now())
    late = delta.total_seconds() < 0
    minutes = int(abs(delta.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes}m"
    else:
        text = f"{minutes}m"
    return f"{text} late" if late else f"in {text}"

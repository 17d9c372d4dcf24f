"""Background work of the recovery app, as django-q2's schedules and queued tasks name it. Item
tasks live beside their service and are queued by function object; they are named here too so
tasks already queued under these names still run."""

from recovery.services.alerts import alerts_check, weekly_digest
from recovery.services.follow_up import recovery_sweep
from recovery.services.improvements import notify_improvement

__all__ = ["alerts", "digest", "notify_improvement", "sweep"]


def sweep() -> dict[str, int]:
    """Scheduled every minute: follow-ups that went out, SLA breaches."""
    return recovery_sweep()


def alerts() -> int:
    """Scheduled daily: alert managers about detractors or a topic that rose yesterday."""
    return alerts_check()


def digest() -> int:
    """Scheduled weekly: the managers' digest of the last seven days."""
    return weekly_digest()

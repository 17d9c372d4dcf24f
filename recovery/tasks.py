"""Background work of the recovery app, as django-q2's schedules and queued tasks name it. Item
tasks live beside their service and are queued by function object; they are named here too so
tasks already queued under these names still run."""

from recovery.services.follow_up import recovery_sweep
from recovery.services.improvements import notify_improvement

__all__ = ["notify_improvement", "sweep"]


def sweep() -> dict[str, int]:
    """Scheduled every minute: follow-ups that went out, SLA breaches."""
    return recovery_sweep()

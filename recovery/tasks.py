"""Background work of the recovery app, run by django-q2."""

from recovery.services.follow_up import recovery_sweep
from recovery.services.improvements import improvement_notify


def sweep() -> dict[str, int]:
    """Scheduled every minute: follow-ups that went out, SLA breaches."""
    return recovery_sweep()


def notify_improvement(improvement_id: int) -> dict[str, int]:
    """Queued when an improvement ships (or is declined with an explanation)."""
    return improvement_notify(improvement_id=improvement_id)

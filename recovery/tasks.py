"""Background work of the recovery app, run by django-q2."""

from recovery.services import recovery_sweep


def sweep() -> dict[str, int]:
    """Scheduled every minute: follow-ups that went out, SLA breaches."""
    return recovery_sweep()

"""Background work of the customer layer, as django-q2's schedules and queued tasks name it.
Item tasks live beside their service and are queued by function object; they are named here too
so tasks already queued under these names still run."""

from feedback_app.customers.outbox import deliver_message
from feedback_app.customers.privacy import customers_erase_inactive

__all__ = ["deliver_message", "erase_inactive_customers"]


def erase_inactive_customers() -> int:
    """Scheduled daily: the retention setting (PERSONAL_DATA_RETENTION_MONTHS)."""
    return customers_erase_inactive()

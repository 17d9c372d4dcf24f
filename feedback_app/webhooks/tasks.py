"""Background work of webhooks, as django-q2's schedules and queued tasks name it. The item task
that sends one endpoint's waiting deliveries lives beside its service and is queued by function
object."""

from feedback_app.webhooks.services import deliveries_retry, send_waiting

__all__ = ["retry_deliveries", "send_waiting"]


def retry_deliveries() -> int:
    """Scheduled every minute: deliveries due for another try, and any a stopped worker held."""
    return deliveries_retry()

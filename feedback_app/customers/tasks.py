"""Background work of the customer layer. Tasks take ids, reload and call a service."""

from feedback_app.customers.outbox import message_deliver
from feedback_app.customers.privacy import customers_erase_inactive


def deliver_message(message_id: int) -> str:
    return message_deliver(message_id=message_id).status


def erase_inactive_customers() -> int:
    """Scheduled daily: the retention setting (PERSONAL_DATA_RETENTION_MONTHS)."""
    return customers_erase_inactive()

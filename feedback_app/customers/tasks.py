"""Background work of the customer layer. Tasks take ids, reload and call a service."""

from feedback_app.customers.outbox import message_deliver


def deliver_message(message_id: int) -> str:
    return message_deliver(message_id=message_id).status

"""Every signal that carries flow from one app to another, declared once, with its receivers.

Within an app everything is an explicit call; a lower layer causes something in a higher one
only through these signals, each sent by a service (never a model signal), and received by
functions connected in the receiving app's `AppConfig.ready()`. `HOPS` is the table of who
sends each one and who receives it; `tests/project/test_signals.py` checks it against the
receivers actually connected, and the README's layout section prints the same table.
Receivers must be idempotent: a retried task or a re-triage sends the signal again.
"""

from django.dispatch import Signal

# Sent by surveys' triage service right after it stores a batch of results, inside its
# transaction. triaged: list of surveys.services.triage.Triaged (item: the Response or
# Complaint, result: the engine's Result, failure: needs recovery), all of one model.
feedback_triaged = Signal()
# Sent by the same service just before that transaction, with the same list as it will be
# stored, so receivers can read and build what they will write (never write) and leave it in
# `prepared` (a dict, under their app's name); `feedback_triaged` then carries it as `prepared`,
# or an empty dict when another triage of an item came first and the batch was built again.
feedback_triaging = Signal()
# Sent when customers do something of their own (an event, an answer other than a recovery
# follow-up), inside the storing transaction. moments: list of (customer, at) (imports may bring
# past moments; a batch of stored answers sends one signal).
customer_active = Signal()
# Sent after `manage.py rebuild_rollups` recomputed the day tables.
rollups_rebuilt = Signal()
# Sent by customer_merge inside its transaction, after everything moved. merge: CustomerMerge.
customers_merged = Signal()
# Sent by customer_erase inside its transaction, before the customer layer erases its own part.
# customer: the Customer whose personal data goes.
customer_erasing = Signal()

# Sent by inbound_receive inside its transaction when a customer wrote to us in a conversation
# (a reply by e-mail, a message on their case page). incoming: the IncomingMessage.
customer_replied = Signal()

# signal name → (the service that sends it, [receivers, in the order they are connected])
HOPS: dict[str, tuple[str, list[str]]] = {
    "feedback_triaged": (
        "surveys.services.triage (the store of every batch of triage results)",
        ["recovery.receivers.on_feedback_triaged"],
    ),
    "feedback_triaging": (
        "surveys.services.triage (before the transaction of every batch of triage results)",
        ["recovery.receivers.on_feedback_triaging"],
    ),
    "customer_active": (
        "surveys.services.responses.response_submit, surveys.services.received (a batch), "
        "surveys.services.invitations.event_record",
        ["recovery.receivers.on_customer_active"],
    ),
    "rollups_rebuilt": (
        "surveys.services.rollups.rollups_rebuild",
        ["recovery.receivers.on_rollups_rebuilt"],
    ),
    "customers_merged": (
        "feedback_app.customers.services.merge.customer_merge",
        ["recovery.receivers.on_customers_merged"],
    ),
    "customer_replied": (
        "feedback_app.customers.services.conversation.inbound_receive",
        ["recovery.receivers.on_customer_replied"],
    ),
    "customer_erasing": (
        "feedback_app.customers.privacy.customer_erase",
        ["surveys.receivers.on_customer_erasing", "recovery.receivers.on_customer_erasing"],
    ),
}

"""The one signal that carries flow out of the surveys app.

`feedback_triaged` is sent by the triage service right after it stores a result, inside the same
transaction. Keyword arguments:

- `item`: the Response or Complaint that was triaged;
- `result`: the engine's Result (sentiment, polarity, severity, topics, reasons);
- `failure`: True when the item needs recovery (negative sentiment, a failing score, or a
  complaint above the lowest severity).

Recovery connects a receiver in `RecoveryConfig.ready()` that opens a ticket or attaches the item
to the customer's open one. Receivers must be idempotent: re-triage sends the signal again.

`customer_active` is sent, inside the storing transaction, when a customer does something on
their own: an event (an order, a delivery) or a survey answer other than a recovery follow-up.
Keyword arguments: `customer` and `at` (when it happened; imports may bring past moments, in any
order). Recovery keeps each ticket's "came back after" from it, for the retention report.

`rollups_rebuilt` is sent after `manage.py rebuild_rollups` recomputed the day tables, so that
other apps recompute what they keep for reports from the stored data too.
"""

from django.dispatch import Signal

feedback_triaged = Signal()
customer_active = Signal()
rollups_rebuilt = Signal()

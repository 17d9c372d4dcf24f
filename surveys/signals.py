"""The one signal that carries flow out of the surveys app.

`feedback_triaged` is sent by the triage service right after it stores a result, inside the same
transaction. Keyword arguments:

- `item`: the Response or Complaint that was triaged;
- `result`: the engine's Result (sentiment, polarity, severity, topics, reasons);
- `failure`: True when the item needs recovery (negative sentiment, a failing score, or a
  complaint above the lowest severity).

Recovery connects a receiver in `RecoveryConfig.ready()` that opens a ticket or attaches the item
to the customer's open one. Receivers must be idempotent: re-triage sends the signal again.
"""

from django.dispatch import Signal

feedback_triaged = Signal()

"""Complaints accepted by the API with `Prefer: respond-async`, filed in the background.

`surveys.services.received.complaint_accept` checks a complaint and writes one row,
`ReceivedComplaint`, answering with a receipt: the sender's idempotency key (or one made for
them). The store task that stores accepted survey answers files these rows too, a batch at a time,
each in its own short transaction exactly as `complaint_submit` files a complaint sent without the
preference; the row is deleted in that transaction, so each accepted complaint is filed once.
A row that fails is logged, counted in `attempts` and tried again by the sweep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.utils.dateparse import parse_datetime

from feedback_app.core.background import item_tasks_batched
from feedback_app.core.errors import DomainError
from feedback_app.customers.services.resolve import identity_claims
from surveys.models import Complaint, ReceivedComplaint
from surveys.services.complaints import complaint_submit
from surveys.services.intake import by_key, client_key, waiting_failed

logger = logging.getLogger(__name__)

# Rows one store round files: each is a transaction of its own (the writer lock is held for one
# complaint at a time, so triage interleaves), and their triage is queued as one task.
RECEIVED_COMPLAINTS_BATCH = 50
RECEIPT_KEY_LIMIT = 300


@dataclass(frozen=True)
class Receipt:
    """Where an accepted complaint stands: "waiting" to be filed, "failing" (the store could
    not file it yet and tries again), or "filed" (with the complaint)."""

    key: str
    state: str
    complaint: Complaint | None = None


def complaint_receipt(*, key: str, actor) -> Receipt | None:
    """The receipt for a key this sender was given (None when it sent no such complaint)."""
    stored = client_key(actor, key, limit=RECEIPT_KEY_LIMIT)
    if not stored:
        return None
    complaint = by_key(Complaint, idempotency_key=stored)
    if complaint is not None:
        return Receipt(key, "filed", complaint)
    row = by_key(ReceivedComplaint, key=stored)
    if row is None:
        return None
    return Receipt(key, "failing" if row.attempts else "waiting")


def received_complaints_store(*, limit: int = RECEIVED_COMPLAINTS_BATCH) -> tuple[int, int]:
    """File waiting complaints, oldest first, up to `limit`; returns (taken, filed). Their triage
    is queued as one task."""
    keys = list(
        ReceivedComplaint.objects.filter(attempts=0)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return len(keys), _file_all(keys)


def received_complaints_sweep(*, cutoff: datetime, attempts: int, limit: int) -> int:
    """File failed rows again (fewer than `attempts` tries) that waited since before `cutoff`;
    returns how many were filed. Those waiting for their first try are the store task's
    (`received_sweep` runs it when none is at work)."""
    keys = ReceivedComplaint.objects.filter(
        received_at__lt=cutoff, attempts__gt=0, attempts__lt=attempts
    )
    return _file_all(list(keys.order_by("received_at", "pk").values_list("pk", flat=True)[:limit]))


def _file_all(keys: list[int]) -> int:
    """File these rows one by one, their triage queued as one task; how many were filed."""
    with item_tasks_batched():
        return sum(received_complaint_file(key) for key in keys)


def received_complaint_file(key: int) -> bool:
    """File one accepted complaint; False if it is gone (another task filed it) or failed (then
    logged and counted). A complaint already filed under its key (a replay accepted after the
    first was filed) is not filed twice: complaint_submit finds it."""
    try:
        with transaction.atomic():
            row = (
                ReceivedComplaint.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("sent_by")
                .filter(pk=key)
                .first()
            )
            if row is None:
                return False
            fields = dict(row.fields)
            fields["received_at"] = parse_datetime(fields["received_at"])
            complaint_submit(**fields, actor=row.sent_by)
            row.delete()
        return True
    except Exception as exc:  # one bad row must not stop the others
        logger.exception("Accepted complaint %s could not be filed", key)
        waiting_failed(ReceivedComplaint, key, exc)
        return False


def received_complaint_claims(fields: dict) -> list:
    """The identities a waiting complaint names, as customer_resolve will read them; raises
    DomainError when none is usable (it could not be filed)."""
    return identity_claims(
        email=fields.get("email") or "",
        phone=fields.get("phone") or "",
        external=fields.get("external"),
        strict=False,
    )


def received_complaints_naming(customer) -> list[int]:
    """The waiting complaints that name one of the customer's identities (erasure files them
    first, so what they say is erased with the rest). Few rows wait, and only for a moment."""
    mine = {(i.kind, i.source, i.normalized) for i in customer.identities.all()}
    keys = []
    for key, fields in ReceivedComplaint.objects.values_list("pk", "fields"):
        try:
            claims = received_complaint_claims(fields)
        except DomainError:
            continue
        if any((claim.kind, claim.source, claim.normalized) in mine for claim in claims):
            keys.append(key)
    return keys


def received_complaints_waiting(before: datetime | None = None) -> bool:
    """Whether complaints wait for their first try (received before `before`, when given)."""
    waiting = ReceivedComplaint.objects.filter(attempts=0)
    return waiting.filter(received_at__lt=before).exists() if before else waiting.exists()


def received_complaint_fields(
    *,
    text: str,
    subject: str,
    reference: str,
    channel: str,
    received_at: datetime,
    idempotency_key: str,
    identities: dict,
) -> dict:
    """complaint_submit's arguments as a row keeps them (JSON)."""
    return {
        "text": text,
        "subject": subject,
        "reference": reference,
        "channel": channel,
        "received_at": received_at.astimezone(UTC).isoformat(),
        "idempotency_key": idempotency_key,
        **identities,
    }

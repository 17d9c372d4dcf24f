"""Complaints in, from every channel: the web form, e-mail, the API and file imports.

One service stores them all: it resolves the customer, records the complaint on their timeline,
and queues triage after commit. A retry with the same key (an e-mail's Message-ID, a form's
submission id, an API client's key) returns the first complaint and stores nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feedback_app.core.errors import DomainError
from feedback_app.core.phrases import Phrase
from feedback_app.customers.languages import supported
from feedback_app.customers.services.conversation import Upload, attachments_store
from feedback_app.customers.services.resolve import customer_resolve
from feedback_app.customers.services.timeline import timeline_record
from surveys.models import Complaint
from surveys.services.intake import (
    by_key,
    check_channel,
    check_past,
    client_key,
    intake_once,
    submitter,
)
from surveys.services.rollups import rollup_arrival
from surveys.services.triage import complaints_triage_queue


@dataclass
class ComplaintIntake:
    complaint: Complaint
    created: bool


def complaint_checked(
    *, text: str, subject: str, channel: str, received_at: datetime, now: datetime
) -> str:
    """The checks every complaint passes before it is kept (raising DomainError); returns the
    text as it is stored."""
    text = (text or "").replace("\x00", "").strip()
    if not text and not (subject or "").strip():
        raise DomainError(_("Please tell us what happened."), field="text")
    if len(text) > Complaint.MAX_TEXT:
        raise DomainError(
            _("Please keep it under %(most)s characters.")
            % {"most": number_format(Complaint.MAX_TEXT, force_grouping=True)},
            field="text",
        )
    check_channel(channel)
    check_past(received_at, field="received_at", now=now)
    return text


# Long on purpose: checks, then the store() closure that intake_once runs in its transaction.
def complaint_submit(
    *,
    text: str,
    channel: str,
    email: str = "",
    phone: str = "",
    external: dict | None = None,
    full_name: str = "",
    reference: str = "",
    subject: str = "",
    received_at: datetime | None = None,
    idempotency_key: str | None = None,
    actor=None,
    verified: bool = False,
    uploads: Iterable[Upload] = (),
    language: str = "",
) -> ComplaintIntake:
    """Store a complaint for the customer behind the identities (`verified`: see
    `customer_resolve`), with the photos or PDFs that came with it (refused files store
    nothing: they are checked in the same transaction); a replayed idempotency key returns the
    first complaint. `language`, the one the customer wrote in (the form's page), becomes a new
    profile's language, so our answers speak it; a known customer's stays as it is."""
    now = timezone.now()
    received_at = received_at or now
    text = complaint_checked(
        text=text, subject=subject, channel=channel, received_at=received_at, now=now
    )
    key = client_key(actor, idempotency_key, limit=300)

    def find() -> Complaint | None:
        return by_key(Complaint, idempotency_key=key) if key else None

    def store() -> tuple[Complaint, bool]:
        resolution = customer_resolve(
            email=email,
            phone=phone,
            external=external,
            full_name=full_name,
            channel=channel,
            actor=actor,
            strict=False,
            verified=verified,
        )
        customer = resolution.customer
        if resolution.created and language:
            customer.language = supported(language)
            customer.save(update_fields=["language"])
        complaint = Complaint(
            customer=customer,
            channel=channel,
            reference=" ".join((reference or "").split())[:100],
            subject=" ".join((subject or "").split())[:200],
            text=text,
            contact_name=(full_name or "")[:200],
            received_at=received_at,
            idempotency_key=key,
            submitted_by=submitter(actor),
        )
        complaint.take_segments(customer)
        complaint.save()
        attachments_store(customer=customer, uploads=uploads, about=complaint)
        rollup_arrival(complaint)
        timeline_record(
            customer=customer,
            kind="complaint.received",
            title=Phrase(
                gettext_noop("Complaint: %(said)s"),
                said=Truncator(complaint.subject or text).chars(90),
            ),
            body=Truncator(text).chars(2000),
            channel=channel,
            actor=actor,
            subject=complaint,
            occurred_at=received_at,
        )
        transaction.on_commit(complaints_triage_queue)
        return complaint, True

    # The unique index on the key guards replays: no lookup before the write.
    return ComplaintIntake(*intake_once(find=find, create=store, look_first=False))

"""Personal data: everything we hold on one customer, as one JSON document.

The walk is generic, like the merge: every row that points at the customer (in any app), and the
rows that point at those (a response's answers, a ticket's log), so records added by later work
are exported without this layer naming them.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import serializers
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feedback_app.core.errors import Conflict
from feedback_app.core.phrases import Phrase
from feedback_app.core.signals import customer_erasing
from feedback_app.customers.models import (
    Attachment,
    ContactChannel,
    ContactPreference,
    Customer,
    CustomerMerge,
    Identity,
    IncomingMessage,
    Message,
    TimelineEntry,
    new_customer_token,
)
from feedback_app.customers.services.timeline import timeline_record

SKIP = {CustomerMerge}  # the audit of merges is about our staff's work, kept separately


def _rows(queryset) -> list[dict]:
    return [
        {"id": row["pk"], **row["fields"]}
        for row in serializers.serialize("python", queryset, use_natural_foreign_keys=False)
    ]


def customer_export(*, customer: Customer) -> dict:
    """A JSON-ready dict of the profile and every record that belongs to it."""
    document: dict = {
        "exported_at": timezone.now().isoformat(),
        "customer": _rows(Customer.objects.filter(pk=customer.pk))[0],
        "records": {},
    }
    seen: set[tuple[str, int]] = set()

    def add(model, queryset):
        label = model._meta.label
        rows = [row for row in _rows(queryset) if (label, row["id"]) not in seen]
        seen.update((label, row["id"]) for row in rows)
        if rows:
            document["records"].setdefault(label, []).extend(rows)
        return [row["id"] for row in rows]

    for rel in Customer._meta.related_objects:
        model = rel.related_model
        if model in SKIP or model is Customer or rel.many_to_many:
            continue
        ids = add(model, model._base_manager.filter(**{rel.field.name: customer}).order_by("pk"))
        if not ids:
            continue
        for child in model._meta.related_objects:
            if child.many_to_many or child.related_model is Customer or child.related_model in SKIP:
                continue
            child_model = child.related_model
            add(
                child_model,
                child_model._base_manager.filter(**{f"{child.field.name}__in": ids}).order_by("pk"),
            )
    return document


# --- Erasure --------------------------------------------------------------------------------------
# Erasing a customer removes who they are and what they wrote, and keeps what reports count
# (scores, sentiment, topics, states, amounts, dates). Each app knows its own personal fields and
# erases them on the `customer_erasing` signal (feedback_app.core.signals); this layer imports
# no app.

ERASED = "[erased]"


def _erase_files(attachments) -> None:
    """Delete the rows now and the stored files once the erasure has committed (a rollback
    must not leave rows pointing at deleted files)."""
    names = [(a.file.storage, a.file.name) for a in attachments if a.file]
    attachments.delete()

    def remove():
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(remove)


def customer_erase(*, customer: Customer, actor=None, reason: str = "") -> Customer:
    """Erase a customer's personal data for good. Refused while a recovery hold is open (their
    case is still being worked); the profile stays as an anonymous row so figures add up."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.holds.filter(released_at__isnull=True).exists():
            raise Conflict(_("This customer has an open recovery case; close it before erasing."))
        if customer.merged_into_id:
            raise Conflict(
                f"This profile was merged into #{customer.merged_into_id}; erase that one."
            )
        customer_erasing.send(sender=Customer, customer=customer)
        Identity.objects.filter(customer=customer).delete()
        TimelineEntry.objects.filter(customer=customer).update(title=ERASED, body="", data={})
        Message.objects.filter(customer=customer).update(
            to_address="", subject=ERASED, body_text=ERASED, body_html=""
        )
        IncomingMessage.objects.filter(customer=customer).update(
            subject=ERASED, body=ERASED, sender=""
        )
        _erase_files(Attachment.objects.filter(customer=customer))
        CustomerMerge.objects.filter(target=customer).update(source_snapshot={}, reason="")
        for merged in Customer.objects.filter(merged_into=customer):
            Identity.objects.filter(customer=merged).delete()
            merged.full_name = ""
            merged.save(update_fields=["full_name", "updated_at"])
        for channel in ContactChannel.values:
            ContactPreference.objects.update_or_create(
                customer=customer,
                channel=channel,
                defaults={
                    "allow_contact": False,
                    "allow_solicitations": False,
                    "source": ContactPreference.Source.STAFF,
                },
            )
        customer.full_name = ""
        customer.token = new_customer_token()
        customer.erased_at = timezone.now()
        customer.save(update_fields=["full_name", "token", "erased_at", "updated_at"])
        timeline_record(
            customer=customer,
            kind="customer.erased",
            title=Phrase(gettext_noop("Personal data erased")),
            body=reason[:500],
            actor=actor,
        )
    return customer


def customers_erase_inactive(*, now=None) -> int:
    """Erase every customer with nothing on their timeline for PERSONAL_DATA_RETENTION_MONTHS
    (0 keeps everything). Customers with an open recovery case are left until it closes.
    Run daily by django-q2; returns how many were erased."""
    months = settings.PERSONAL_DATA_RETENTION_MONTHS
    if months <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=30 * months)
    stale = (
        Customer.objects.filter(erased_at__isnull=True, merged_into__isnull=True)
        .exclude(holds__released_at__isnull=True, holds__isnull=False)
        .annotate(last=Max("timeline__occurred_at"))
        .filter(last__lt=cutoff)
    )
    erased = 0
    for customer in stale.iterator():
        customer_erase(
            customer=customer, reason=f"No activity for {months} months (retention setting)."
        )
        erased += 1
    return erased

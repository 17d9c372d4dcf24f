"""Personal data: everything we hold on one customer, as one JSON document.

The walk is generic, like the merge: every row that points at the customer (in any app), and the
rows that point at those (a response's answers, a ticket's log), so records added by later work
are exported without this layer naming them.
"""

from __future__ import annotations

from django.core import serializers
from django.utils import timezone

from feedback_app.customers.models import Customer, CustomerMerge

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

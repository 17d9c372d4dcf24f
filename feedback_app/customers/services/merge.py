"""Fold one profile into another (two profiles of one person), after a person decided."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from feedback_app.core.errors import Conflict, DomainError
from feedback_app.core.signals import customers_merged
from feedback_app.customers.models import (
    Channel,
    ContactPreference,
    Customer,
    CustomerMerge,
)
from feedback_app.customers.services.timeline import timeline_record


def _snapshot(customer: Customer) -> dict:
    return {
        "full_name": customer.full_name,
        "preferred_channel": customer.preferred_channel,
        "region": customer.region,
        "age_band": customer.age_band,
        "value_tier": customer.value_tier,
        "segments": customer.segments,
        "identities": [str(i) for i in customer.identities.all()],
        "created_at": customer.created_at.isoformat(),
    }


def _merge_preferences(source: Customer, target: Customer) -> int:
    """The stricter answer wins: if either profile refused a channel, the merged one refuses."""
    moved = 0
    targets = {p.channel: p for p in target.preferences.select_for_update()}
    for pref in source.preferences.select_for_update():
        mine = targets.get(pref.channel)
        if mine is None:
            pref.customer = target
            pref.save(update_fields=["customer"])
        else:
            mine.allow_contact = mine.allow_contact and pref.allow_contact
            mine.allow_solicitations = mine.allow_solicitations and pref.allow_solicitations
            mine.source = ContactPreference.Source.MERGE
            mine.save(
                update_fields=["allow_contact", "allow_solicitations", "source", "updated_at"]
            )
            pref.delete()
        moved += 1
    return moved


# Relations a merge must not move: its own audit trail.
_MERGE_KEEPS = {(CustomerMerge, "source"), (CustomerMerge, "target")}


def _move_related(source: Customer, target: Customer) -> dict[str, int]:
    """Point every row that belongs to `source` at `target`, in every installed app.

    Walks the reverse relations of Customer instead of naming models, so records added by the
    survey and recovery apps move without this layer importing them.
    """
    moved: dict[str, int] = {}
    for rel in Customer._meta.related_objects:
        model = rel.related_model
        if (model, rel.field.name) in _MERGE_KEEPS or model is ContactPreference:
            continue
        label = model._meta.label
        if rel.many_to_many:
            accessor = rel.get_accessor_name()
            rows = list(getattr(source, accessor).all())
            if rows:
                getattr(target, accessor).add(*rows)
                getattr(source, accessor).clear()
                moved[label] = moved.get(label, 0) + len(rows)
            continue
        if rel.one_to_one:
            exists = model._base_manager.filter(**{rel.field.name: target}).exists()
            if exists and model._base_manager.filter(**{rel.field.name: source}).exists():
                raise Conflict(
                    f"Both profiles have a {model._meta.verbose_name}; resolve that before merging."
                )
        count = model._base_manager.filter(**{rel.field.name: source}).update(
            **{rel.field.name: target}
        )
        if count:
            moved[label] = moved.get(label, 0) + count
    return moved


# Long on purpose: one transaction of ordered steps (lock, snapshot, fill the profile, move,
# record); read top to bottom.
def customer_merge(
    *, source: Customer, target: Customer, actor=None, reason: str = ""
) -> CustomerMerge:
    """Fold `source` into `target`: everything of the source moves, the source stays as a stub.

    The source keeps its row (pointing at the target through `merged_into`) so old links and the
    audit entry keep resolving; blank profile fields of the target are filled from the source.
    """
    if source.pk == target.pk:
        raise DomainError("A customer cannot be merged into itself.", field="target")
    with transaction.atomic():
        # Lock both in a fixed order so two merges of the same pair cannot deadlock.
        locked = {
            c.pk: c
            for c in Customer.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise DomainError("One of the two customers no longer exists.")
        source, target = locked[source.pk], locked[target.pk]
        if source.merged_into_id is not None:
            raise Conflict(
                f"{source} (#{source.pk}) was already merged into #{source.merged_into_id}.",
                field="source",
            )
        if target.merged_into_id is not None:
            raise Conflict(
                f"{target} (#{target.pk}) was merged into #{target.merged_into_id}; "
                "merge into that profile.",
                field="target",
            )
        snapshot = _snapshot(source)
        moved = _move_related(source, target)
        preferences = _merge_preferences(source, target)
        if preferences:
            moved[ContactPreference._meta.label] = preferences

        filled = []
        for name in ("full_name", "region", "age_band"):
            if not getattr(target, name) and getattr(source, name):
                setattr(target, name, getattr(source, name))
                filled.append(name)
        if source.segments:
            target.segments = {**source.segments, **target.segments}
            filled.append("segments")
        tiers = [choice for choice, _ in target._meta.get_field("value_tier").choices]
        if tiers.index(source.value_tier) > tiers.index(target.value_tier):
            target.value_tier = source.value_tier
            filled.append("value_tier")
        if filled:
            target.save(update_fields=[*filled, "updated_at"])

        source.merged_into = target
        source.merged_at = timezone.now()
        source.save(update_fields=["merged_into", "merged_at", "updated_at"])
        merge = CustomerMerge.objects.create(
            source=source,
            target=target,
            actor=actor,
            reason=reason,
            moved=moved,
            source_snapshot=snapshot,
        )
        timeline_record(
            customer=target,
            kind="customer.merged",
            title=f"Merged with {snapshot['full_name'] or 'customer'} (#{source.pk})",
            body=reason,
            channel=Channel.STAFF,
            actor=actor,
            subject=merge,
            data={"moved": moved},
        )
        customers_merged.send(sender=CustomerMerge, merge=merge)
    return merge

"""Fold one profile into another (two profiles of one person), after a person decided."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feedback_app.core.errors import Conflict, DomainError
from feedback_app.core.phrases import Phrase, Said
from feedback_app.core.signals import customers_merged
from feedback_app.customers.merge_rules import rule_for
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


def _move_related(source: Customer, target: Customer) -> dict[str, int]:
    """Every row that points at `source`, in every installed app, as its model's merge rule says
    (feedback_app/customers/merge_rules.py): most move to `target`; rows unique per customer
    keep one of each pair. Walks Customer's reverse relations instead of naming models, so the
    survey and recovery apps' rows are handled without this layer importing them."""
    moved: dict[str, int] = {}
    for rel in Customer._meta.related_objects:
        model, name = rel.related_model, rel.field.name
        rule = rule_for(model, name)
        if rule is None:
            raise ImproperlyConfigured(
                f"{model._meta.label}.{name} points at a customer but declares no CUSTOMER_MERGE "
                "rule (feedback_app/customers/merge_rules.py)"
            )
        if rule.kind in ("stays", "own_step"):
            continue
        if rule.kind == "keep_one" and (dropped := _keep_one(model, name, rule, source, target)):
            moved[f"{model._meta.label} (one of two kept)"] = dropped
        count = model._base_manager.filter(**{name: source}).update(**{name: target})
        if count:
            moved[model._meta.label] = moved.get(model._meta.label, 0) + count
    return moved


def _keep_one(model, name: str, rule, source: Customer, target: Customer) -> int:
    """Of each pair of rows with the same key on both profiles, one stays and the other is
    deleted: the kept profile's stays, unless the model's merge_prefer picks the source's.
    Returns how many were deleted."""
    columns = [model._meta.get_field(k).attname for k in rule.key]

    def key(row) -> tuple:
        return tuple(getattr(row, column) for column in columns)

    rows = model._base_manager.filter(**rule.among).select_for_update()
    kept = {key(row): row for row in rows.filter(**{name: target})}
    prefer = getattr(model, "merge_prefer", None)
    dropped = 0
    for row in rows.filter(**{name: source}):
        other = kept.get(key(row))
        if other is None:
            continue
        stays = prefer(other, row) if prefer else other
        (row if stays is other else other).delete()
        dropped += 1
    return dropped


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
        raise DomainError(_("A customer cannot be merged into itself."), field="target")
    with transaction.atomic():
        # Lock both in a fixed order so two merges of the same pair cannot deadlock.
        locked = {
            c.pk: c
            for c in Customer.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise DomainError(_("One of the two customers no longer exists."))
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
            title=Phrase(
                gettext_noop("Merged with %(name)s (#%(number)s)"),
                name=snapshot["full_name"] or Said(gettext_noop("customer")),
                number=source.pk,
            ),
            body=reason,
            channel=Channel.STAFF,
            actor=actor,
            subject=merge,
            data={"moved": moved},
        )
        customers_merged.send(sender=CustomerMerge, merge=merge)
    return merge

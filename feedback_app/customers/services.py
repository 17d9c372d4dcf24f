"""Writes to the customer layer: resolve an incoming person, record what happened, merge twins.

Every function takes keyword arguments and an `actor` (the staff user, or None for the system),
validates, saves and returns the object. Callers in views, the API, tasks and commands use these
and never write the models directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from feedback_app.core.errors import Conflict, DomainError
from feedback_app.core.signals import customers_merged
from feedback_app.customers.identities import normalize
from feedback_app.customers.models import (
    Channel,
    ContactChannel,
    ContactHold,
    ContactPreference,
    Customer,
    CustomerMerge,
    Identity,
    TimelineEntry,
)
from feedback_app.customers.selectors import customer_survivor

# Which identity decides when an incoming person matches several profiles: an id issued by one
# of our systems is the most specific, a shared family phone the least.
IDENTITY_PRIORITY = (Identity.Kind.EXTERNAL, Identity.Kind.EMAIL, Identity.Kind.PHONE)


@dataclass(frozen=True)
class IdentityClaim:
    kind: str
    value: str
    source: str = ""
    normalized: str = ""


@dataclass
class Resolution:
    """What `customer_resolve` found: the profile, whether it is new, and what did not fit."""

    customer: Customer
    created: bool
    possible_duplicates: list[Customer] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def timeline_record(
    *,
    customer: Customer,
    kind: str,
    title: str,
    channel: str = "",
    body: str = "",
    actor=None,
    subject: models.Model | None = None,
    data: Mapping | None = None,
    occurred_at: datetime | None = None,
) -> TimelineEntry:
    """Append one entry to the customer's timeline. Never updates an existing entry."""
    if channel and channel not in Channel.values:
        raise DomainError(f"Unknown channel {channel!r}.", field="channel")
    entry = TimelineEntry(
        customer=customer,
        kind=kind,
        title=title[:200],
        channel=channel,
        body=body,
        actor=actor,
        data=dict(data or {}),
        occurred_at=occurred_at or timezone.now(),
    )
    if subject is not None:
        entry.subject_type = ContentType.objects.get_for_model(subject)
        entry.subject_id = subject.pk
    entry.save()
    return entry


def _claims(
    *, email: str, phone: str, external: Mapping[str, str] | None, strict: bool, skipped: list[str]
) -> list[IdentityClaim]:
    given: list[IdentityClaim] = []
    for source, value in (external or {}).items():
        if value:
            given.append(IdentityClaim(Identity.Kind.EXTERNAL, str(value), str(source).strip()))
    if email:
        given.append(IdentityClaim(Identity.Kind.EMAIL, email))
    if phone:
        given.append(IdentityClaim(Identity.Kind.PHONE, phone))
    claims = []
    for claim in given:
        try:
            normalized = normalize(claim.kind, claim.value, claim.source)
        except DomainError as exc:
            if strict:
                raise
            skipped.append(exc.message)
            continue
        claims.append(IdentityClaim(claim.kind, claim.value, claim.source, normalized))
    return claims


def _identity_filter(claims: Iterable[IdentityClaim]) -> models.Q:
    query = models.Q(pk__in=[])
    for claim in claims:
        query |= models.Q(kind=claim.kind, source=claim.source, normalized=claim.normalized)
    return query


def customer_resolve(
    *,
    email: str = "",
    phone: str = "",
    external: Mapping[str, str] | None = None,
    full_name: str = "",
    channel: str = Channel.SYSTEM,
    actor=None,
    strict: bool = True,
    verified: bool = False,
) -> Resolution:
    """Find the one profile behind the identities given, or create it.

    An identity that already belongs to another profile is left there and reported as a possible
    duplicate (a merge is a person's decision, never automatic). Identities the found profile
    did not have yet are added to it only when `verified`: staff, or a sender that checked them
    (a signed-in shop account). From an unverified source (the public forms, e-mail intake, an
    API call that does not vouch for them) they go to a profile of their own, suggested to staff
    as a possible duplicate: otherwise anyone who knows a customer's phone number could attach
    their own address to that customer and receive what we send them. With `strict=False`
    malformed identities are skipped and reported instead of refused, as long as one usable
    identity remains.
    """
    skipped: list[str] = []
    claims = _claims(email=email, phone=phone, external=external, strict=strict, skipped=skipped)
    if not claims:
        raise DomainError(
            "No usable identity: give an e-mail address, a phone number or an external id.",
            field="identity",
            **({"skipped": skipped} if skipped else {}),
        )
    # Two requests may bring the same new person at once; the unique constraint lets one create
    # and the other find it on its second look.
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _resolve_once(
                    claims, full_name.strip()[:200], channel, actor, skipped, verified
                )
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _profile_create(claims, full_name, channel, actor) -> Customer:
    customer = Customer.objects.create(full_name=full_name)
    Identity.objects.bulk_create(
        [
            Identity(
                customer=customer,
                kind=c.kind,
                source=c.source,
                value=c.value,
                normalized=c.normalized,
            )
            for c in claims
        ]
    )
    timeline_record(
        customer=customer,
        kind="customer.created",
        title="Profile created",
        channel=channel,
        actor=actor,
        data={"identities": [c.normalized for c in claims]},
    )
    return customer


def _resolve_once(claims, full_name, channel, actor, skipped, verified) -> Resolution:
    known = {
        (i.kind, i.source, i.normalized): i
        for i in Identity.objects.filter(_identity_filter(claims))
        .select_related("customer")
        .order_by()  # the model's ordering would sort what is looked up by key
    }
    matched = [
        known[(c.kind, c.source, c.normalized)].customer
        for c in claims
        if (c.kind, c.source, c.normalized) in known
    ]
    if not matched:
        customer = _profile_create(claims, full_name, channel, actor)
        return Resolution(customer=customer, created=True, skipped=skipped)

    by_priority = sorted(
        (
            known[(c.kind, c.source, c.normalized)]
            for c in claims
            if (c.kind, c.source, c.normalized) in known
        ),
        key=lambda identity: IDENTITY_PRIORITY.index(identity.kind),
    )
    customer = by_priority[0].customer
    duplicates = list({c.pk: c for c in matched if c.pk != customer.pk}.values())
    new = [c for c in claims if (c.kind, c.source, c.normalized) not in known]
    if new and not verified:
        # Unverified: the new identities are not attached to someone else's profile.
        apart = _profile_create(new, full_name, channel, actor)
        timeline_record(
            customer=apart,
            kind="customer.possible_duplicate",
            title=f"Possible duplicate of {customer} (#{customer.pk})",
            body="Given together with an identity of that profile through a channel that does "
            "not verify identities. Merge the two if they are the same person.",
            channel=channel,
            actor=actor,
            data={"other_customer": customer.pk},
        )
        duplicates.append(apart)
        new = []
    for claim in new:
        identity_add(
            customer=customer,
            kind=claim.kind,
            value=claim.value,
            source=claim.source,
            actor=actor,
            channel=channel,
        )
    if verified and full_name and not customer.full_name:
        customer.full_name = full_name
        customer.save(update_fields=["full_name", "updated_at"])
    for other in duplicates:
        timeline_record(
            customer=customer,
            kind="customer.possible_duplicate",
            title=f"Possible duplicate of {other} (#{other.pk})",
            channel=channel,
            actor=actor,
            data={"other_customer": other.pk},
        )
    return Resolution(
        customer=customer, created=False, possible_duplicates=duplicates, skipped=skipped
    )


def identity_add(
    *,
    customer: Customer,
    kind: str,
    value: str,
    source: str = "",
    actor=None,
    channel: str = Channel.STAFF,
) -> Identity:
    """Attach one more identity to a profile. Refused if another profile already has it."""
    normalized = normalize(kind, value, source)
    owner = (
        Identity.objects.filter(kind=kind, source=source, normalized=normalized)
        .select_related("customer")
        .first()
    )
    if owner is not None:
        if owner.customer_id == customer.pk:
            return owner
        raise Conflict(
            f"{normalized} already belongs to {owner.customer} (#{owner.customer_id}); "
            "merge the two profiles instead.",
            field=kind,
        )
    identity = Identity.objects.create(
        customer=customer, kind=kind, source=source, value=value.strip(), normalized=normalized
    )
    timeline_record(
        customer=customer,
        kind="identity.added",
        title=f"{identity.get_kind_display()} added: {normalized}",
        channel=channel,
        actor=actor,
        subject=identity,
    )
    return identity


def customer_update(*, customer: Customer, actor=None, **changes) -> Customer:
    """Change profile fields (name, preferred channel, language, segments)."""
    editable = {
        "full_name",
        "preferred_channel",
        "language",
        "region",
        "age_band",
        "value_tier",
        "segments",
    }
    unknown = set(changes) - editable
    if unknown:
        raise DomainError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    changed = [name for name, value in changes.items() if getattr(customer, name) != value]
    if not changed:
        return customer
    for name in changed:
        setattr(customer, name, changes[name])
    customer.full_clean(exclude=["merged_into"])
    customer.save(update_fields=[*changed, "updated_at"])
    timeline_record(
        customer=customer,
        kind="customer.updated",
        title="Profile updated: " + ", ".join(changed),
        channel=Channel.STAFF,
        actor=actor,
    )
    return customer


def preference_set(
    *,
    customer: Customer,
    channel: str,
    allow_contact: bool | None = None,
    allow_solicitations: bool | None = None,
    source: str = ContactPreference.Source.STAFF,
    actor=None,
) -> ContactPreference:
    """Record what the customer allows on one channel; unspecified flags keep their value."""
    if channel not in ContactChannel.values:
        raise DomainError(f"Unknown contact channel {channel!r}.", field="channel")
    with transaction.atomic():
        preference, _ = ContactPreference.objects.select_for_update().get_or_create(
            customer=customer, channel=channel
        )
        before = (preference.allow_contact, preference.allow_solicitations)
        if allow_contact is not None:
            preference.allow_contact = allow_contact
        if allow_solicitations is not None:
            preference.allow_solicitations = allow_solicitations
        after = (preference.allow_contact, preference.allow_solicitations)
        preference.source = source
        preference.save(
            update_fields=["allow_contact", "allow_solicitations", "source", "updated_at"]
        )
        if before != after:
            label = ContactChannel(channel).label
            state = []
            state.append("contact allowed" if preference.allow_contact else "no contact")
            state.append(
                "surveys and notices allowed"
                if preference.allow_solicitations
                else "no surveys or notices"
            )
            timeline_record(
                customer=customer,
                kind="consent.changed",
                title=f"{label}: {', '.join(state)}",
                channel=Channel.WEB if source in {"customer", "unsubscribe"} else Channel.STAFF,
                actor=actor,
                data={"channel": channel, "source": source, "before": before, "after": after},
            )
    return preference


# --- Merge ------------------------------------------------------------------------------------


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


# --- Holds -----------------------------------------------------------------------------------


def hold_place(*, customer: Customer, reference: str, reason: str, actor=None):
    """Pause solicitations to this customer until `hold_release` with the same reference."""
    customer = customer_survivor(customer)
    hold, created = ContactHold.objects.get_or_create(
        customer=customer, reference=reference, released_at=None, defaults={"reason": reason[:200]}
    )
    if created:
        timeline_record(
            customer=customer,
            kind="hold.placed",
            title=f"Surveys paused: {hold.reason}",
            actor=actor,
        )
    return hold


def hold_release(*, customer: Customer, reference: str, actor=None) -> int:
    customer = customer_survivor(customer)
    released = ContactHold.objects.filter(
        customer=customer, reference=reference, released_at__isnull=True
    ).update(released_at=timezone.now())
    if released:
        timeline_record(
            customer=customer, kind="hold.released", title="Surveys resumed", actor=actor
        )
    return released

"""Resolve an incoming person to one profile (or create it), and attach identities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feedback_app.core.errors import Conflict, DomainError
from feedback_app.core.phrases import Phrase
from feedback_app.customers.identities import normalize
from feedback_app.customers.models import (
    Channel,
    Customer,
    Identity,
)
from feedback_app.customers.services.timeline import timeline_record

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


def identity_claims(
    *,
    email: str = "",
    phone: str = "",
    external: Mapping[str, str] | None = None,
    strict: bool = True,
    skipped: list[str] | None = None,
) -> list[IdentityClaim]:
    """The identities given, normalised, as customer_resolve reads them (with `strict=False`
    malformed ones are skipped and reported in `skipped`); raises when none is usable."""
    skipped = [] if skipped is None else skipped
    claims = _claims(email=email, phone=phone, external=external, strict=strict, skipped=skipped)
    if not claims:
        raise DomainError(
            _("No usable identity: give an e-mail address, a phone number or an external id."),
            field="identity",
            **({"skipped": skipped} if skipped else {}),
        )
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
    claims = identity_claims(
        email=email, phone=phone, external=external, strict=strict, skipped=skipped
    )
    full_name = full_name.strip()[:200]
    known = _known(claims)
    customers = {identity.customer_id for identity in known.values()}
    if len(known) == len(claims) and len(customers) == 1:
        # Someone we know, by all they gave: nothing to write, so no savepoint either.
        customer = next(iter(known.values())).customer
        if not (verified and full_name and not customer.full_name):
            return Resolution(customer=customer, created=False, skipped=skipped)
    # Two requests may bring the same new person at once; the unique constraint lets one create
    # and the other find it on its second look.
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _resolve_once(
                    claims, full_name, channel, actor, skipped, verified, known=known
                )
        except IntegrityError:
            if attempt:
                raise
            known = None  # look again: the other request's rows are there now
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
        title=Phrase(gettext_noop("Profile created")),
        channel=channel,
        actor=actor,
        data={"identities": [c.normalized for c in claims]},
    )
    return customer


# Long on purpose: the one look-up and its three outcomes (new profile, found, found with new
# identities) stay side by side.
def _known(claims) -> dict:
    """The identities we already have among the claims, by (kind, source, normalized value)."""
    return {
        (i.kind, i.source, i.normalized): i
        for i in Identity.objects.filter(_identity_filter(claims))
        .select_related("customer")
        .order_by()  # the model's ordering would sort what is looked up by key
    }


# Long on purpose: one decision in order (new, matched, unverified additions, duplicates).
def _resolve_once(claims, full_name, channel, actor, skipped, verified, known=None) -> Resolution:
    known = _known(claims) if known is None else known
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
            title=_possible_duplicate(customer),
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
            title=_possible_duplicate(other),
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
        title=Phrase(
            gettext_noop("%(kind)s added: %(address)s"),
            kind=Identity.Kind(identity.kind).label,
            address=normalized,
        ),
        channel=channel,
        actor=actor,
        subject=identity,
    )
    return identity


def _possible_duplicate(other: Customer) -> Phrase:
    return Phrase(
        gettext_noop("Possible duplicate of %(customer)s (#%(number)s)"),
        customer=str(other),
        number=other.pk,
    )

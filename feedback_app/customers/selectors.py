"""Reads of the customer layer, with their joins decided here once."""

from contextlib import suppress

from django.db.models import Prefetch, Q, QuerySet

from feedback_app.core.errors import DomainError
from feedback_app.core.numbers import whole_number
from feedback_app.customers.identities import normalize
from feedback_app.customers.models import (
    ContactChannel,
    ContactPreference,
    Customer,
    Identity,
    TimelineEntry,
)


def customer_search(search: str) -> Q:
    """Match a name fragment, a customer number, or an identity written any way."""
    search = (search or "").strip()
    identities = Q(normalized__icontains=search.lower())
    for kind in ("email", "phone"):
        with suppress(DomainError):  # not written like an e-mail or phone: no exact match
            identities |= Q(kind=kind, normalized=normalize(kind, search))
    query = Q(full_name__icontains=search) | Q(
        pk__in=Identity.objects.filter(identities).values("customer_id")
    )
    if (number := whole_number(search)) is not None:
        query |= Q(pk=number)
    return query


def customer_list(*, search: str = "", include_merged: bool = False) -> QuerySet[Customer]:
    """Profiles for the staff list and the API, with identities prefetched."""
    queryset = Customer.objects.prefetch_related(
        Prefetch("identities", queryset=Identity.objects.order_by("kind", "id"))
    )
    if not include_merged:
        queryset = queryset.filter(merged_into__isnull=True)
    if (search or "").strip():
        queryset = queryset.filter(customer_search(search))
    return queryset


def customer_get(*, pk: int) -> Customer:
    return Customer.objects.select_related("merged_into").get(pk=pk)


def customer_survivor(customer: Customer, *, lock: bool = False) -> Customer:
    """The profile a merged profile now lives on (itself if it was never merged); with `lock`,
    its row locked (select_for_update) in the same read.

    Reads the database, not the object given: the caller's copy may predate the merge.
    """
    customers = Customer.objects.select_for_update() if lock else Customer.objects
    customer = customers.get(pk=customer.pk)
    seen = set()
    while customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = customers.get(pk=customer.merged_into_id)
    return customer


def customer_get_by_token(*, token: str) -> Customer | None:
    """The profile behind a customer-facing link, following merges to the surviving profile."""
    customer = Customer.objects.filter(token=token).first()
    return customer_survivor(customer) if customer is not None else None


def customer_timeline(*, customer: Customer) -> QuerySet[TimelineEntry]:
    return customer.timeline.select_related("actor", "subject_type").order_by("-occurred_at", "-id")


def timeline_recent() -> QuerySet[TimelineEntry]:
    """Latest entries across all customers, for the staff landing page."""
    return TimelineEntry.objects.select_related("customer", "actor").order_by("-occurred_at", "-id")


def customer_preferences(*, customer: Customer) -> dict[str, ContactPreference]:
    """One preference per contact channel; channels with no stored row get the defaults."""
    stored = {p.channel: p for p in customer.preferences.all()}
    return {
        channel: stored.get(channel) or ContactPreference(customer=customer, channel=channel)
        for channel in ContactChannel.values
    }


def customer_contact_addresses(*, customer: Customer) -> dict[str, str]:
    """The address we would use on each contact channel, if the profile has one that still
    reaches the customer."""
    addresses = {}
    for identity in customer.identities.all():
        if identity.undeliverable_at is not None:
            continue
        if identity.kind == Identity.Kind.EMAIL:
            addresses.setdefault(ContactChannel.EMAIL, identity.normalized)
        elif identity.kind == Identity.Kind.PHONE:
            addresses.setdefault(ContactChannel.SMS, identity.normalized)
            addresses.setdefault(ContactChannel.PHONE, identity.normalized)
    return addresses

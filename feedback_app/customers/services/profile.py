"""Changes to a profile and to what the customer allows on each channel."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from feedback_app.core.errors import DomainError
from feedback_app.core.phrases import Phrase, Said
from feedback_app.customers.models import (
    Channel,
    ContactChannel,
    ContactPreference,
    Customer,
)
from feedback_app.customers.services.timeline import timeline_record


def customer_update(
    *, customer: Customer, actor=None, channel: str = Channel.STAFF, **changes
) -> Customer:
    """Change profile fields (name, preferred channel, language, time zone, segments);
    `channel`: where the change was made (the customer's own page: web)."""
    editable = {
        "full_name",
        "preferred_channel",
        "language",
        "time_zone",
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
        title=Phrase(gettext_noop("Profile updated: %(fields)s"), fields=", ".join(changed)),
        channel=channel,
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
        preference, _created = ContactPreference.objects.select_for_update().get_or_create(
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
            contact = (
                gettext_noop("contact allowed")
                if preference.allow_contact
                else gettext_noop("no contact")
            )
            asking = (
                gettext_noop("surveys and notices allowed")
                if preference.allow_solicitations
                else gettext_noop("no surveys or notices")
            )
            timeline_record(
                customer=customer,
                kind="consent.changed",
                title=Phrase(
                    gettext_noop("%(channel)s: %(contact)s, %(asking)s"),
                    channel=label,
                    contact=Said(contact),
                    asking=Said(asking),
                ),
                channel=Channel.WEB if source in {"customer", "unsubscribe"} else Channel.STAFF,
                actor=actor,
                data={"channel": channel, "source": source, "before": before, "after": after},
            )
    return preference

"""Demo data, one loader per area, each safe to run again (it finds what it made before).

Everything goes through the same services the app uses, so the demo also shows the timeline
entries and audit rows a real install would have.
"""

import logging

from django.db import transaction
from django.test.utils import override_settings
from django_q.conf import Conf

from feedback_app.customers.models import Channel, Customer
from feedback_app.customers.services.merge import customer_merge
from feedback_app.customers.services.profile import customer_update, preference_set
from feedback_app.customers.services.resolve import customer_resolve
from feedback_app.demo.complaints import load_complaints
from feedback_app.demo.languages import load_languages
from feedback_app.demo.people import demo_people
from feedback_app.demo.recovery import load_recovery
from feedback_app.demo.surveys import load_history, load_surveys
from feedback_app.staff.services import staff_user_create

DEMO_USERS = (
    # username, password, role, first name
    ("manager", "demo-manager-pass", "manager", "Morgan"),
    ("agent", "demo-agent-pass", "agent", "Alex"),
    ("agent2", "demo-agent-pass", "agent", "Sasha"),
    ("admin", "demo-admin-pass", "admin", "Robin"),
)
CUSTOMER_COUNT = 300
CHANNEL_BY_SHAPE = (Channel.WEB, Channel.PHONE, Channel.STORE, Channel.EMAIL, Channel.SOCIAL)


def load_staff() -> list[tuple[str, str, str]]:
    for username, password, role, first_name in DEMO_USERS:
        staff_user_create(
            username=username,
            password=password,
            role=role,
            first_name=first_name,
            email=f"{username}@care.example.com",
        )
    return [(username, password, role) for username, password, role, _ in DEMO_USERS]


def load_customers() -> list[Customer]:
    customers = []
    for n, person in enumerate(demo_people(CUSTOMER_COUNT)):
        found = customer_resolve(
            email=person["email"],
            phone=person["phone"],
            external=person["external"],
            full_name=person["full_name"],
            channel=CHANNEL_BY_SHAPE[n % len(CHANNEL_BY_SHAPE)],
        )
        customer = found.customer
        if found.created:
            customer_update(
                customer=customer,
                region=person["region"],
                age_band=person["age_band"],
                value_tier=person["value_tier"],
                segments=person["segments"],
                preferred_channel="sms" if not person["email"] else "email",
            )
            if n % 17 == 0:
                preference_set(
                    customer=customer, channel="email", allow_solicitations=False, source="customer"
                )
        customers.append(customer)
    _load_duplicates(customers)
    return customers


def _load_duplicates(customers: list[Customer]) -> None:
    """A few people who reached us twice under different identities; one pair already merged."""
    twins = []
    for n in (3, 8, 13):
        original = customers[n]
        twins.append(
            customer_resolve(
                phone=f"07800 1{n:05d}", full_name=original.full_name, channel=Channel.PHONE
            ).customer
        )
    # After the first load the twin's phone already belongs to the survivor.
    if twins[0] != customers[3]:
        customer_merge(
            source=twins[0], target=customers[3], reason="Same person: confirmed on a call."
        )


def load_all() -> dict:
    """Load every area in dependency order; returns counts and the demo logins.

    Two transactions: intake first (its commit runs triage, which opens the tickets), then the
    recovery work on those tickets. Background tasks run inline and mail stays in memory: the
    demo history's messages are recorded as sent without being mailed to anyone.
    """
    sync = Conf.SYNC
    Conf.SYNC = True
    quiet = logging.getLogger("django-q")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # one line per inline task would drown the logins
    try:
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            logins = load_staff()
            customers = load_customers()
            surveys = load_surveys()
            languages = load_languages(customers, surveys)
            events = load_history(customers, surveys)
            complaints = load_complaints(customers)
        # Triage ran on commit above and opened the tickets; now staff work them.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            tickets = load_recovery()
    finally:
        Conf.SYNC = sync
        quiet.setLevel(level)
    return {
        "logins": logins,
        "customers": len(customers),
        "languages": languages,
        "events": events,
        "complaints": complaints,
        "tickets": tickets,
    }

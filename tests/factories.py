"""Test data factories for every model, in one place."""

import datetime
import itertools

import factory
from django.contrib.auth import get_user_model

from feedback_app.customers.models import ContactPreference, Customer, Identity, TimelineEntry
from feedback_app.staff.services import staff_user_create

PASSWORD = "correct horse battery staple"
_usernames = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)


def staff_user(role: str = "agent", username: str | None = None, **extra):
    """A login holding one role, created through the same service the app uses."""
    username = username or f"{role}{next(_usernames)}"
    return staff_user_create(username=username, password=PASSWORD, role=role, **extra)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    full_name = factory.Faker("name")
    region = factory.Iterator(["North", "South", "East", "West"])


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Identity

    customer = factory.SubFactory(CustomerFactory)
    kind = Identity.Kind.EMAIL
    value = factory.Sequence(lambda n: f"person{n}@example.com")
    normalized = factory.LazyAttribute(lambda i: i.value.lower())


class CustomerWithEmailFactory(CustomerFactory):
    class Meta:
        skip_postgeneration_save = True

    email = factory.RelatedFactory(IdentityFactory, factory_related_name="customer")


class ContactPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPreference

    customer = factory.SubFactory(CustomerFactory)
    channel = "email"


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    customer = factory.SubFactory(CustomerFactory)
    kind = "note"
    title = factory.Faker("sentence")
    occurred_at = factory.Faker("date_time_this_year", tzinfo=datetime.UTC)

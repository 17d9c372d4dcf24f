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


# --- surveys -----------------------------------------------------------------------------------

from surveys.models import Question, Survey, TriggerRule  # noqa: E402


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    name = factory.Sequence(lambda n: f"After delivery {n}")
    purpose = Survey.Purpose.AFTER_DELIVERY
    status = Survey.Status.LIVE
    intro = "We delivered your order recently and would like to know how it went."


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(lambda n: n)
    kind = Question.Kind.NPS
    prompt = "How likely are you to recommend us to a friend?"
    required = True


def delivery_survey(**kwargs) -> Survey:
    """A live survey with the usual three questions: NPS, a choice, and free text."""
    survey = SurveyFactory(**kwargs)
    QuestionFactory(survey=survey, position=0, kind=Question.Kind.NPS)
    QuestionFactory(
        survey=survey,
        position=1,
        kind=Question.Kind.SINGLE,
        prompt="Did your parcel arrive on the day we promised?",
        choices=["Yes", "No, it was late", "It has not arrived"],
        required=False,
    )
    QuestionFactory(
        survey=survey,
        position=2,
        kind=Question.Kind.TEXT,
        prompt="Anything else you want to tell us?",
        required=False,
    )
    return survey


def translate_survey(survey: Survey, *languages: str) -> Survey:
    """Give the survey and its questions every text in `languages` (each text marked with its
    language code, as a translator's draft would be), so customers of those languages get it in
    theirs (surveys/languages.py)."""
    from surveys.languages import SURVEY_TEXTS
    from surveys.services.building import survey_translations_save

    for code in languages:
        survey_translations_save(
            survey=survey,
            language=code,
            texts={f: f"{getattr(survey, f)} ({code})" for f in SURVEY_TEXTS if getattr(survey, f)},
            questions={
                q.pk: {
                    "prompt": f"{q.prompt} ({code})",
                    "help_text": f"{q.help_text} ({code})" if q.help_text else "",
                    "choices": [f"{c} ({code})" for c in q.choices],
                }
                for q in survey.questions.all()
            },
        )
    survey.refresh_from_db()
    return survey


def conditional_survey(**survey_fields) -> Survey:
    """A live survey whose questions follow the answer, with a trigger rule for order.delivered:
    "Recommend us?" (NPS); "What went wrong?" (required) only for 0-6; "What did you like?"
    only for 9-10; "Parcel on time?" (Yes / No, it was late); "How late was it?" only after
    the second option."""
    from surveys.services.building import question_add

    survey = SurveyFactory(**survey_fields)
    nps = question_add(survey=survey, kind="nps", prompt="Recommend us?")
    question_add(
        survey=survey,
        kind="text",
        prompt="What went wrong?",
        show_if={"question": nps.pk, "max": 6},
    )
    question_add(
        survey=survey,
        kind="text",
        prompt="What did you like?",
        required=False,
        show_if={"question": nps.pk, "min": 9},
    )
    parcel = question_add(
        survey=survey,
        kind="single",
        prompt="Parcel on time?",
        required=False,
        choices=["Yes", "No, it was late"],
    )
    question_add(
        survey=survey,
        kind="text",
        prompt="How late was it?",
        required=False,
        show_if={"question": parcel.pk, "any_of": [2]},
    )
    TriggerRuleFactory(survey=survey, delay=datetime.timedelta(0))
    return survey


class TriggerRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TriggerRule

    event_type = "order.delivered"
    survey = factory.SubFactory(SurveyFactory)
    delay = datetime.timedelta(days=1)


def delivered_invitation(
    languages=(), email="ann@example.com", full_name="Ann Lee", **survey_fields
):
    """Ann Lee's invitation to the delivery survey, an hour after order A-1001 was delivered
    (or another customer's, by `email`); the survey also written in `languages`."""
    from django.utils import timezone

    from surveys.services.invitations import event_record

    survey = delivery_survey(
        intro="We delivered your order and would like to know how it went.", **survey_fields
    )
    translate_survey(survey, *languages)
    TriggerRuleFactory(survey=survey, delay=datetime.timedelta(0))
    return event_record(
        event_type="order.delivered",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        email=email,
        full_name=full_name,
        data={"order": "A-1001"},
    ).invitations[0]


# --- recovery -------------------------------------------------------------------------------------


def open_ticket(email: str = "ann@example.com", full_name: str = "Ann Lee", **kwargs):
    """A ticket opened through the same service staff and triage use."""
    from feedback_app.customers.services.resolve import customer_resolve
    from recovery.services.tickets import ticket_create

    customer = customer_resolve(email=email, full_name=full_name).customer
    kwargs.setdefault("subject", "The parcel never arrived")
    kwargs.setdefault("reference", "A-1001")
    return ticket_create(customer=customer, **kwargs)


def reassured(ticket, manager):
    """The ticket past apology and reassurance (a manager skips both, as after a phone call)."""
    from recovery.services.workflow import ticket_skip

    for step in ("apologise", "reassure"):
        ticket = ticket_skip(ticket=ticket, actor=manager, step=step, reason="by phone")
    return ticket


def earlier_solicitation(customer, days_ago: int = 3):
    """A survey invitation that went to the customer `days_ago` days ago (the quiet period
    counts from it), through the outbox as the app sends one."""
    from datetime import timedelta

    from django.utils import timezone

    from feedback_app.customers.outbox import message_send

    return message_send(
        customer=customer,
        kind="solicitation",
        purpose="survey.invitation",
        subject="How was your delivery?",
        body_text="Tell us.",
        dedupe_key=f"earlier-invitation:{customer.pk}:{days_ago}",
        now=timezone.now() - timedelta(days=days_ago),
    )


def step_url(ticket, step: str) -> str:
    """Where the ticket page posts one step (its URL slug, as in the API)."""
    from django.urls import reverse

    return reverse("recovery:ticket-step", args=[ticket.pk, step])

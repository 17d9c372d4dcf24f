"""Demo surveys with trigger rules, and two months of events, invitations and answers.

History is made through the real services with the clock set back (`now=`), so invitations are
decided under the contact policy as they would have been; some are suppressed for the quiet
period or an opt-out, and about half are answered.
"""

import random
from datetime import timedelta

from django.utils import timezone

from feedback_app.customers.models import Customer
from surveys.models import Event, Invitation, Survey
from surveys.services.building import question_add, survey_close, survey_create, survey_publish
from surveys.services.invitations import event_record, invitation_send, trigger_rule_save
from surveys.services.responses import response_submit

SURVEYS = [
    {
        "name": "After delivery",
        "purpose": "after_delivery",
        "intro": "Your order reached you recently. Tell us how the delivery went, good or bad.",
        "public": False,
        "trigger": ("order.delivered", timedelta(days=2)),
        # An A/B split of the subject line; the funnel tab shows which completes more often.
        "split": {"b_subject": "Two minutes: how was your delivery of {reference}?"},
        # Questions that follow the answer: (kind, prompt, required, options[, (the earlier
        # question's index, its condition)]).
        "questions": [
            ("nps", "How likely are you to recommend us to a friend or colleague?", True, []),
            ("text", "What went wrong?", True, [], (0, {"max": 6})),
            (
                "multiple",
                "What did you like most?",
                False,
                ["Fast delivery", "Careful packing", "Easy to track", "Friendly driver"],
                (0, {"min": 9}),
            ),
            (
                "single",
                "Did your order arrive on the day we promised?",
                False,
                ["Yes", "No, it was late", "It has not arrived"],
            ),
            ("text", "How late was it, and did anyone tell you?", False, [], (3, {"any_of": [2]})),
            ("csat", "How satisfied are you with the condition of your order?", False, []),
            ("text", "What is the one thing we should do better?", False, []),
        ],
        "endings": {
            "thank_you_detractor": "We are sorry the delivery let you down.",
            "thank_you_passive": "Thank you. We are working on the things that would make it a "
            "ten for you.",
            "thank_you_promoter": "Thank you, that made our day. If you have a minute, other "
            "customers would like to hear it too.",
            "review_url": "https://reviews.example/northwind-delivery",
        },
    },
    {
        "name": "After a support case",
        "purpose": "after_support",
        "intro": "You recently spoke to our customer care team. How did it go?",
        "public": False,
        "one_at_a_time": True,
        "trigger": ("support.resolved", timedelta(hours=2)),
        "questions": [
            ("csat", "How satisfied are you with the help you got?", True, []),
            ("ces", "How easy was it to get your problem solved?", True, []),
            ("text", "Anything you want to add?", False, []),
        ],
    },
    {
        "name": "Store visit",
        "purpose": "after_visit",
        "intro": "Thanks for visiting one of our stores. Tell us how it went.",
        "public": True,
        "trigger": ("store.visit", timedelta(hours=3)),
        "questions": [
            ("csat", "How satisfied are you with your visit?", True, []),
            (
                "multiple",
                "What went well?",
                False,
                ["Friendly staff", "Short queue", "Found what I wanted", "Clean store"],
            ),
            ("text", "What could we do better?", False, []),
        ],
    },
    {
        "name": "Did we make it right?",
        "purpose": "recovery_follow_up",
        "intro": "Recently something went wrong and we tried to put it right. Did we?",
        "public": False,
        "trigger": None,
        "questions": [
            ("single", "Did we make it right?", True, ["Yes", "Partly", "No"]),
            ("csat", "How satisfied are you with how we handled it?", False, []),
            ("text", "Is there anything still wrong?", False, []),
        ],
    },
]

GOOD = [
    "Arrived early and well packed, thank you.",
    "Very helpful staff, solved it in one call.",
    "Great service as always.",
    "Quick and easy.",
]
BAD = [
    "The parcel was two days late and nobody told me.",
    "Box was crushed and the mug inside broken.",
    "I was on hold for 40 minutes before anyone answered.",
    "Wrong size delivered, and the return label did not work.",
    "Charged twice for the same order, still waiting for a refund.",
    "Nice staff but the order was wrong again.",
]
# Complaints put politely, with middling scores: only the words say something went wrong, and
# triage must still open a case for each.
POLITE = [
    "Any update on my refund? It has been three weeks.",
    "Unfortunately the lid was cracked when it arrived.",
    "I'd appreciate it if someone could tell me why my order came in three separate boxes.",
    "Still no word on the replacement I was promised last week.",
    "I'm afraid the jacket is not the colour shown on the website.",
    "When will I get my money back? I returned the item a month ago.",
]
# The middle of each scale: passive, neither satisfied nor dissatisfied, neither easy nor hard.
MIDDLE = {"nps": [7, 8], "csat": [3], "ces": [4]}


def load_surveys() -> dict[str, Survey]:
    surveys = {}
    for spec in SURVEYS:
        survey = Survey.objects.filter(name=spec["name"], previous_version__isnull=True).first()
        if survey is None:
            survey = survey_create(
                name=spec["name"],
                purpose=spec["purpose"],
                intro=spec["intro"],
                public_link_enabled=spec["public"],
                one_at_a_time=spec.get("one_at_a_time", False),
                **spec.get("endings", {}),
            )
            added = []
            for kind, prompt, required, choices, *condition in spec["questions"]:
                show_if = None
                if condition:
                    source, rule = condition[0]
                    show_if = {"question": added[source].pk, **rule}
                added.append(
                    question_add(
                        survey=survey,
                        kind=kind,
                        prompt=prompt,
                        required=required,
                        choices=choices,
                        show_if=show_if,
                    )
                )
            survey_publish(survey=survey)
            if spec["trigger"]:
                event_type, delay = spec["trigger"]
                trigger_rule_save(
                    event_type=event_type, survey=survey, delay=delay, **spec.get("split", {})
                )
        surveys[spec["name"]] = survey
    if not Survey.objects.filter(name="Spring relationship check").exists():
        old = survey_create(
            name="Spring relationship check",
            purpose="relationship",
            intro="How do you feel about us?",
        )
        question_add(survey=old, kind="nps", prompt="How likely are you to recommend us?")
        survey_publish(survey=old)
        survey_close(survey=old)
    if not Survey.objects.filter(name="Click and collect (draft)").exists():
        draft = survey_create(name="Click and collect (draft)", purpose="after_visit")
        question_add(survey=draft, kind="ces", prompt="How easy was it to collect your order?")
    return surveys


def _answers(survey: Survey, rng: random.Random, mood: str) -> dict:
    answers = {}
    happy = mood == "happy"
    for question in survey.questions.all():
        if question.is_rating:
            low, high = question.scale
            top = [high, high - 1] if happy else list(range(low, low + (high - low) // 2))
            answers[question.pk] = rng.choice(MIDDLE[question.kind] if mood == "polite" else top)
        elif question.kind == "single":
            answers[question.pk] = (
                question.choices[0] if happy else rng.choice(question.choices[1:])
            )
        elif question.kind == "multiple":
            # A polite complaint ticks no praise: only its words say what went wrong.
            if mood != "polite":
                answers[question.pk] = rng.sample(question.choices, k=2 if happy else 1)
        elif mood == "polite":
            answers[question.pk] = rng.choice(POLITE)
        elif question.required or rng.random() < 0.7:
            answers[question.pk] = rng.choice(GOOD if happy else BAD)
    return answers


def _identity(identity) -> dict:
    if identity.kind == "external":
        return {"external": {identity.source: identity.normalized}}
    return {identity.kind: identity.normalized}


def load_history(customers: list[Customer], surveys: dict[str, Survey], seed: int = 7) -> int:
    """Events over the last 60 days for most customers; returns how many events exist."""
    if Event.objects.filter(external_id__startswith="demo-").exists():
        return Event.objects.count()
    rng = random.Random(seed)
    now = timezone.now()
    kinds = [
        ("order.delivered", 0.55),
        ("support.resolved", 0.25),
        ("store.visit", 0.15),
        ("order.shipped", 0.05),
    ]
    for n, customer in enumerate(customers):
        identity = customer.identities.first()
        if identity is None or customer.is_merged:
            continue
        for k in range(rng.choice([1, 1, 2])):
            event_type = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
            occurred = now - timedelta(days=rng.uniform(3, 60), hours=rng.uniform(0, 12))
            result = event_record(
                event_type=event_type,
                occurred_at=occurred,
                now=occurred,
                external_id=f"demo-{n}-{k}",
                data={
                    "order": f"A-{20000 + n * 3 + k}",
                    "store": customer.segments.get("home_store", ""),
                },
                **_identity(identity),
            )
            for invitation in result.invitations:
                invitation = invitation_send(
                    invitation_id=invitation.pk, now=invitation.scheduled_for
                )
                if invitation.status != Invitation.Status.SENT:
                    continue
                # The demo's split: subject line B is answered a little more often.
                if rng.random() > (0.62 if invitation.variant == "B" else 0.5):
                    _looked(invitation, rng)
                    continue
                mood = rng.choices(("happy", "polite", "unhappy"), weights=(60, 10, 30))[0]
                submitted = invitation.scheduled_for + timedelta(hours=rng.uniform(0.2, 30))
                response_submit(
                    survey=invitation.survey,
                    invitation=invitation,
                    answers=_answers(invitation.survey, rng, mood),
                    channel="web",
                    submitted_at=submitted,
                )
                opened = submitted - timedelta(minutes=rng.uniform(1, 5))
                Invitation.objects.filter(pk=invitation.pk).update(
                    opened_at=opened, started_at=opened + timedelta(seconds=20)
                )
    return Event.objects.count()


def _looked(invitation: Invitation, rng: random.Random) -> None:
    """What the answer page would have reported for an invitation not answered: a third
    opened it, and half of those answered a question or two before leaving."""
    if rng.random() > 0.33:
        return
    opened = invitation.scheduled_for + timedelta(hours=rng.uniform(0.2, 20))
    started = rng.random() < 0.5
    Invitation.objects.filter(pk=invitation.pk).update(
        opened_at=opened,
        started_at=opened + timedelta(seconds=30) if started else None,
        reached=rng.choice([1, 1, 2]) if started else None,
    )

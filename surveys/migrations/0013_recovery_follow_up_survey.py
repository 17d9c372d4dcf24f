"""A fresh install asks "did we make it right?" after every resolution: a live recovery
follow-up survey that managers then edit like any other. An install that already has one (live,
draft or closed) keeps what it has."""

import secrets

from django.db import migrations

NAME = "Did we make it right?"
INTRO = "Recently something went wrong and we tried to put it right. Did we?"
QUESTIONS = [
    # kind, prompt, required, choices
    ("single", "Did we make it right?", True, ["Yes", "Partly", "No"]),
    ("csat", "How satisfied are you with how we handled it?", False, []),
    ("text", "Is there anything still wrong?", False, []),
]


def seed(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Question = apps.get_model("surveys", "Question")
    if Survey.objects.filter(purpose="recovery_follow_up").exists():
        return
    survey = Survey.objects.create(
        name=NAME,
        purpose="recovery_follow_up",
        status="live",
        intro=INTRO,
        thank_you="Thank you for telling us.",
        public_token=secrets.token_urlsafe(32),
    )
    for position, (kind, prompt, required, choices) in enumerate(QUESTIONS):
        Question.objects.create(
            survey=survey,
            position=position,
            kind=kind,
            prompt=prompt,
            required=required,
            choices=choices,
        )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0012_set_aside_mail")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

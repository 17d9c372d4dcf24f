"""Seed the topic vocabulary with our defaults; staff refine it in the admin."""

from django.db import migrations

from surveys.triage.lexicon import DEFAULT_TOPICS


def seed(apps, schema_editor):
    Topic = apps.get_model("surveys", "Topic")
    for name, keywords in DEFAULT_TOPICS.items():
        Topic.objects.get_or_create(name=name, defaults={"keywords": "\n".join(keywords)})


class Migration(migrations.Migration):
    dependencies = [("surveys", "0004_complaints_topics_triage")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

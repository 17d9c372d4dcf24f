"""A parcel that arrives crushed or damaged is first a delivery problem: the delivery topic
learns the words for it (installs that seeded topics before get them added)."""

from django.db import migrations

ADDED = ["crushed", "arrived damaged", "arrived broken", "damaged in transit"]


def add_words(apps, schema_editor):
    Topic = apps.get_model("surveys", "Topic")
    for topic in Topic.objects.filter(name="delivery"):
        words = [w for w in topic.keywords.splitlines() if w.strip()]
        missing = [w for w in ADDED if w not in words]
        if missing:
            topic.keywords = "\n".join([*words, *missing])
            topic.save(update_fields=["keywords"])


class Migration(migrations.Migration):
    dependencies = [("surveys", "0013_recovery_follow_up_survey")]

    operations = [migrations.RunPython(add_words, migrations.RunPython.noop)]

"""Migrations that put a recurring django-q2 schedule in place (and take it out on reverse).

The schedules live in the database, so a fresh install and an upgrade get them from `migrate`;
each migration names its schedule once and calls `schedule_operation`.
"""

from django.db import migrations


def schedule_operation(name: str, func: str, *, minutes: int | None = 1, daily: bool = False):
    """A RunPython that creates or updates the schedule `name`: every `minutes`, or daily."""
    defaults = {"func": func, "repeats": -1}
    if daily:
        defaults["schedule_type"] = "D"
    else:
        defaults.update(schedule_type="I", minutes=minutes)  # "I": every N minutes

    def schedule(apps, schema_editor):
        apps.get_model("django_q", "Schedule").objects.update_or_create(
            name=name, defaults=defaults
        )

    def unschedule(apps, schema_editor):
        apps.get_model("django_q", "Schedule").objects.filter(name=name).delete()

    return migrations.RunPython(schedule, unschedule)

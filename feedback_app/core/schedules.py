"""Migrations that put a recurring django-q2 schedule in place (and take it out on reverse).

The schedules live in the database, so a fresh install and an upgrade get them from `migrate`;
each migration names its schedule once and calls `schedule_operation`.
"""

from datetime import datetime, timedelta

from django.db import migrations
from django.utils import timezone


def next_at(hour: int, weekday: int | None = None, now: datetime | None = None) -> datetime:
    """The next local `hour` o'clock (on `weekday`, Monday = 0, if given) after `now`."""
    local = timezone.localtime(now or timezone.now())
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    while moment <= local or (weekday is not None and moment.weekday() != weekday):
        moment += timedelta(days=1)
    return moment


def schedule_operation(
    name: str,
    func: str,
    *,
    minutes: int | None = 1,
    daily: bool = False,
    weekly: bool = False,
    at: tuple[int, int | None] | None = None,
):
    """A RunPython that creates or updates the schedule `name`: every `minutes`, daily or weekly;
    `at` = (local hour, weekday or None) sets its first run, worked out when migrating."""
    defaults = {"func": func, "repeats": -1}
    if daily or weekly:
        defaults["schedule_type"] = "W" if weekly else "D"
    else:
        defaults.update(schedule_type="I", minutes=minutes)  # "I": every N minutes

    def schedule(apps, schema_editor):
        if at is not None:
            defaults["next_run"] = next_at(*at)
        apps.get_model("django_q", "Schedule").objects.update_or_create(
            name=name, defaults=defaults
        )

    def unschedule(apps, schema_editor):
        apps.get_model("django_q", "Schedule").objects.filter(name=name).delete()

    return migrations.RunPython(schedule, unschedule)

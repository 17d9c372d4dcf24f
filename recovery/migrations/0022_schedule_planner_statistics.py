"""Refresh the query planner's statistics now, so the queue's new index is used at once on an
upgraded SQLite database, and daily from now on (feedback_app.core.maintenance)."""

from django.db import migrations

from feedback_app.core.schedules import schedule_operation


def refresh_now(apps, schema_editor):
    from feedback_app.core.maintenance import planner_statistics_refresh

    planner_statistics_refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0021_ticket_next_due_index"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(refresh_now, migrations.RunPython.noop),
        schedule_operation(
            "database: refresh the query planner's statistics",
            "feedback_app.core.maintenance.planner_statistics_refresh",
            daily=True,
            at=(3, None),
        ),
    ]

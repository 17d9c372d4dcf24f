"""Schedule the recovery sweep (follow-ups sent, SLA breaches) every minute."""

from django.db import migrations

from feedback_app.core.schedules import schedule_operation


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0003_seed_workflow_settings"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        schedule_operation(
            "recovery: follow-ups and SLA breaches",
            "recovery.tasks.sweep",
        )
    ]

"""Schedule the managers' alerts (daily, 06:00 local) and weekly digest (Mondays, 07:00)."""

from django.db import migrations

from feedback_app.core.schedules import schedule_operation


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0018_standards_and_alerts"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        schedule_operation(
            "recovery: alerts on rising detractors and topics",
            "recovery.tasks.alerts",
            daily=True,
            at=(6, None),
        ),
        schedule_operation(
            "recovery: the managers' weekly digest",
            "recovery.tasks.digest",
            weekly=True,
            at=(7, 0),
        ),
    ]

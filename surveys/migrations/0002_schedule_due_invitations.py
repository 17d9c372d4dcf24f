"""Schedule the sweep that sends invitations when their delay has passed (every minute)."""

from django.db import migrations

from feedback_app.core.schedules import schedule_operation


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        schedule_operation(
            "surveys: send due invitations and reminders",
            "surveys.tasks.send_due_invitations",
        )
    ]

"""Schedule the every-minute sweep that retries webhook deliveries when they are due."""

from django.db import migrations

from feedback_app.core.schedules import schedule_operation


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_deliveries"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        schedule_operation(
            "webhooks: retry deliveries that are due",
            "feedback_app.webhooks.tasks.retry_deliveries",
        )
    ]

"""Schedule the daily retention run (it does nothing while PERSONAL_DATA_RETENTION_MONTHS is 0)."""

from django.db import migrations

from feedback_app.core.schedules import schedule_operation


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_erasure"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        schedule_operation(
            "customers: erase personal data past retention",
            "feedback_app.customers.tasks.erase_inactive_customers",
            daily=True,
        )
    ]

"""Read the IMAP mailbox every minute (a no-op while IMAP_HOST is unset)."""

from django.db import migrations

from feedback_app.core.schedules import schedule_operation


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0015_complaint_case_number"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        schedule_operation("surveys: read the IMAP mailbox", "surveys.tasks.poll_mailbox"),
    ]

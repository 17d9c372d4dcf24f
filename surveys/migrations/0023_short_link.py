"""Invitations get a short link's code for text messages. Added empty for the invitations that
exist (one default for all of them would break the unique index), then given a default so every
new invitation has its own."""

from django.db import migrations, models

import surveys.models.base


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0022_trigger_rule_send_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="short_code",
            field=models.CharField(
                blank=True, editable=False, max_length=12, null=True, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="short_code",
            field=models.CharField(
                blank=True,
                default=surveys.models.base.new_short_code,
                editable=False,
                max_length=12,
                null=True,
                unique=True,
            ),
        ),
    ]

"""Read e-mails from a maildir or mbox: manage.py fetch_complaints PATH

A customer's answer to one of our messages about their case joins that case's conversation;
any other e-mail is a complaint. Each message is stored once, however often the command runs
(its Message-ID is remembered).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.services.mail_intake import intake_mailbox


class Command(BaseCommand):
    help = "Read complaints from a maildir folder or an mbox file."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", type=Path, help="A maildir (with cur/ and new/) or an mbox file."
        )

    def handle(self, *args, path, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        result = intake_mailbox(path)
        for line in result.skipped:
            self.stdout.write(f"  skipped {line}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.stored} new complaints, {result.duplicates} already stored, "
                f"{len(result.skipped)} skipped. {result.replies} replies joined their cases; "
                f"{result.bounces} delivery reports read."
            )
        )

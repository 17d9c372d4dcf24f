"""Triage again every response and complaint received in a date range, showing progress.

    manage.py retriage --since 2026-11-01 [--until 2026-11-24]

Safe to run at any time: triage is idempotent, and a ticket is never opened twice for an item.
It ends by saying how many verdicts changed: what a new vocabulary or engine would have caught.
"""

from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from surveys.services.triage import retriage


def _day(value: str, name: str):
    day = parse_date(value or "")
    if day is None:
        raise CommandError(f"--{name} must be a date like 2026-11-01.")
    return timezone.make_aware(datetime.combine(day, time.min))


class Command(BaseCommand):
    help = "Triage again what was received in a date range (the until day is included)."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True)
        parser.add_argument("--until", help="Last day to include (default: today).")

    def handle(self, *args, since, until, **options):
        start = _day(since, "since")
        end = (
            _day(until, "until")
            if until
            else timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        ) + timedelta(days=1)
        if end <= start:
            raise CommandError("--until is before --since.")

        def progress(done, total):
            self.stdout.write(f"  {done:,}/{total:,} triaged")

        report = retriage(start, end, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Triaged {report.items:,} items: {report.changed:,} verdicts changed"
                f" ({report.now_failures:,} now need recovery, {report.no_longer_failures:,}"
                f" no longer do; their tickets stay as they are), {report.first_time:,}"
                " triaged for the first time."
            )
        )

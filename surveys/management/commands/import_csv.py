"""Import a CSV file of survey responses or events, showing progress and every rejected row.

manage.py import_csv responses answers.csv --survey 3
manage.py import_csv events deliveries.csv
"""

import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.models import ImportJob, Survey
from surveys.services.imports import count_data_lines, import_run, response_template_header

SHOWN_REJECTIONS = 50


class Command(BaseCommand):
    help = "Import survey responses or events from a CSV file (UTF-8, header line first)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportJob.Kind.values)
        parser.add_argument("path", type=Path)
        parser.add_argument("--survey", type=int, help="For responses: the survey's number.")

    def handle(self, *args, kind, path, survey, **options):
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        target = None
        if kind == ImportJob.Kind.RESPONSES:
            target = (
                Survey.objects.filter(pk=survey, status=Survey.Status.LIVE).first()
                if survey
                else None
            )
            if target is None:
                raise CommandError("Give --survey with the number of a live survey.")
            self.stdout.write("Columns: " + ",".join(response_template_header(target)))
        with path.open("rb") as raw:
            total = count_data_lines(raw)
        job = ImportJob.objects.create(
            kind=kind, survey=target, filename=path.name, total_rows=total
        )

        def progress(job):
            self.stdout.write(
                f"  {job.processed_rows:,}/{total:,} rows: {job.accepted_rows:,} imported, "
                f"{job.duplicate_rows:,} already there, {job.rejected_rows:,} rejected"
            )

        with path.open("rb") as raw:
            job = import_run(
                job=job,
                stream=io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""),
                progress=progress,
            )
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(f"Import failed: {job.error}")
        for rejection in job.rejections.all()[:SHOWN_REJECTIONS]:
            self.stdout.write(f"  line {rejection.row}: {rejection.reason}")
        if job.rejected_rows > SHOWN_REJECTIONS:
            self.stdout.write(
                f"  ... and {job.rejected_rows - SHOWN_REJECTIONS:,} more (see the import page)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Import #{job.pk} done: {job.accepted_rows:,} imported, "
                f"{job.duplicate_rows:,} already there, "
                f"{job.rejected_rows:,} rejected of {job.processed_rows:,} rows."
            )
        )

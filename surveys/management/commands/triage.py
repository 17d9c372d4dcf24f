"""Triage JSON lines from standard input with the live pipeline's engine; nothing is stored.
The filter and its line format: `surveys.triage.cli`. `manage.py triage` without options runs
it before Django sets up its apps (see manage.py); this command is the same filter inside a
set-up Django (call_command, --settings and the other common options)."""

import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from surveys.triage.cli import triage_lines
from surveys.triage.engine import default_vocabulary


class Command(BaseCommand):
    help = "Triage JSON lines from stdin to stdout (no database writes)."
    # The system checks import every URL configuration and view (about 0.6 s) and check nothing
    # this command touches.
    requires_system_checks = []

    def handle(self, *args, **options):
        from surveys.services.triage import vocabulary

        try:
            words = vocabulary()
        except DatabaseError:  # no database yet: the built-in topics
            words = default_vocabulary()
        triage_lines(sys.stdin, sys.stdout, words)

#!/usr/bin/env python
"""Django's command-line utility, with start-up failures reported as one clear line."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_app.settings")
    try:
        if sys.argv[1:] == ["triage"]:
            # A filter in a pipe: straight to it, without setting up every app (surveys.triage.cli).
            from surveys.triage.cli import run_light

            run_light()
            return
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except Exception as exc:
        # Imported only here: the filter above starts without Django's database layer.
        from django.core.exceptions import ImproperlyConfigured
        from django.db.utils import OperationalError

        if isinstance(exc, ImproperlyConfigured):
            sys.stderr.write(f"Configuration error: {exc}\n")
            sys.exit(2)
        said = str(exc).lower()
        if isinstance(exc, OperationalError) and ("connect" in said or "unable to open" in said):
            sys.stderr.write(f"Cannot reach the database named by DATABASE_URL: {exc}\n")
            sys.exit(2)
        raise


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Django's command-line utility, with start-up failures reported as one clear line."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_app.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.db.utils import OperationalError

    try:
        if sys.argv[1:] == ["triage"]:
            # A filter in a pipe: straight to it, without setting up every app (surveys.triage.cli).
            from surveys.triage.cli import run_light

            run_light()
            return
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)
    except OperationalError as exc:
        if "connect" not in str(exc).lower() and "unable to open" not in str(exc).lower():
            raise
        sys.stderr.write(f"Cannot reach the database named by DATABASE_URL: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()

"""Set up the peer of the load benchmark: django-helpdesk 2.6.1 in its own virtual environment
(benchmarks/.cache/peer-venv, from PyPI), a fresh SQLite database, an admin with an API token
and one public queue. Prints the token. Run by `benchmarks/load.py --peer`; safe to run again.

    python benchmarks/peer_setup.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
VENV = CACHE / "peer-venv"
PEER = "django-helpdesk==2.6.1"

SEED = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from helpdesk.models import Queue
admin, _ = get_user_model().objects.get_or_create(
    username="peer-admin", defaults={"is_staff": True, "is_superuser": True}
)
Queue.objects.get_or_create(
    slug="support",
    defaults={"title": "Support", "allow_public_submission": True, "email_address": "s@x.test"},
)
print(Token.objects.get_or_create(user=admin)[0].key)
"""


def python() -> str:
    return str(VENV / "bin" / "python")


def environment(database: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "peer.settings",
        "PYTHONPATH": str(HERE),
        "PEER_DATABASE": str(database),
    }


def setup(database: Path) -> str:
    """Install the peer if needed, migrate a fresh database, and return the admin's token."""
    CACHE.mkdir(exist_ok=True)
    if not (VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603 - pip with fixed arguments
        [python(), "-m", "pip", "install", "-q", PEER, "gunicorn"], check=True
    )
    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()
    env = environment(database)
    django_admin = [python(), "-m", "django"]
    subprocess.run([*django_admin, "migrate", "-v", "0"], check=True, env=env)  # noqa: S603
    done = subprocess.run(  # noqa: S603 - our own seed
        [*django_admin, "shell", "-c", SEED], check=True, env=env, capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1]


if __name__ == "__main__":
    print(setup(CACHE / "peer.sqlite3"))

"""Reading the environment for the settings: each reader returns the default for an unset or
empty variable, and stops start-up with one ImproperlyConfigured line naming a variable whose
value cannot be read."""

import importlib.util
import os
from datetime import time
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value; use 1/0, true/false or on/off."
    )


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_hours(name: str, default: str) -> tuple[time, time] | None:
    """A span of the clock such as "21:00-08:00" (it may cross midnight); "off": None."""
    raw = env_str(name, default)
    if raw.lower() == "off":
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in raw.split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} must look like 21:00-08:00, or be off."
        ) from None
    if start == end:
        raise ImproperlyConfigured(f"{name}={raw!r} starts and ends at the same time.")
    return start, end


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_str(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def attachments_storage(folder: Path) -> dict:
    """Where customers' files are kept (STORAGES["attachments"]): `folder` by default, or the
    S3-compatible bucket ATTACHMENTS_S3_BUCKET (ATTACHMENTS_S3_ENDPOINT_URL for one that is not
    AWS, ATTACHMENTS_S3_REGION, and the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY),
    private, read through signed links only."""
    bucket = env_str("ATTACHMENTS_S3_BUCKET")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder},
        }
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured(
            "ATTACHMENTS_S3_BUCKET is set but django-storages is not installed: "
            "install the project with its s3 extra (scripts/install s3)."
        )
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env_str("ATTACHMENTS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("ATTACHMENTS_S3_REGION") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }


SUPPORTED_DATABASE_ENGINES = {
    "django.db.backends.sqlite3": "SQLite",
    "django.db.backends.postgresql": "PostgreSQL",
}


def database_from_env(data_dir: Path) -> dict:
    """DATABASES['default'] from DATABASE_URL (an SQLite file in `data_dir` when unset)."""
    url = env_str("DATABASE_URL") or f"sqlite:///{data_dir / 'feedback.sqlite3'}"
    try:
        # Connections are kept between requests (opening one costs more than most queries;
        # closing the last one of an SQLite file checkpoints its write-ahead log).
        config = dj_database_url.parse(
            url,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    except Exception as exc:  # dj-database-url raises several kinds; all mean the same to a user
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL we can use ({exc}). Examples: "
            "sqlite:////srv/feedback/db.sqlite3 or postgres://user:password@host:5432/feedback"
        ) from None
    engine = config.get("ENGINE", "")
    if engine not in SUPPORTED_DATABASE_ENGINES:
        raise ImproperlyConfigured(
            f"DATABASE_URL uses {engine or 'an unknown engine'}; "
            f"supported: {', '.join(SUPPORTED_DATABASE_ENGINES.values())}."
        )
    if engine.endswith("sqlite3"):
        name = config.get("NAME") or ""
        if name and name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets the web process read while the task cluster writes; IMMEDIATE takes the
        # write lock at the start of a transaction so writers queue instead of deadlocking.
        # SQLite's own page cache is 2 MiB a connection by default: a dashboard over a year of
        # a large database then re-reads pages through system calls. A bigger cache (filled only
        # as used) and reads through a memory map of the file keep them in memory.
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA cache_size=-{env_int('SQLITE_CACHE_MIB', 64) * 1024}; "
                f"PRAGMA mmap_size={env_int('SQLITE_MMAP_MIB', 1024) * 1024 * 1024};"
            ),
        }
    else:
        if not config.get("NAME"):
            raise ImproperlyConfigured(
                "DATABASE_URL names no database (the part after the last /)."
            )
        try:  # only here: psycopg is an optional dependency, needed only for PostgreSQL
            import psycopg  # noqa: F401
        except ImportError:
            raise ImproperlyConfigured(
                "DATABASE_URL points at PostgreSQL but psycopg is not installed: "
                "pip install -e '.[postgres]'."
            ) from None
    return config

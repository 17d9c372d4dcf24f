"""Reading the environment for the settings: each reader returns the default for an unset or
empty variable, and stops start-up with one ImproperlyConfigured line naming a variable whose
value cannot be read."""

import importlib.util
import os
from pathlib import Path

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

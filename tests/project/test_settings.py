"""Start-up refuses settings that cannot work, with one clear line instead of a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        # What the test settings put in the environment is not what production has (and the
        # browser tests allow Django's sync calls from async code, which production must not).
        if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not k.startswith("SECURE_")
    }
    clean.update(env)
    return subprocess.run(  # noqa: S603 - our own manage.py with our own arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_stops_with_one_message(tmp_path):
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="example.com", DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url,expected",
    [
        ("nonsense", "DATABASE_URL is not a database URL we can use"),
        ("mysql://u:p@localhost/feedback", "supported: SQLite, PostgreSQL"),
    ],
)
def test_wrong_database_url_stops_with_one_message(tmp_path, url, expected):
    result = manage("check", DEBUG="1", DATA_DIR=str(tmp_path), DATABASE_URL=url)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_stops_with_one_message(tmp_path):
    pytest.importorskip("psycopg")
    result = manage(
        "migrate",
        DEBUG="1",
        DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://u:p@127.0.0.1:1/feedback",
    )
    assert result.returncode == 2, result.stderr
    assert "Cannot reach the database named by DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    assert manage("check", DEBUG="1", DATA_DIR=str(tmp_path)).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert manage("check", DEBUG="1", DATA_DIR=str(tmp_path)).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key


def test_yes_no_variables_must_be_yes_or_no(tmp_path):
    result = manage("check", DEBUG="perhaps", DATA_DIR=str(tmp_path))
    assert result.returncode == 2 and "DEBUG='perhaps' is not a yes/no value" in result.stderr


def test_redis_url_switches_broker_and_cache(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.Q_CLUSTER.get('redis'), 'orm' in s.Q_CLUSTER, s.CACHES['default']['BACKEND'])"
    )
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        code,
        DEBUG="1",
        DATA_DIR=str(tmp_path),
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert result.stdout.split() == [
        "redis://127.0.0.1:6379/3",
        "False",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_deployment_check_reports_nothing_with_production_settings(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        DEBUG="0",
        SECRET_KEY="a-production-secret-" + "x" * 50,
        ALLOWED_HOSTS="care.example.com",
        DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_attachments_go_to_a_private_s3_bucket_when_one_is_named(monkeypatch, tmp_path):
    from storages.backends.s3 import S3Storage

    from feedback_app.environment import attachments_storage

    assert attachments_storage(tmp_path)["OPTIONS"] == {"location": tmp_path}
    monkeypatch.setenv("ATTACHMENTS_S3_BUCKET", "feedback-files")
    monkeypatch.setenv("ATTACHMENTS_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    config = attachments_storage(tmp_path)
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    storage = S3Storage(**config["OPTIONS"])
    assert storage.bucket_name == "feedback-files" and storage.default_acl == "private"
    assert storage.querystring_auth and not storage.file_overwrite

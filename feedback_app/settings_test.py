"""Settings for the test suite: the production module with its environment filled in for tests.

Tasks run synchronously in the calling process, mail stays in memory unless a test points it at
a real SMTP server, and passwords hash fast.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# Tests run at any hour: quiet hours are switched on by the tests about them, with their own clock.
os.environ.setdefault("QUIET_HOURS", "off")
# Texts are kept in memory (feedback_app.customers.sms.MemoryGateway.outbox).
os.environ.setdefault("SMS_BACKEND", "memory")
# Webhook receivers in the tests listen on loopback, over plain http.
os.environ.setdefault("WEBHOOKS_ALLOW_LOCAL", "1")

from feedback_app.settings import *  # noqa: F403
from feedback_app.settings import Q_CLUSTER

Q_CLUSTER = {**Q_CLUSTER, "sync": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_HSTS_SECONDS = 0

# A file, not SQLite's shared in-memory database: in memory, two connections that both write get
# "table is locked" at once instead of waiting, and the concurrency tests need them to wait.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-feedback.sqlite3")}  # noqa: F405

# The test client's login() calls authenticate() without a request, which django-axes refuses;
# the lockout itself is tested with axes' backend switched back on (tests/staff/test_lockout.py).
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]

# Customers' files go to a folder of this run, not the install's var/attachments.
import tempfile  # noqa: E402

STORAGES = {
    **STORAGES,  # noqa: F405
    "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tempfile.mkdtemp(prefix="feedback-attachments-")},
    },
}

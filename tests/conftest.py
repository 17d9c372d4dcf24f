"""Fixtures shared by the whole suite."""

import pytest

from tests.factories import PASSWORD, staff_user


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits count in the cache, each process keeps surveys' questions, and the test text
    gateway keeps what it sent; each test starts with none of them, and in English (a request
    leaves the language it spoke active on its thread)."""
    from django.core.cache import cache
    from django.utils import translation

    from feedback_app.core.api.throttling import write_counts_forget
    from feedback_app.customers.sms import MemoryGateway
    from surveys.selectors import survey_questions_forget

    cache.clear()
    write_counts_forget()
    survey_questions_forget()
    MemoryGateway.outbox.clear()
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def still_rate_window(monkeypatch):
    """Rate limits count in fixed windows of the wall clock; a window that ended in the middle of
    a test would reset its count. Each test sees one moment of the limits' clocks."""
    import time
    from types import SimpleNamespace

    import django_ratelimit.core

    from feedback_app.core.api import throttling

    moment = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: moment))
    monkeypatch.setattr(throttling, "clock", lambda: moment)


@pytest.fixture
def agent(db):
    return staff_user("agent", username="agent", first_name="Alex")


@pytest.fixture
def manager(db):
    return staff_user("manager", username="manager", first_name="Morgan")


@pytest.fixture
def agent_client(client, agent):
    client.login(username=agent.username, password=PASSWORD)
    return client


@pytest.fixture
def manager_client(client, manager):
    client.login(username=manager.username, password=PASSWORD)
    return client


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


class _Inbox:
    """What a real SMTP server on loopback received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        from email import message_from_bytes
        from email.policy import default

        parsed = message_from_bytes(envelope.content, policy=default)
        self.messages.append(
            {"to": envelope.rcpt_tos, "from": envelope.mail_from, "message": parsed}
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; Django's SMTP backend is pointed at it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def no_worker(monkeypatch):
    """Tasks go to the real broker (the ORM's, or Redis when REDIS_URL is set) instead of running
    in the test: nobody is working them. Yields the broker."""
    from django_q.brokers import get_broker
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


@pytest.fixture
def take_queued(no_worker):
    """A function that takes every task waiting in the broker off it and returns them, each as
    django-q2 packs it (a dict with "func", "args"...)."""
    from django_q.signing import SignedPackage

    def take() -> list[dict]:
        tasks = []
        while no_worker.queue_size():
            for task_id, payload in no_worker.dequeue() or []:
                tasks.append(SignedPackage.loads(payload))
                no_worker.acknowledge(task_id)
        return tasks

    return take


@pytest.fixture
def imap_server(settings):
    """A real IMAP server: Debian's Dovecot, started on a free loopback port with its own
    configuration, one user and an empty inbox; the app's IMAP settings point at it. Yields an
    imaplib connection factory for the test to put messages in and look at flags."""
    import imaplib
    import os
    import pwd
    import shutil
    import socket
    import subprocess

    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(dovecot):
        pytest.fail("Dovecot is not installed: scripts/run-tests installs dovecot-imapd")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    import tempfile
    from pathlib import Path

    # Its own folder under /tmp that Dovecot's unprivileged processes can enter (pytest's
    # tmp_path sits in a folder only its owner may).
    root = Path(tempfile.mkdtemp(prefix="feedback-imap-"))
    for folder in ("run", "state", "home"):
        (root / folder).mkdir(parents=True)
    if os.geteuid() == 0:  # mail is never handled as root: the home belongs to "nobody"
        mail_user = pwd.getpwnam("nobody")
        internal = "dovecot"
        login = "dovenull"
        os.chown(root / "home", mail_user.pw_uid, mail_user.pw_gid)
        root.chmod(0o755)
    else:
        mail_user = pwd.getpwuid(os.getuid())
        internal = login = mail_user.pw_name
    (root / "users").write_text("care:{PLAIN}imap-secret::::::\n")
    config = root / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""
    )
    # Dovecot goes to the background and keeps its output: to a file, not a pipe we wait on.
    with open(root / "start.log", "wb") as log:
        started = subprocess.run(  # noqa: S603 - Debian's dovecot with our own configuration
            [dovecot, "-c", str(config)], stdout=log, stderr=subprocess.STDOUT, check=False
        )
    if started.returncode:
        pytest.fail(f"Dovecot did not start: {(root / 'start.log').read_text()}")

    def connect():
        for _ in range(50):
            try:
                imap = imaplib.IMAP4("127.0.0.1", port, timeout=10)
            except OSError:
                import time

                time.sleep(0.1)
                continue
            imap.login("care", "imap-secret")
            imap.select("INBOX")
            return imap
        raise RuntimeError((root / "dovecot.log").read_text())

    connect().logout()
    settings.IMAP_HOST, settings.IMAP_PORT = "127.0.0.1", port
    settings.IMAP_SSL, settings.IMAP_STARTTLS = False, False
    settings.IMAP_USER, settings.IMAP_PASSWORD, settings.IMAP_FOLDER = (
        "care",
        "imap-secret",
        "INBOX",
    )
    try:
        yield connect
    finally:
        subprocess.run(  # noqa: S603 - Debian's dovecot with our own configuration
            [dovecot, "-c", str(config), "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)

"""Fixtures shared by the whole suite."""

import pytest

from tests.factories import PASSWORD, staff_user


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits count in the cache; each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def still_rate_window(monkeypatch):
    """Rate limits count in fixed windows of the wall clock; a window that ended in the middle of
    a test would reset its count. Each test sees one moment of django-ratelimit's clock."""
    import time
    from types import SimpleNamespace

    import django_ratelimit.core

    moment = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: moment))


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

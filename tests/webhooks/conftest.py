"""Webhook receivers on loopback (tests.loopback.Receiver) and an endpoint at one."""

import pytest

from tests.loopback import Receiver


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def second_receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def hook(db, receiver):
    """An endpoint at the receiver, subscribed to every event, in the JSON format."""
    from feedback_app.webhooks.models import SUBSCRIBABLE
    from feedback_app.webhooks.services import webhook_save

    return webhook_save(
        actor=None,
        name="CRM",
        url=receiver.url,
        events=[value for value, _label in SUBSCRIBABLE],
    )

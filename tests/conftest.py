"""Fixtures shared by the whole suite."""

import pytest

from tests.factories import PASSWORD, staff_user


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

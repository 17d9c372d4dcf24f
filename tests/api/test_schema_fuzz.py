"""Schemathesis throws generated requests at every operation of our OpenAPI schema: whatever it
sends, the API answers with a clear client error or success, never a server error."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from feedback_app.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Call the WSGI app in-process as Django's test client does: without closing the database
    connection at the start and end of each request (it holds the test's transaction)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def manager_token(db):
    from rest_framework.authtoken.models import Token

    from tests.factories import staff_user

    return Token.objects.create(user=staff_user("manager")).key


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case, manager_token):
    response = case.call(headers={"Authorization": f"Token {manager_token}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    )

"""Schemathesis throws generated requests at every operation of our OpenAPI schema, as each role
(manager, agent, integration), with every check on: no server error, every status and body as
documented (errors included), content types, headers, schema-valid requests accepted and
schema-violating ones refused. A new endpoint whose answers do not match its schema fails here.

Strings are generated without NUL characters: the API refuses them in any text (PostgreSQL
cannot store them), which the schema's string type cannot say.

KNOWN lists the operations where a check cannot hold yet, each with why; everything else runs
every check. Shrink it, never grow it without a reason a reader accepts.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from feedback_app.wsgi import application

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    application,
    config=SchemathesisConfig.from_dict({"generation": {"allow-x00": False, "codec": "utf-8"}}),
)

# The API token of the role under test. Given through an auth provider, so Schemathesis knows the
# request's credentials are real and its authentication checks probe what happens without them
# or with wrong ones.
CURRENT: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class TokenOfTheRoleUnderTest:
    def get(self, case, context):
        return CURRENT.get("token", "")  # empty while tests are collected

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}
        case.cookies = {}  # no generated session cookie beside it


# A body that names another record by id (a survey, an improvement) is schema-valid for any
# integer; an id that does not exist is a 400 naming the field. Generated ids exist only when the
# stateful phase follows links between operations, which the schema does not declare yet.
REFERENCES = "refers to other records by id: an unknown id is a 400 naming the field"
# The customer in a body needs at least one usable identity (e-mail, phone or external id):
# a rule across fields that the schema does not express yet.
IDENTITY = "needs one usable identity of the customer: a rule across fields"
STATEFUL_RUNS = 40  # scenarios of up to 6 linked calls each
# A webhook's address must reach a public host over https (checked against what the name
# resolves to): no schema says that.
PUBLIC_ADDRESS = "the address must be https to a public host: checked when it is resolved"
KNOWN = {
    "POST /api/v1/complaints/": {positive_data_acceptance: IDENTITY},
    "POST /api/v1/webhooks/": {positive_data_acceptance: PUBLIC_ADDRESS},
    "PATCH /api/v1/webhooks/{id}/": {positive_data_acceptance: PUBLIC_ADDRESS},
    "POST /api/v1/customers/": {positive_data_acceptance: IDENTITY},
    "POST /api/v1/events/": {positive_data_acceptance: IDENTITY},
    "POST /api/v1/tickets/": {positive_data_acceptance: IDENTITY},
    "POST /api/v1/responses/": {positive_data_acceptance: f"{REFERENCES}; {IDENTITY}"},
    "POST /api/v1/questions/": {positive_data_acceptance: REFERENCES},
    "PUT /api/v1/questions/{id}/": {positive_data_acceptance: REFERENCES},
    "PATCH /api/v1/questions/{id}/": {positive_data_acceptance: REFERENCES},
    "POST /api/v1/trigger-rules/": {positive_data_acceptance: REFERENCES},
    "PUT /api/v1/trigger-rules/{id}/": {positive_data_acceptance: REFERENCES},
    "PATCH /api/v1/trigger-rules/{id}/": {positive_data_acceptance: REFERENCES},
    "POST /api/v1/tickets/{id}/reassure/": {positive_data_acceptance: REFERENCES},
    "POST /api/v1/tickets/{id}/assign/": {positive_data_acceptance: REFERENCES},
    "POST /api/v1/improvements/{id}/link/": {positive_data_acceptance: REFERENCES},
    "POST /api/v1/customers/{id}/merge/": {positive_data_acceptance: REFERENCES},
    "GET /api/v1/reports/{name}/": {
        positive_data_acceptance: "a team id that does not exist, or an end before the start"
    },
    "POST /api/v1/tickets/{id}/approve-restitution/": {positive_data_acceptance: REFERENCES},
    "POST /api/v1/tickets/{id}/withdraw-restitution/": {positive_data_acceptance: REFERENCES},
    "POST /api/v1/tickets/{id}/offer-restitution/": {
        positive_data_acceptance: "an amount needs its currency: a rule across fields"
    },
    "POST /api/v1/tickets/{id}/close/": {
        positive_data_acceptance: "a reason is needed only to close a ticket not yet resolved: "
        "a rule on the ticket's state that the schema cannot express"
    },
    "PATCH /api/v1/improvements/{id}/": {
        positive_data_acceptance: f"{REFERENCES} (the owner, by username)",
        negative_data_rejection: 'an empty owner ("") is read as no owner',
    },
    "POST /api/v1/improvements/": {
        positive_data_acceptance: f"{REFERENCES} (the owner, by username)",
        negative_data_rejection: 'an empty owner ("") is read as no owner',
    },
}


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


@pytest.fixture(params=["manager", "agent", "integration"])
def token(request, db):
    from rest_framework.authtoken.models import Token

    from tests.factories import staff_user

    return Token.objects.create(user=staff_user(request.param)).key


def test_known_exceptions_name_real_operations():
    operations = {
        f"{op.method.upper()} {op.path}"
        for op in (result.ok() for result in schema.get_all_operations())
    }
    assert set(KNOWN) <= operations, set(KNOWN) - operations


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_answer_matches_the_schema(case, token):
    CURRENT["token"] = token
    known = KNOWN.get(f"{case.method.upper()} {case.path}", {})
    case.call_and_validate(excluded_checks=list(known))


def test_links_between_operations_hold_as_a_workflow(db):
    """The stateful phase: create records, then follow the schema's links (a created ticket's id
    into its steps, a created survey's into publishing it) with every check on, as a manager."""
    from hypothesis.stateful import run_state_machine_as_test
    from rest_framework.authtoken.models import Token

    from tests.factories import staff_user

    CURRENT["token"] = Token.objects.create(user=staff_user("manager")).key
    workflow = schema.as_state_machine()

    class AsManager(workflow):
        # Each scenario starts from the same database and cache, so Hypothesis replaying one
        # (to report or shrink it) sees the same answers: without this a replayed create met
        # its own earlier row (200, not 201) or a spent rate limit, the links it could follow
        # differed, and Hypothesis stopped with "inconsistent data generation" instead.
        def setup(self):
            from django.core.cache import cache
            from django.db import transaction

            cache.clear()
            self.savepoint = transaction.savepoint()

        def teardown(self):
            from django.core.cache import cache
            from django.db import transaction

            transaction.savepoint_rollback(self.savepoint)
            cache.clear()

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            known = KNOWN.get(f"{case.method.upper()} {case.path}", {})
            case.validate_response(
                response, additional_checks=additional_checks, excluded_checks=list(known)
            )

    run_state_machine_as_test(
        AsManager,
        settings=settings(
            max_examples=STATEFUL_RUNS,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        ),
    )

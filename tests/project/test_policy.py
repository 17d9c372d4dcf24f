"""The access policy, proved against what the project serves.

Every route of the URL conf and every operation of the OpenAPI schema must have a row in
`feedback_app.core.policy`; then each row is tried for every role with a real request, so the
table cannot say one thing while the code does another. The README's table is printed from the
same rows and must match.
"""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from feedback_app.core import policy
from feedback_app.staff.policy_table import api_routes, markdown, operations, pages
from feedback_app.webhooks.services import webhook_save
from recovery.models import CannedMessage, ExperienceStandard
from recovery.services.improvements import improvement_save
from surveys.models import ImportJob
from surveys.services.complaints import complaint_submit
from surveys.services.invitations import invitation_create
from surveys.services.responses import response_submit
from tests.factories import (
    PASSWORD,
    CustomerWithEmailFactory,
    TriggerRuleFactory,
    delivery_survey,
    open_ticket,
    staff_user,
    step_url,
)

ROOT = Path(__file__).resolve().parents[2]
PAGES = pages()
OPERATIONS = operations()


def test_every_page_has_a_rule():
    missing = [page.route for page in PAGES if page.rule is None]
    assert not missing, f"pages with no row in feedback_app/core/policy.py PAGES: {missing}"


def test_every_api_operation_has_a_rule_and_every_rule_an_operation():
    missing = [f"{op.method} {op.path} ({op.key})" for op in OPERATIONS if op.allowed is None]
    assert not missing, f"operations with no row in feedback_app/core/policy.py API: {missing}"
    served = {op.key for op in OPERATIONS} | {"api-root.get"}
    assert set(policy.API) - served == set(), "rows for operations the API does not serve"


def test_every_api_route_is_in_the_schema():
    documented = {re.sub(r"\{[^}]+\}", "", op.path.lstrip("/")) for op in OPERATIONS}
    for route in api_routes():
        bare = re.sub(r"<[^>]+>|\(\?P<[^>]+>[^)]*\)|[\^$]|\\\.\(\?P<format>[^)]*\)/?", "", route)
        if "format" in route or bare == "api/v1/":
            continue  # DRF's format-suffix twins and the browsable root
        assert bare in documented, f"{route} is served but not in the OpenAPI schema"


def test_every_page_is_behind_the_policy_middleware(settings):
    assert "feedback_app.middleware.AccessPolicyMiddleware" in settings.MIDDLEWARE
    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == [
        "feedback_app.core.api.permissions.PolicyPermission"
    ]


def test_the_readme_shows_the_policy_as_it_is():
    readme = (ROOT / "README.md").read_text()
    assert markdown() in readme, "README's role table is stale: paste `manage.py access_policy`"


def test_the_command_prints_the_table(capsys):
    call_command("access_policy")
    assert capsys.readouterr().out == markdown()


# --- Each row, tried for every role ---------------------------------------------------------------


@pytest.fixture
def world(db):
    """One of everything a page or operation can be about."""
    manager = staff_user("manager")
    ticket = open_ticket()
    survey = delivery_survey()
    question = survey.questions.order_by("position").first()
    complaint = complaint_submit(
        text="The parcel came broken.", channel="web", email="bo@example.com"
    ).complaint
    response = response_submit(
        survey=survey, answers={question.pk: 9}, channel="api", customer=ticket.customer
    ).response
    invitation = invitation_create(survey=survey, customer=CustomerWithEmailFactory())
    improvement = improvement_save(actor=manager, title="Sturdier boxes")
    job = ImportJob.objects.create(kind="events", filename="orders.csv")
    rule = TriggerRuleFactory(survey=survey)
    webhook = webhook_save(
        actor=manager, name="CRM", url="https://crm.example.com/hooks", events=["ticket.opened"]
    )
    return {
        "customer": ticket.customer,
        "ticket": ticket,
        "survey": survey,
        "question": question,
        "complaint": complaint,
        "response": response,
        "invitation": invitation,
        "improvement": improvement,
        "job": job,
        "rule": rule,
        "standard": ExperienceStandard.objects.first(),  # a starting standard
        "webhook": webhook,
        "canned": CannedMessage.objects.first(),  # a seeded one
    }


PAGE_OBJECT = {
    "customers:": "customer",
    "surveys:question": "question",
    "surveys:response": "response",
    "surveys:complaint": "complaint",
    "surveys:import": "job",
    "surveys:rule-edit": "rule",
    "surveys:": "survey",
    "recovery:ticket": "ticket",
    "recovery:improvement": "improvement",
    "recovery:standard": "standard",
    "recovery:canned": "canned",
    "webhooks:": "webhook",
}


def _page_url(page, world, role, action: str = "") -> str:
    kwargs = {}
    for name in re.findall(r"<(?:\w+:)?(\w+)>", page.route):
        if name == "pk":
            key = next(
                obj for prefix, obj in PAGE_OBJECT.items() if page.view_name.startswith(prefix)
            )
            kwargs["pk"] = world[key].pk
        elif name == "name":
            kwargs["name"] = "experience"
        elif name == "token":
            holder = {
                "survey-answer": world["invitation"].token,
                "survey-public": world["survey"].public_token,
                "case": world["ticket"].case_token,
            }.get(page.view_name, world["customer"].token)
            # Only the customer holds their link; everyone else tries one that is not theirs.
            kwargs["token"] = (
                holder if role == policy.CUSTOMER or page.rule.read == policy.EVERYONE else "x" * 22
            )
        elif name == "code":  # a text's short link: only the customer's own leads anywhere
            kwargs["code"] = world["invitation"].short_code if role == policy.CUSTOMER else "X" * 10
        elif name == "uidb64":
            kwargs["uidb64"] = "MQ"
        elif name == "step":
            kwargs["step"] = action or "notes"
        else:
            kwargs[name] = "1"
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), page.route)


def _client_as(client, role):
    client.logout()
    if role in (policy.ANONYMOUS, policy.CUSTOMER):
        return client
    client.force_login(staff_user(role))  # force: an integration cannot sign in by the form
    return client


def _refused(response, role, link_page) -> bool:
    if link_page and role != policy.CUSTOMER:
        return response.status_code == 404  # the link's honest "not valid" page
    if role in (policy.ANONYMOUS, policy.CUSTOMER):
        location = response.get("Location", "")
        return response.status_code == 302 and location.startswith(f"{reverse('login')}?next=")
    return response.status_code == 403


BEHAVIOUR_PAGES = [
    page
    for page in PAGES
    if not page.view_name.startswith("admin:")
    or page.view_name in ("admin:index", "admin:recovery_ticket_changelist", "admin:login")
]


@pytest.mark.parametrize("page", BEHAVIOUR_PAGES, ids=lambda page: page.view_name)
def test_each_page_answers_each_role_as_its_row_says(client, world, page):
    link_page = page.rule.read == policy.LINK_HOLDER
    methods = [("get", page.rule.read, "")]
    methods.append(("post", page.rule.write, ""))
    methods += [("post", allowed, action) for action, allowed in page.rule.actions.items()]
    wrong = []
    for role in policy.ROLE_ORDER:
        for method, allowed, action in methods:
            url = _page_url(page, world, role, action)
            data = {}
            response = getattr(_client_as(client, role), method)(url, data)
            refused = _refused(response, role, link_page)
            if link_page and role == policy.CUSTOMER:
                refused = response.status_code in (403, 404)
            if refused == (role in allowed):
                wrong.append(f"{role} {method.upper()} {action}: {response.status_code}")
    assert not wrong, f"{page.route}: {wrong}"


@pytest.mark.parametrize(
    "operation", OPERATIONS, ids=lambda op: f"{op.method} {op.path}".replace("/api/v1", "")
)
def test_each_api_operation_answers_each_role_as_its_row_says(api_client, world, operation):
    object_for = {
        "customers": "customer",
        "events": None,
        "surveys": "survey",
        "questions": "question",
        "trigger-rules": "rule",
        "invitations": "invitation",
        "responses": "response",
        "complaints": "complaint",
        "tickets": "ticket",
        "ticket-events": None,
        "restitutions": None,
        "improvements": "improvement",
    }
    resource = operation.path.split("/")[3]
    obj = world.get(object_for.get(resource) or "", None)
    path = operation.path.replace("{id}", str(obj.pk if obj else 1)).replace("{name}", "experience")
    wrong = []
    for role in policy.ROLE_ORDER:
        api_client.logout()
        if role not in (policy.ANONYMOUS, policy.CUSTOMER):
            api_client.force_authenticate(staff_user(role))
        else:
            api_client.force_authenticate(None)
        response = getattr(api_client, operation.method.lower())(path, {}, format="json")
        refused = response.status_code in (401, 403)
        expected_refusal = 401 if role in (policy.ANONYMOUS, policy.CUSTOMER) else 403
        if role in operation.allowed and refused:
            wrong.append(f"{role}: refused with {response.status_code}")
        if role not in operation.allowed and response.status_code != expected_refusal:
            wrong.append(f"{role}: {response.status_code}, expected {expected_refusal}")
    assert not wrong, f"{operation.method} {operation.path}: {wrong}"


# --- The holes this table closed (issue 15, items 1-4) -------------------------------------------


def test_an_integration_account_cannot_sign_in_on_the_web(client, db):
    integration = staff_user("integration")
    page = client.post(reverse("login"), {"username": integration.username, "password": PASSWORD})
    assert page.status_code == 200
    assert "cannot sign in on the web" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_integration_session_is_refused_every_staff_page_and_write(client, world):
    client.force_login(staff_user("integration"))
    ticket, customer = world["ticket"], world["customer"]
    assert client.get(reverse("recovery:queue")).status_code == 403
    assert client.get(ticket.get_absolute_url()).status_code == 403
    note = client.post(step_url(ticket, "notes"), {"text": "hello"})
    assert note.status_code == 403 and not ticket.events.filter(kind="note").exists()
    rename = client.post(customer.get_absolute_url(), {"full_name": "Mallory"})
    assert rename.status_code == 403
    customer.refresh_from_db()
    assert customer.full_name == "Ann Lee"


def test_an_integration_cannot_attach_an_identity_to_a_customer(api_client, world):
    api_client.force_authenticate(staff_user("integration"))
    customer = world["customer"]
    response = api_client.post(
        f"/api/v1/customers/{customer.pk}/identities/",
        {"kind": "email", "value": "mallory@example.com"},
        format="json",
    )
    assert response.status_code == 403
    assert not customer.identities.filter(value="mallory@example.com").exists()


def test_agents_cannot_link_feedback_to_improvements_through_the_api(api_client, world):
    api_client.force_authenticate(staff_user("agent"))
    improvement = world["improvement"]
    response = api_client.post(
        f"/api/v1/improvements/{improvement.pk}/link/",
        {"tickets": [world["ticket"].pk]},
        format="json",
    )
    assert response.status_code == 403 and not improvement.links.exists()


def test_options_describes_only_what_the_caller_may_do(api_client, world):
    api_client.force_authenticate(staff_user("agent"))
    described = api_client.options("/api/v1/improvements/")
    assert described.status_code == 200 and "POST" not in described.json().get("actions", {})
    api_client.force_authenticate(staff_user("manager"))
    assert "POST" in api_client.options("/api/v1/improvements/").json()["actions"]
    api_client.force_authenticate(None)
    assert api_client.options("/api/v1/improvements/").status_code == 401

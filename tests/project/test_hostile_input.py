"""Bad input gets a clear error, never a server error, on every write: every API operation and
every staff or customer form, with the inputs that once broke something (NUL bytes, impossible
dates, wrong types, nesting thousands deep, huge text, names longer than their columns).

Runs on SQLite and, in CI, again on PostgreSQL, where NUL bytes and date ranges differ. The test
client raises any exception a view lets out, so a 500 fails with its traceback.
"""

import pytest
from django.urls import reverse

from feedback_app.core.numbers import whole_number, whole_numbers
from feedback_app.staff.policy_table import operations, pages
from feedback_app.webhooks.services import webhook_save
from recovery.models import CannedMessage, ExperienceStandard, Restitution
from recovery.services.improvements import improvement_save
from recovery.services.workflow import ticket_apologise
from recovery.views.ticket import STEPS as TICKET_STEPS
from surveys.services.invitations import invitation_create
from tests.factories import CustomerWithEmailFactory, delivery_survey, open_ticket

pytestmark = pytest.mark.django_db

NUL = "bad\x00byte"
DEEP = "[" * 5000 + "]" * 5000
HOSTILE_VALUES = [
    NUL,
    "2026-02-30T10:00:00Z",
    "2026-13-45",
    "9999-12-31",
    "0001-01-01",
    "x" * 100_000,
    "¹²³",
    -1,
    10**30,
    1.5,
    True,
    None,
    [],
    {"nested": {"deeper": [1, 2, {"x": NUL}]}},
]


@pytest.fixture
def world(manager):
    survey = delivery_survey()
    ticket = open_ticket()
    ticket_apologise(ticket=ticket, actor=manager, subject="Sorry", body="We are sorry.")
    return {
        "manager": manager,
        "survey": survey,
        "question": survey.questions.order_by("position").first(),
        "ticket": ticket,
        "customer": ticket.customer,
        "improvement": improvement_save(actor=manager, title="Sturdier boxes"),
        "invitation": invitation_create(survey=survey, customer=CustomerWithEmailFactory()),
        "webhook": webhook_save(
            actor=manager, name="CRM", url="https://crm.example.com/h", events=["ticket.opened"]
        ),
    }


def valid_bodies(world) -> dict[str, dict]:
    """A body each main write accepts, to be spoiled one field at a time."""
    question = world["question"]
    customer = {"email": "ann@example.com", "phone": "020 7946 0958", "full_name": "Ann"}
    return {
        "event.create": {
            "event_type": "order.delivered",
            "occurred_at": "2026-11-01T10:00:00Z",
            "customer": {**customer, "external": {"shop": "C-1"}},
            "data": {"order": "A-1"},
            "event_id": "e-1",
        },
        "complaint.create": {
            "text": "The lamp arrived broken.",
            "subject": "Lamp",
            "reference": "A-1",
            "channel": "api",
            "received_at": "2026-11-01T10:00:00Z",
            "customer": customer,
            "idempotency_key": "k-1",
        },
        "response.create": {
            "survey": world["survey"].pk,
            "answers": [{"question": question.pk, "value": 7}],
            "channel": "api",
            "customer": customer,
            "submitted_at": "2026-11-01T10:00:00Z",
            "idempotency_key": "k-2",
            "source_reference": "till 3",
        },
        "customer.create": customer,
        "customer.partial_update": {"full_name": "Ann Lee", "region": "North"},
        "customer.identities": {"kind": "email", "value": "ann.lee@example.com"},
        "ticket.create": {"customer": customer, "subject": "Lamp", "priority": 2},
        "ticket.notes": {"text": "Called her."},
        "ticket.assign": {"assignee": world["manager"].username},
        "ticket.reassure": {
            "subject": "What we changed",
            "body": "Foam now.",
            "cause": "Packing",
            "corrective_action": "Foam",
            "new_improvement_title": "Foam",
        },
        "ticket.offer_restitution": {
            "subject": "A refund",
            "body": "Here it is.",
            "kind": "refund",
            "amount": "10.00",
            "currency": "GBP",
        },
        "improvement.create": {"title": "Faster refunds", "customer_text": "We now refund."},
        "improvement.link": {"tickets": [world["ticket"].pk], "preview": True},
        "survey.create": {"name": "Kiosk", "purpose": "other"},
        "question.create": {"survey": world["survey"].pk, "kind": "text", "prompt": "Why?"},
        "triggerrule.create": {
            "event_type": "order.delivered",
            "survey": world["survey"].pk,
            "delay": "1 00:00:00",
        },
    }


def spoiled(body: dict):
    """The body with each field in turn (nested ones too) replaced by each hostile value."""
    for key, value in body.items():
        for bad in HOSTILE_VALUES:
            yield f"{key}={bad!r:.40}", {**body, key: bad}
        if isinstance(value, dict):
            for label, inner in spoiled(value):
                yield f"{key}.{label}", {**body, key: inner}


def path_of(operation, world) -> str:
    objects = {
        "customers": world["customer"],
        "surveys": world["survey"],
        "questions": world["question"],
        "tickets": world["ticket"],
        "improvements": world["improvement"],
        "invitations": world["invitation"],
        "webhooks": world["webhook"],
    }
    resource = operation.path.split("/")[3]
    obj = objects.get(resource)
    return operation.path.replace("{id}", str(obj.pk if obj else 1)).replace("{name}", "recovery")


WRITES = [op for op in operations() if op.method in ("POST", "PUT", "PATCH")]


@pytest.mark.parametrize("operation", WRITES, ids=lambda op: f"{op.method} {op.path}")
def test_every_api_write_refuses_hostile_bodies_clearly(api_client, world, operation):
    api_client.force_authenticate(world["manager"])
    path = path_of(operation, world)
    send = getattr(api_client, operation.method.lower())
    bodies = [("empty", {}), ("not an object", [1, 2]), ("text", "hello")]
    bodies += list(spoiled(valid_bodies(world).get(operation.key, {"x": 1})))
    for label, body in bodies:
        response = send(path, body, format="json")
        assert response.status_code < 500, (label, response.status_code)
        assert response["Content-Type"].startswith("application/json"), label
    for raw in (DEEP, '{"text": "a', "\x00", '{"data": ' + DEEP + "}"):
        response = send(path, raw, content_type="application/json")
        # 400, or what the operation answers when it reads no body at all (a survey's close)
        assert response.status_code < 500, raw[:20]
        if operation.key in valid_bodies(world):
            assert response.status_code == 400, raw[:20]


@pytest.mark.parametrize("name", ["experience", "recovery", "restitution", "retention"])
@pytest.mark.parametrize(
    "query",
    [
        {"end": "9999-12-31"},
        {"start": "0001-01-01"},
        {"start": "2026-02-30"},
        {"start": "2026-11-01", "end": "2026-01-01"},
        {"period": "decade", "channel": "pigeon"},
        {"team": "¹"},
    ],
)
def test_report_dates_at_the_calendars_edges_are_a_400(api_client, world, name, query):
    api_client.force_authenticate(world["manager"])
    response = api_client.get(f"/api/v1/reports/{name}/", query)
    assert response.status_code == 400, response.content
    assert response.json()  # says which field


def test_dashboard_pages_fall_back_instead_of_failing(client, world):
    client.force_login(world["manager"])
    for query in ({"end": "9999-12-31"}, {"start": "0001-01-01"}, {"days": "99999999999"}):
        assert client.get(reverse("recovery:dashboard", args=["recovery"]), query).status_code < 500
        assert client.get(reverse("recovery:loop-report"), query).status_code < 500


FORM_FIELDS = [
    "text",
    "subject",
    "body",
    "full_name",
    "email",
    "phone",
    "reference",
    "name",
    "title",
    "customer_text",
    "description",
    "reason",
    "note",
    "amount",
    "currency",
    "prompt",
    "choices",
    "kind",
    "value",
    "event_type",
    "delay",
    "days",
    "tickets",
    "complaints",
    "responses",
    "restitution",
    "assignee",
    "team",
    "other",
    "submission",
    "expected_state",
    "cause",
    "corrective_action",
    "no_restitution_reason",
    "url",
    "events",
    "format",
    "delivery",
]


def _page_url(page, world, step: str = "notes") -> str:
    objects = {
        "customers:": world["customer"],
        "surveys:question": world["question"],
        "surveys:": world["survey"],
        "recovery:ticket": world["ticket"],
        "recovery:improvement": world["improvement"],
        "recovery:standard": ExperienceStandard.objects.first(),  # a starting standard
        "recovery:canned": CannedMessage.objects.first(),  # a seeded one
        "webhooks:": world["webhook"],
    }
    url = "/" + page.route
    if "<int:pk>" in url:
        obj = next(o for prefix, o in objects.items() if page.view_name.startswith(prefix))
        url = url.replace("<int:pk>", str(obj.pk))
    url = url.replace("<str:token>", world["invitation"].token).replace("<slug:step>", step)
    return url.replace("<slug:name>", "recovery")


FORM_PAGES = [
    page
    for page in pages()
    if page.rule
    and page.rule.write
    and not page.view_name.startswith(("admin:", "password_", "logout", "surveys:import"))
    and "<uidb64>" not in page.route
]


@pytest.mark.parametrize("page", FORM_PAGES, ids=lambda page: page.view_name)
def test_every_form_refuses_hostile_input_clearly(client, world, page):
    client.force_login(world["manager"])
    if "<slug:step>" in page.route:  # one URL per step: each step's URL, no `action` field
        targets = [(_page_url(page, world, step), "") for step in TICKET_STEPS]
    else:
        actions = ["", "link", "ship", "decline"]  # the improvement page's forms
        targets = [(_page_url(page, world), action) for action in actions]
    for bad in (NUL, "2026-02-30", "x" * 100_000, "¹²", "-1", "9" * 40):
        for url, action in targets:
            data = dict.fromkeys(FORM_FIELDS, bad)
            if action:
                data["action"] = action
            response = client.post(url, data)
            assert response.status_code < 500, (bad[:20], action, response.status_code)
    assert Restitution.objects.count() == 0


@pytest.mark.parametrize("digits", ["¹", "²³", "٣", "#¹", "9" * 40, "\x00"])
def test_numbers_that_are_not_ascii_digits_never_reach_int(client, api_client, world, digits):
    assert whole_number(digits) is None
    api_client.force_authenticate(world["manager"])
    for path in ("/api/v1/customers/", "/api/v1/tickets/"):
        assert api_client.get(path, {"q": digits}).status_code < 500
    client.force_login(world["manager"])
    for name in ("recovery:queue", "customers:list"):
        assert client.get(reverse(name), {"q": digits}).status_code < 500
    assert client.get(reverse("we-did"), {"topic": digits}).status_code == 200


@pytest.mark.parametrize("digits", ["¹", "٣", " 7", "7 ", "", "9" * 40])
def test_a_reply_thread_with_a_number_that_is_not_ascii_finds_no_ticket(db, digits):
    from recovery.services.conversation import ticket_for_thread

    assert ticket_for_thread(f"recovery.ticket:{digits}") is None
    assert ticket_for_thread(f"surveys.invitation:{digits}") is None


def test_whole_numbers_are_read_one_way():
    assert [whole_number(t) for t in ("42", " #7 ", "007", "", "4 2", "-1", "1.0")] == [
        42,
        7,
        7,
        None,
        None,
        None,
        None,
    ]
    assert whole_numbers(["1", "x", "¹", "3"]) == [1, 3]

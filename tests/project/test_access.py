"""Who may open what: anonymous visitors reach only customer pages; agents not the managers'."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, open_ticket, staff_user

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    ("staff:home", ()),
    ("customers:list", ()),
    ("surveys:list", ()),
    ("surveys:feedback", ()),
    ("surveys:rules", ()),
    ("recovery:queue", ()),
    ("recovery:improvements", ()),
]
MANAGER_PAGES = [
    ("recovery:approvals", ()),
    ("recovery:settings", ()),
    ("recovery:loop-report", ()),
    ("recovery:dashboard", ("experience",)),
    ("recovery:improvement-create", ()),
    ("surveys:create", ()),
    ("surveys:imports", ()),
]
API_LISTS = [
    "customers",
    "events",
    "surveys",
    "responses",
    "complaints",
    "tickets",
    "improvements",
    "restitutions",
]


@pytest.mark.parametrize("name,args", STAFF_PAGES + MANAGER_PAGES)
def test_anonymous_is_sent_to_sign_in(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_anonymous_reaches_customer_pages(client):
    for url in ("/", reverse("complaint"), reverse("we-did"), reverse("login")):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("name,args", MANAGER_PAGES)
def test_agents_are_refused_manager_pages(client, name, args):
    agent = staff_user("agent")
    client.login(username=agent.username, password=PASSWORD)
    assert client.get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize("name,args", STAFF_PAGES + MANAGER_PAGES)
def test_managers_open_everything(client, name, args):
    manager = staff_user("manager")
    client.login(username=manager.username, password=PASSWORD)
    assert client.get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize("resource", API_LISTS)
def test_api_refuses_anonymous_and_role_less_users(api_client, django_user_model, resource):
    assert api_client.get(f"/api/v1/{resource}/").status_code == 401
    nobody = django_user_model.objects.create_user("nobody", password="pw-nobody-1234")
    api_client.force_authenticate(nobody)
    assert api_client.get(f"/api/v1/{resource}/").status_code == 403


def test_a_customer_token_opens_only_that_customers_pages(client):
    ticket = open_ticket()
    token = ticket.customer.token
    assert client.get(reverse("preferences", args=[token])).status_code == 200
    response = client.get(ticket.get_absolute_url())
    assert response.status_code == 302  # a ticket is a staff page: sign in first
    assert (
        client.get(reverse("survey-answer", args=[token])).status_code == 404
    )  # not an invitation token


def test_api_mirrors_the_ui_for_agents(api_client):
    agent = staff_user("agent")
    api_client.force_authenticate(agent)
    assert api_client.get("/api/v1/reports/experience/").status_code == 403
    assert (
        api_client.post("/api/v1/improvements/", {"title": "x"}, format="json").status_code == 403
    )
    assert (
        api_client.post(
            "/api/v1/surveys/", {"name": "x", "purpose": "other"}, format="json"
        ).status_code
        == 403
    )

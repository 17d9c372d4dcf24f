"""The customer endpoints: auth, resolve-or-create, merge, timeline, errors, query counts."""

import pytest
from rest_framework.authtoken.models import Token

from feedback_app.customers.models import Customer
from feedback_app.customers.services.resolve import customer_resolve
from tests.factories import CustomerWithEmailFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/customers/"


@pytest.fixture
def agent_api(api_client, agent):
    api_client.force_authenticate(agent)
    return api_client


@pytest.fixture
def manager_api(api_client, manager):
    api_client.force_authenticate(manager)
    return api_client


def test_anonymous_is_refused(api_client):
    assert api_client.get(URL).status_code in (401, 403)


def test_token_auth_works(api_client, agent):
    token = Token.objects.create(user=agent)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(URL).status_code == 200


def test_api_root_lists_customers(agent_api):
    body = agent_api.get("/api/v1/").json()
    assert body["customers"].endswith("/api/v1/customers/")


def test_resolve_creates_then_finds_the_same_person(agent_api):
    first = agent_api.post(URL, {"email": "Ann@Example.com", "full_name": "Ann Lee"}, format="json")
    assert first.status_code == 201
    again = agent_api.post(
        URL, {"email": "ann@example.com", "phone": "020 7946 0958"}, format="json"
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert {i["normalized"] for i in again.json()["identities"]} == {
        "ann@example.com",
        "+442079460958",
    }


def test_resolve_with_no_identity_names_the_problem(agent_api):
    response = agent_api.post(URL, {"full_name": "Nobody"}, format="json")
    assert response.status_code == 400
    assert "identity" in response.json()
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"email": ["a@b.com"]}, "email"),
        ({"external": "C-1"}, "external"),
        ({"email": "x" * 400 + "@example.com"}, "email"),
    ],
)
def test_wrong_types_and_values_are_400_with_the_field_named(agent_api, payload, field):
    response = agent_api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_list_filters_and_keeps_query_count_flat(agent_api, django_assert_max_num_queries):
    CustomerWithEmailFactory.create_batch(3, region="North", value_tier="gold")
    CustomerWithEmailFactory.create_batch(40, region="South")
    with django_assert_max_num_queries(8):
        body = agent_api.get(URL, {"value_tier": "gold"}).json()
    assert body["count"] == 3
    with django_assert_max_num_queries(8):
        body = agent_api.get(URL).json()
    assert body["count"] == 43 and len(body["results"]) == 43


def test_agent_may_edit_a_profile_but_not_merge(agent_api):
    ann = customer_resolve(email="ann@example.com").customer
    twin = customer_resolve(email="ann.lee@example.com").customer
    response = agent_api.patch(f"{URL}{ann.pk}/", {"value_tier": "gold"}, format="json")
    assert response.status_code == 200 and response.json()["value_tier"] == "gold"
    response = agent_api.post(f"{URL}{twin.pk}/merge/", {"into": ann.pk}, format="json")
    assert response.status_code == 403


def test_manager_merges_and_a_second_merge_is_a_conflict(manager_api):
    ann = customer_resolve(email="ann@example.com").customer
    twin = customer_resolve(phone="07700 900123").customer
    response = manager_api.post(
        f"{URL}{twin.pk}/merge/", {"into": ann.pk, "reason": "same"}, format="json"
    )
    assert response.status_code == 200
    assert len(response.json()["identities"]) == 2
    again = manager_api.post(f"{URL}{twin.pk}/merge/", {"into": ann.pk}, format="json")
    assert again.status_code == 409 and "already merged" in again.json()["detail"]
    itself = manager_api.post(f"{URL}{ann.pk}/merge/", {"into": ann.pk}, format="json")
    assert itself.status_code == 400 and "itself" in itself.json()["detail"]


def test_timeline_is_listed_newest_first(agent_api):
    ann = customer_resolve(email="ann@example.com").customer
    agent_api.post(
        f"{URL}{ann.pk}/identities/", {"kind": "phone", "value": "07700 900123"}, format="json"
    )
    body = agent_api.get(f"{URL}{ann.pk}/timeline/").json()
    assert [e["kind"] for e in body["results"]] == ["identity.added", "customer.created"]


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/customers/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    # every script and style comes from our own static files, never from another host
    html = docs.content.decode()
    assert 'src="http' not in html and 'href="http' not in html and "//cdn" not in html

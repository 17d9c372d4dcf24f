"""Staff customer pages and the customer's own preferences page."""

import pytest
from django.urls import reverse

from feedback_app.customers.models import ContactPreference, Customer
from feedback_app.customers.services.resolve import customer_resolve
from feedback_app.customers.services.timeline import timeline_record
from tests.factories import CustomerWithEmailFactory, TimelineEntryFactory

pytestmark = pytest.mark.django_db


def test_customer_pages_need_a_staff_login(client):
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_logged_in_user_without_a_role_is_forbidden(client, django_user_model):
    django_user_model.objects.create_user("visitor", password="pw-visitor-123")
    client.login(username="visitor", password="pw-visitor-123")
    assert client.get(reverse("customers:list")).status_code == 403


def test_list_searches_by_email_in_any_case(agent_client):
    ann = customer_resolve(email="ann@example.com", full_name="Ann Lee").customer
    customer_resolve(email="bob@example.com", full_name="Bob Stone")
    response = agent_client.get(reverse("customers:list"), {"q": "ANN@example.com"})
    assert list(response.context["customers"]) == [ann]


def test_list_searches_by_phone_in_another_format(agent_client):
    ann = customer_resolve(phone="+44 20 7946 0958", full_name="Ann Lee").customer
    response = agent_client.get(reverse("customers:list"), {"q": "020 7946 0958"})
    assert list(response.context["customers"]) == [ann]


def test_list_query_count_does_not_grow_with_customers(agent_client, django_assert_max_num_queries):
    CustomerWithEmailFactory.create_batch(5)
    with django_assert_max_num_queries(8) as small:
        agent_client.get(reverse("customers:list"))
    CustomerWithEmailFactory.create_batch(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = agent_client.get(reverse("customers:list"))
    assert len(response.context["customers"]) == 25


def test_detail_shows_the_timeline_escaped_with_bounded_queries(
    agent_client, django_assert_max_num_queries
):
    ann = customer_resolve(email="ann@example.com", full_name="Ann Lee").customer
    timeline_record(
        customer=ann, kind="note", title="<script>alert(1)</script>", body="Parcel <b>lost</b>"
    )
    TimelineEntryFactory.create_batch(60, customer=ann)
    with django_assert_max_num_queries(16):
        response = agent_client.get(ann.get_absolute_url())
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "Parcel &lt;b&gt;lost&lt;/b&gt;" in html
    assert len(response.context["timeline"]) == 50


def test_agent_adds_an_identity_and_a_conflict_is_a_form_error(agent_client):
    ann = customer_resolve(email="ann@example.com").customer
    customer_resolve(email="bob@example.com")
    url = ann.get_absolute_url()
    response = agent_client.post(
        url, {"add_identity": "1", "kind": "phone", "value": "020 7946 0958"}
    )
    assert response.status_code == 302
    response = agent_client.post(
        url, {"add_identity": "1", "kind": "email", "value": "BOB@example.com"}
    )
    assert response.status_code == 200
    assert "already belongs to" in response.content.decode()
    assert ann.identities.count() == 2


def test_agent_changes_consent(agent_client, agent):
    ann = customer_resolve(email="ann@example.com").customer
    data = {
        "save_preferences": "1",
        "email_contact": "on",
        "sms_contact": "on",
        "phone_contact": "on",
    }
    agent_client.post(ann.get_absolute_url(), data)
    email = ContactPreference.objects.get(customer=ann, channel="email")
    assert email.allow_contact and not email.allow_solicitations and email.source == "staff"


def test_agent_edits_profile_with_validation(agent_client):
    ann = customer_resolve(email="ann@example.com").customer
    url = ann.get_absolute_url()
    base = {
        "full_name": "Ann Lee",
        "preferred_channel": "email",
        "language": "en",
        "region": "North",
        "age_band": "",
    }
    response = agent_client.post(url, {**base, "value_tier": "diamond"})
    assert response.status_code == 200 and "diamond" in response.content.decode()
    response = agent_client.post(url, {**base, "value_tier": "gold"})
    assert response.status_code == 302
    ann.refresh_from_db()
    assert (ann.full_name, ann.value_tier) == ("Ann Lee", "gold")


class TestMergePage:
    def test_agents_may_not_merge(self, agent_client):
        ann = CustomerWithEmailFactory()
        assert agent_client.get(reverse("customers:merge", args=[ann.pk])).status_code == 403

    def test_preview_then_confirm(self, manager_client, manager):
        ann = customer_resolve(email="ann@example.com", full_name="Ann Lee").customer
        twin = customer_resolve(phone="07700 900123").customer
        url = reverse("customers:merge", args=[ann.pk])
        preview = manager_client.post(url, {"other": "07700900123", "reason": "Same person"})
        assert preview.status_code == 200 and preview.context["source"] == twin
        twin.refresh_from_db()
        assert twin.merged_into is None  # the preview changed nothing
        done = manager_client.post(
            url, {"other": str(twin.pk), "reason": "Same person", "confirm": "True"}
        )
        assert done.status_code == 302
        twin.refresh_from_db()
        assert twin.merged_into == ann

    def test_merge_into_itself_is_a_form_error(self, manager_client):
        ann = customer_resolve(email="ann@example.com").customer
        url = reverse("customers:merge", args=[ann.pk])
        response = manager_client.post(
            url, {"other": str(ann.pk), "reason": "x", "confirm": "True"}
        )
        assert (
            response.status_code == 200
            and "cannot be merged into itself" in response.content.decode()
        )


class TestPreferencesPage:
    def test_opening_the_link_changes_nothing(self, client):
        ann = customer_resolve(email="ann@example.com", full_name="Ann Lee").customer
        response = client.get(reverse("preferences", args=[ann.token]))
        assert response.status_code == 200 and "Ann Lee" in response.content.decode()
        assert not ContactPreference.objects.exists()
        assert ann.timeline.count() == 1

    def test_customer_opts_out_of_surveys_by_email(self, client):
        ann = customer_resolve(email="ann@example.com").customer
        data = {
            "email_contact": "on",
            "sms_contact": "on",
            "sms_solicitations": "on",
            "phone_contact": "on",
        }
        response = client.post(reverse("preferences", args=[ann.token]), data)
        assert response.status_code == 200 and "saved" in response.content.decode()
        pref = ContactPreference.objects.get(customer=ann, channel="email")
        assert not pref.allow_solicitations and pref.source == "customer"

    def test_unknown_token_gets_a_friendly_page(self, client):
        response = client.get(reverse("preferences", args=["not-a-real-token"]))
        assert response.status_code == 404
        assert "could not find this link" in response.content.decode()

    def test_link_of_a_merged_profile_reaches_the_survivor(self, client):
        from feedback_app.customers.services.merge import customer_merge

        ann = customer_resolve(email="ann@example.com", full_name="Ann Lee").customer
        twin = customer_resolve(phone="07700 900123").customer
        customer_merge(source=twin, target=ann)
        response = client.get(reverse("preferences", args=[twin.token]))
        assert response.context["customer"] == ann

    def test_token_reveals_nothing_about_the_customer(self):
        ann = customer_resolve(email="ann@example.com", full_name="Ann Lee").customer
        assert str(ann.pk) not in ann.token or len(ann.token) >= 43
        assert (
            "ann" not in ann.token.lower() or Customer.objects.filter(token=ann.token).count() == 1
        )
        assert len(ann.token) >= 43

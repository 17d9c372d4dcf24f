"""Survey endpoints: events, surveys and questions, trigger rules, invitations, responses."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from surveys.models import Event, Invitation, Response, Survey
from tests.factories import TriggerRuleFactory, delivery_survey, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(api_client):
    api_client.force_authenticate(staff_user("integration"))
    return api_client


@pytest.fixture
def manager_api(api_client, manager):
    api_client.force_authenticate(manager)
    return api_client


def event_payload(**overrides):
    return {
        "event_type": "order.delivered",
        "occurred_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "customer": {"email": "Ann@Example.com", "full_name": "Ann Lee"},
        "data": {"order": "A-1001", "store": "Mill Lane"},
        **overrides,
    }


class TestEvents:
    def test_event_schedules_its_survey(self, integration):
        rule = TriggerRuleFactory(survey=delivery_survey(), delay=timedelta(days=1))
        response = integration.post(
            "/api/v1/events/", event_payload(event_id="evt-1"), format="json"
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["event_type"] == "order.delivered" and body["data"]["order"] == "A-1001"
        (invitation,) = body["invitations"]
        assert invitation["survey"] == rule.survey.pk and invitation["status"] == "scheduled"
        replay = integration.post("/api/v1/events/", event_payload(event_id="evt-1"), format="json")
        assert replay.status_code == 200 and replay.json()["id"] == body["id"]
        assert Invitation.objects.count() == 1

    def test_wrong_event_type_schedules_nothing(self, integration):
        TriggerRuleFactory(survey=delivery_survey())
        body = integration.post(
            "/api/v1/events/", event_payload(event_type="order.shipped"), format="json"
        ).json()
        assert body["invitations"] == []

    @pytest.mark.parametrize(
        "overrides,field",
        [
            ({"customer": {}}, "identity"),
            ({"customer": {"email": "nope"}}, "identity"),
            ({"customer": "ann@example.com"}, "customer"),
            ({"event_type": "Delivered!!"}, "event_type"),
            ({"occurred_at": "yesterday"}, "occurred_at"),
            ({"data": ["not", "an", "object"]}, "data"),
        ],
    )
    def test_bad_events_are_400_with_the_field_named(self, integration, overrides, field):
        response = integration.post("/api/v1/events/", event_payload(**overrides), format="json")
        assert response.status_code == 400
        assert field in response.json()
        assert not Event.objects.exists()

    def test_agents_cannot_post_events(self, api_client, agent):
        api_client.force_authenticate(agent)
        assert api_client.post("/api/v1/events/", event_payload(), format="json").status_code == 403


class TestResponses:
    def answers(self, survey, nps=6, text="Parcel was late"):
        questions = {q.kind: q.pk for q in survey.questions.all()}
        return [
            {"question": questions["nps"], "value": nps},
            {"question": questions["text"], "value": text},
        ]

    def test_response_with_customer_and_idempotency(self, integration):
        survey = delivery_survey()
        payload = {
            "survey": survey.pk,
            "answers": self.answers(survey),
            "customer": {"phone": "020 7946 0958"},
            "channel": "phone",
            "idempotency_key": "callcentre-991",
        }
        first = integration.post("/api/v1/responses/", payload, format="json")
        assert first.status_code == 201, first.json()
        assert {a["kind"]: a["value"] for a in first.json()["answers"]} == {
            "nps": 6,
            "text": "Parcel was late",
        }
        again = integration.post("/api/v1/responses/", payload, format="json")
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
        assert Response.objects.count() == 1

    @pytest.mark.parametrize(
        "answers_of,field_check",
        [
            (
                lambda s, q: [{"question": q["nps"], "value": 11}],
                lambda body, q: str(q["nps"]) in body["answers"],
            ),
            (
                lambda s, q: [{"question": q["text"], "value": "x"}],
                lambda body, q: str(q["nps"]) in body["answers"],
            ),
            (
                lambda s, q: [{"question": 999999, "value": 1}],
                lambda body, q: "999999" in body["answers"],
            ),
            (
                lambda s, q: [
                    {"question": q["nps"], "value": "9"},
                    {"question": q["nps"], "value": 9},
                ],
                lambda b, q: "answers" in b,
            ),
            (lambda s, q: [{"question": "abc", "value": 9}], lambda body, q: "answers" in body),
            (lambda s, q: [], lambda body, q: "answers" in body),
        ],
    )
    def test_bad_answers_are_400_naming_the_question(self, integration, answers_of, field_check):
        survey = delivery_survey()
        questions = {q.kind: q.pk for q in survey.questions.all()}
        questions["nps"] = questions["nps"]
        response = integration.post(
            "/api/v1/responses/",
            {"survey": survey.pk, "answers": answers_of(survey, questions)},
            format="json",
        )
        assert response.status_code == 400
        assert field_check(response.json(), questions), response.json()
        assert not Response.objects.exists()

    def test_closed_survey_is_409(self, integration):
        survey = delivery_survey(status="closed")
        response = integration.post(
            "/api/v1/responses/",
            {"survey": survey.pk, "answers": self.answers(survey)},
            format="json",
        )
        assert response.status_code == 409 and "closed" in response.json()["detail"]

    def test_list_has_bounded_queries(self, integration, django_assert_max_num_queries):
        survey = delivery_survey()
        for n in range(20):
            integration.post(
                "/api/v1/responses/",
                {"survey": survey.pk, "answers": self.answers(survey, nps=n % 11)},
                format="json",
            )
        with django_assert_max_num_queries(8):
            body = integration.get("/api/v1/responses/", {"survey": survey.pk}).json()
        assert body["count"] == 20


class TestBuilding:
    def test_manager_builds_publishes_and_is_refused_a_destructive_edit(self, manager_api):
        survey = manager_api.post(
            "/api/v1/surveys/", {"name": "After support", "purpose": "after_support"}, format="json"
        ).json()
        question = manager_api.post(
            "/api/v1/questions/",
            {"survey": survey["id"], "kind": "csat", "prompt": "How satisfied?"},
            format="json",
        ).json()
        published = manager_api.post(f"/api/v1/surveys/{survey['id']}/publish/")
        assert published.status_code == 200 and published.json()["status"] == "live"
        manager_api.post(
            "/api/v1/responses/",
            {"survey": survey["id"], "answers": [{"question": question["id"], "value": 4}]},
            format="json",
        )
        change = manager_api.patch(
            f"/api/v1/questions/{question['id']}/", {"kind": "nps"}, format="json"
        )
        assert change.status_code == 409 and "new version" in change.json()["detail"]
        delete = manager_api.delete(f"/api/v1/questions/{question['id']}/")
        assert delete.status_code == 409
        copy = manager_api.post(f"/api/v1/surveys/{survey['id']}/copy/").json()
        assert copy["status"] == "draft" and copy["previous_version"] == survey["id"]

    def test_questions_that_follow_an_answer_and_endings(self, manager_api):
        survey = manager_api.post(
            "/api/v1/surveys/",
            {
                "name": "After delivery",
                "purpose": "after_delivery",
                "thank_you_promoter": "Wonderful!",
                "review_url": "https://reviews.example/us",
            },
            format="json",
        ).json()
        assert survey["review_url"] == "https://reviews.example/us"
        nps = manager_api.post(
            "/api/v1/questions/",
            {"survey": survey["id"], "kind": "nps", "prompt": "Recommend us?"},
            format="json",
        ).json()
        why = manager_api.post(
            "/api/v1/questions/",
            {
                "survey": survey["id"],
                "kind": "text",
                "prompt": "What went wrong?",
                "show_if": {"question": nps["id"], "max": 6},
            },
            format="json",
        )
        assert why.status_code == 201
        assert why.json()["show_if"] == {"question": nps["id"], "min": 0, "max": 6}
        loop = manager_api.patch(
            f"/api/v1/questions/{nps['id']}/",
            {"show_if": {"question": why.json()["id"], "any_of": [1]}},
            format="json",
        )
        assert loop.status_code == 400
        assert "earlier question" in loop.json()["show_if"][0]
        for shape in ({}, {"question": nps["id"]}, [1], "nps<7"):
            refused = manager_api.patch(
                f"/api/v1/questions/{why.json()['id']}/", {"show_if": shape}, format="json"
            )
            assert refused.status_code == 400, shape
        cleared = manager_api.patch(
            f"/api/v1/questions/{why.json()['id']}/", {"show_if": None}, format="json"
        )
        assert cleared.status_code == 200 and cleared.json()["show_if"] is None

    def test_trigger_rule_crud(self, manager_api):
        survey = delivery_survey()
        rule = manager_api.post(
            "/api/v1/trigger-rules/",
            {"event_type": "order.delivered", "survey": survey.pk, "delay": "2 00:00:00"},
            format="json",
        )
        assert rule.status_code == 201, rule.json()
        patched = manager_api.patch(
            f"/api/v1/trigger-rules/{rule.json()['id']}/", {"delay": "P3D"}, format="json"
        )
        assert patched.status_code == 200 and patched.json()["delay"] == "3 00:00:00"
        bad = manager_api.post(
            "/api/v1/trigger-rules/",
            {"event_type": "order.delivered", "survey": survey.pk, "delay": "-1 00:00:00"},
            format="json",
        )
        assert bad.status_code == 400 and "delay" in bad.json()

    def test_survey_list_and_invitations_have_bounded_queries(
        self, manager_api, django_assert_max_num_queries
    ):
        before = Survey.objects.count()  # what migrations seeded, if a flush left it
        for n in range(6):
            delivery_survey(name=f"S{n}")
        with django_assert_max_num_queries(8):
            assert manager_api.get("/api/v1/surveys/").json()["count"] == before + 6
        with django_assert_max_num_queries(8):
            assert manager_api.get("/api/v1/invitations/").status_code == 200
        assert Survey.objects.count() == before + 6


def test_openapi_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_a_complaint_body_checked_after_another_is_checked_afresh(api_client):
    """The complaint body's fields are made once and kept (FieldsMadeOnce): nothing of one
    body's check is left for the next, in either order."""
    api_client.force_authenticate(staff_user("integration"))
    url = "/api/v1/complaints/"
    bad = {"customer": {"email": "ann@example.com", "external": "not a map"}, "text": 7}
    good = {"customer": {"email": "ann@example.com"}, "text": "Late again"}
    first = api_client.post(url, bad, format="json")
    assert first.status_code == 400
    assert set(first.data) == {"customer", "text"}
    assert set(first.data["customer"]) == {"external"}
    assert api_client.post(url, good, format="json").status_code == 201
    again = api_client.post(url, {"customer": {"email": 5}, "text": "Late"}, format="json")
    assert again.status_code == 400
    assert set(again.data) == {"customer"}
    assert set(again.data["customer"]) == {"email"}

"""Staff survey pages: build, publish, invitations with reasons, responses; bounded queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.services.profile import preference_set
from feedback_app.customers.services.resolve import customer_resolve
from surveys.models import Survey, TriggerRule
from surveys.services.invitations import event_record, invitations_send_due
from surveys.services.responses import response_submit
from tests.factories import TriggerRuleFactory, delivery_survey

pytestmark = pytest.mark.django_db


def test_agents_see_surveys_but_cannot_build(agent_client):
    assert agent_client.get(reverse("surveys:list")).status_code == 200
    assert agent_client.get(reverse("surveys:create")).status_code == 403
    survey = delivery_survey(status="draft")
    response = agent_client.post(reverse("surveys:action", args=[survey.pk]), {"action": "publish"})
    assert response.status_code == 403
    survey.refresh_from_db()
    assert survey.status == "draft"


def test_manager_builds_and_publishes_a_survey(manager_client):
    response = manager_client.post(
        reverse("surveys:create"),
        {"name": "After support", "purpose": "after_support", "thank_you": "Thanks!"},
    )
    survey = Survey.objects.get(name="After support")
    assert response.status_code == 302 and response["Location"] == survey.get_absolute_url()
    page = survey.get_absolute_url()
    manager_client.post(page, {"kind": "csat", "prompt": "How satisfied?", "required": "on"})
    manager_client.post(page, {"kind": "single", "prompt": "Solved?", "choices": "Yes\nNo"})
    bad = manager_client.post(page, {"kind": "single", "prompt": "Solved?", "choices": "Yes"})
    assert bad.status_code == 400 and "at least two different options" in bad.content.decode()
    action = reverse("surveys:action", args=[survey.pk])
    manager_client.post(action, {"action": "publish"})
    survey.refresh_from_db()
    assert survey.status == "live" and survey.questions.count() == 2


def test_destructive_edit_of_an_answered_question_shows_a_clear_message(manager_client):
    survey = delivery_survey()
    nps = survey.questions.get(kind="nps")
    response_submit(survey=survey, answers={nps.pk: 7}, channel="web")
    response = manager_client.post(
        reverse("surveys:question", args=[nps.pk]),
        {"kind": "csat", "prompt": nps.prompt, "required": "on"},
    )
    assert response.status_code == 400
    assert "Copy the survey to a new version instead" in response.content.decode()
    delete = manager_client.post(
        reverse("surveys:question", args=[nps.pk]), {"delete": "1"}, follow=True
    )
    assert "cannot be deleted" in delete.content.decode()


def test_preview_shows_the_customer_page_and_records_nothing(agent_client):
    survey = delivery_survey()
    response = agent_client.get(reverse("surveys:preview", args=[survey.pk]))
    assert (
        response.status_code == 200
        and "Nothing you press here is recorded" in response.content.decode()
    )


def test_list_shows_counts_and_scores_with_bounded_queries(
    agent_client, django_assert_max_num_queries
):
    seeded = Survey.objects.count()  # the live "did we make it right?" of a fresh install
    for n in range(5):
        survey = delivery_survey(name=f"Survey {n}")
        nps = survey.questions.get(kind="nps")
        for score in (10, 9, 3):
            response_submit(survey=survey, answers={nps.pk: score}, channel="web")
    with django_assert_max_num_queries(10):  # with the navigation's two counts
        response = agent_client.get(reverse("surveys:list"))
    rows = response.context["rows"]
    assert len(rows) == seeded + 5
    survey, score = rows[0]
    assert survey.response_count == 3 and score["nps"] == 33.3  # (2 promoters - 1 detractor) / 3


def test_invitations_tab_shows_suppressed_with_the_reason(
    agent_client, django_assert_max_num_queries
):
    survey = delivery_survey()
    TriggerRuleFactory(survey=survey, delay=timedelta(0))
    for n in range(12):
        result = event_record(
            event_type="order.delivered", occurred_at=timezone.now(), email=f"p{n}@example.com"
        )
        if n % 2:
            preference_set(
                customer=result.event.customer, channel="email", allow_solicitations=False
            )
    invitations_send_due()
    url = reverse("surveys:detail", args=[survey.pk])
    with django_assert_max_num_queries(15):  # with the navigation's two counts
        response = agent_client.get(url, {"tab": "invitations", "status": "suppressed"})
    assert len(response.context["page_obj"]) == 6
    assert "opted out of surveys and notices" in response.content.decode()
    with django_assert_max_num_queries(15):
        response = agent_client.get(url, {"tab": "responses"})
    assert response.status_code == 200


def test_responses_tab_and_response_page(agent_client, django_assert_max_num_queries):
    survey = delivery_survey()
    nps = survey.questions.get(kind="nps")
    for n in range(30):
        ann = customer_resolve(email=f"c{n}@example.com").customer
        response_submit(survey=survey, answers={nps.pk: n % 11}, channel="web", customer=ann)
    with django_assert_max_num_queries(15):
        page = agent_client.get(reverse("surveys:detail", args=[survey.pk]), {"tab": "responses"})
    assert len(page.context["page_obj"]) == 30
    one = page.context["page_obj"][0]
    with django_assert_max_num_queries(8):
        assert agent_client.get(one.get_absolute_url()).status_code == 200


def test_manager_creates_a_trigger_rule(manager_client):
    survey = delivery_survey()
    response = manager_client.post(
        reverse("surveys:rule-create"),
        {
            "event_type": "order.delivered",
            "survey": survey.pk,
            "delay_days": 2,
            "delay_hours": 6,
            "active": "on",
        },
    )
    assert response.status_code == 302
    rule = TriggerRule.objects.get()
    assert rule.delay == timedelta(days=2, hours=6)
    bad = manager_client.post(
        reverse("surveys:rule-create"),
        {"event_type": "Order Delivered", "survey": survey.pk, "delay_days": 0, "delay_hours": 0},
    )
    assert bad.status_code == 400 and "lowercase words joined by dots" in bad.content.decode()


def test_publishing_a_survey_nobody_will_be_sent_warns(manager_client):
    from surveys.services.building import question_add, survey_create

    survey = survey_create(name="Store visit", purpose="after_visit")
    question_add(survey=survey, kind="csat", prompt="How satisfied?")
    action = reverse("surveys:action", args=[survey.pk])
    page = manager_client.post(action, {"action": "publish"}, follow=True).content.decode()
    assert "nobody will be invited to it" in page

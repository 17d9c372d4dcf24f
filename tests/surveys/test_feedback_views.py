"""Staff see triage results, with reasons, on every item; the feedback list filters by them."""

import pytest
from django.urls import reverse

from surveys.services.complaints import complaint_submit
from surveys.services.responses import response_submit
from tests.factories import delivery_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def feedback(django_capture_on_commit_callbacks):
    survey = delivery_survey()
    nps = survey.questions.get(kind="nps")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(8):
            complaint_submit(
                text=f"Parcel {n} was late <b>again</b>", channel="web", email=f"c{n}@example.com"
            )
            response_submit(survey=survey, answers={nps.pk: 10}, channel="web")
        complaint_submit(text="Charged twice", channel="email", email="bill@example.com")
    return survey


def test_list_filters_by_sentiment_topic_and_kind(
    agent_client, feedback, django_assert_max_num_queries
):
    url = reverse("surveys:feedback")
    # 14: the unread notices and the saved views' counts in the navigation among them
    with django_assert_max_num_queries(14):
        page = agent_client.get(url)
    assert len(page.context["items"]) == 17
    negative = agent_client.get(url, {"sentiment": "negative"}).context["items"]
    assert len(negative) == 9 and all(i.feedback_kind == "complaint" for i in negative)
    from surveys.models import Topic

    billing = Topic.objects.get(name="billing")
    items = agent_client.get(url, {"topic": billing.pk}).context["items"]
    assert [i.text for i in items] == ["Charged twice"]
    assert len(agent_client.get(url, {"kind": "response"}).context["items"]) == 8
    assert len(agent_client.get(url, {"channel": "email"}).context["items"]) == 1
    html = page.content.decode()
    assert "&lt;b&gt;again&lt;/b&gt;" in html and "<b>again</b>" not in html


def test_complaint_page_shows_reasons_and_the_ticket(
    agent_client, feedback, django_assert_max_num_queries
):
    from surveys.models import Complaint

    complaint = Complaint.objects.get(text="Charged twice")
    with django_assert_max_num_queries(10):
        page = agent_client.get(complaint.get_absolute_url())
    html = page.content.decode()
    assert "Failure stated" in html and "Severity 3" in html
    assert f"Recovery ticket #{complaint.ticket_item.ticket_id}" in html


def test_ticket_page(agent_client, feedback, django_assert_max_num_queries):
    from recovery.models import Ticket

    ticket = Ticket.objects.first()
    # the conversation (our messages, theirs, notes, with their files) is six of them, the
    # navigation's counts two, the customer's scores and what they were last told two
    with django_assert_max_num_queries(29):
        page = agent_client.get(ticket.get_absolute_url())
    assert page.status_code == 200 and "Opened" in page.content.decode()

"""Improvement pages, the public "you said, we did" page and the manager report."""

import pytest
from django.core import mail
from django.urls import reverse

from recovery.models import Improvement, Ticket
from recovery.services.improvements import improvement_link, improvement_save, improvement_ship
from recovery.services.workflow import ticket_close
from surveys.models import Topic
from surveys.services.complaints import complaint_submit
from surveys.services.responses import response_submit
from tests.factories import delivery_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            complaint_submit(
                text=f"Parcel {n} was left in the rain and got damaged",
                channel="web",
                email=f"person{n}@example.com",
                full_name=f"Secret Name{n}",
            )
    for ticket in Ticket.objects.all():
        ticket_close(ticket=ticket, actor=None, reason="Handled")
    return Topic.objects.get(name="delivery")


def test_manager_links_by_topic_after_a_preview_then_ships(
    manager_client, manager, asked, django_capture_on_commit_callbacks
):
    improvement = improvement_save(actor=manager, title="Covered parcel lockers", topics=[asked])
    url = reverse("recovery:improvement", args=[improvement.pk])
    preview = manager_client.post(
        url, {"action": "link", "topic": asked.pk, "days": 90, "sentiment": "negative"}
    )
    assert preview.status_code == 200 and preview.context["preview"]["customers"] == 4
    assert improvement.links.count() == 0  # the preview links nothing
    manager_client.post(
        url,
        {
            "action": "link",
            "topic": asked.pk,
            "days": 90,
            "sentiment": "negative",
            "confirm": "True",
        },
    )
    assert improvement.links.count() == 4
    with django_capture_on_commit_callbacks(execute=True):
        shipped = manager_client.post(
            url,
            {
                "action": "ship",
                "customer_text": "Parcels now go into covered lockers when you are out.",
            },
        )
    assert shipped.status_code == 302
    improvement.refresh_from_db()
    told = [m for m in mail.outbox if m.subject.startswith("You said, we did")]
    assert improvement.status == "shipped" and len(told) == 4
    page = manager_client.get(url).content.decode()
    assert page.count(">sent<") == 4


def test_agents_cannot_ship(agent_client, manager, asked):
    improvement = improvement_save(actor=manager, title="x", customer_text="y")
    response = agent_client.post(
        reverse("recovery:improvement", args=[improvement.pk]),
        {"action": "ship", "customer_text": "y"},
    )
    assert response.status_code == 403
    improvement.refresh_from_db()
    assert improvement.status == "proposed"


def test_public_page_shows_counts_never_personal_data(
    client, manager, asked, django_capture_on_commit_callbacks
):
    improvement = improvement_save(
        actor=manager, title="Covered parcel lockers", customer_text="Lockers now.", topics=[asked]
    )
    improvement_link(improvement=improvement, actor=manager, topic=asked)
    with django_capture_on_commit_callbacks(execute=True):
        improvement_ship(improvement=improvement, actor=manager)
    improvement_save(actor=manager, title="Not shipped yet", customer_text="Hidden")
    html = client.get(reverse("we-did")).content.decode()
    assert (
        "Covered parcel lockers" in html and "4 messages asked for this, from 4 customers" in html
    )
    assert "Not shipped yet" not in html
    for private in (
        "Secret Name",
        "person0@example.com",
        "left in the rain",
        "Parcel 0",
        "damaged",
    ):
        assert private not in html
    assert (
        "Covered parcel lockers"
        in client.get(reverse("we-did"), {"topic": asked.pk}).content.decode()
    )
    billing = Topic.objects.get(name="billing")
    assert (
        "Covered parcel lockers"
        not in client.get(reverse("we-did"), {"topic": billing.pk}).content.decode()
    )


def test_report_figures_csv_and_bounded_queries(
    manager_client,
    manager,
    asked,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    improvement = improvement_save(
        actor=manager, title="Covered parcel lockers", customer_text="Lockers now.", topics=[asked]
    )
    improvement_link(improvement=improvement, actor=manager, topic=asked)
    with django_capture_on_commit_callbacks(execute=True):
        improvement_ship(improvement=improvement, actor=manager)
    # One customer who was told answers a survey afterwards.
    from feedback_app.customers.services.resolve import customer_resolve

    survey = delivery_survey()
    nps = survey.questions.get(kind="nps")
    response_submit(
        survey=survey,
        answers={nps.pk: 9},
        channel="web",
        customer=customer_resolve(email="person0@example.com").customer,
    )
    url = reverse("recovery:loop-report")
    with django_assert_max_num_queries(16):
        page = manager_client.get(url)
    themes = {t.topic.name: t for t in page.context["themes"]}
    assert (
        themes["delivery"].items == 4
        and themes["delivery"].negative == 4
        and themes["delivery"].open_loop == 0
    )
    (outcome,) = page.context["outcomes"]
    assert (
        outcome.told == 4
        and outcome.came_back == 1
        and outcome.nps_after == 9
        and outcome.days_to_fix == 0
    )
    csv_text = manager_client.get(url, {"export": "themes"}).content.decode()
    assert (
        csv_text.splitlines()[0]
        == "Topic,Feedback,Negative,Negative share %,Open loop,Improvements"
    )
    assert "delivery,4,4,100,0,Covered parcel lockers (shipped)" in csv_text
    assert (
        "Covered parcel lockers"
        in manager_client.get(url, {"export": "improvements"}).content.decode()
    )


def test_report_query_count_does_not_grow(
    manager_client, manager, asked, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("recovery:loop-report")
    improvement_save(actor=manager, title="First", topics=[asked])
    with CaptureQueriesContext(connection) as few:
        manager_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(20):
            complaint_submit(text=f"Charged twice {n}", channel="web", email=f"b{n}@example.com")
    for title in ("A", "B", "C"):
        improvement_save(actor=manager, title=title, topics=[asked])
    with CaptureQueriesContext(connection) as many:
        manager_client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_csv_cells_that_look_like_formulas_are_text(manager_client, manager, asked):
    improvement_save(actor=manager, title='=HYPERLINK("x")', topics=[asked])
    csv_text = manager_client.get(
        reverse("recovery:loop-report"), {"export": "themes"}
    ).content.decode()
    assert "'=HYPERLINK" in csv_text


def test_improvement_list_and_edit(manager_client):
    response = manager_client.post(
        reverse("recovery:improvement-create"), {"title": "Faster refunds", "status": "planned"}
    )
    improvement = Improvement.objects.get()
    assert response.status_code == 302 and improvement.status == "planned"
    assert "Faster refunds" in manager_client.get(reverse("recovery:improvements")).content.decode()


def test_nps_around_a_notice_is_each_customers_last_answer_before_and_first_after(
    manager, asked, django_capture_on_commit_callbacks
):
    """As in the dashboards' other before/after figures: one answer each side per customer told,
    not every answer they ever gave (a customer who answers often would weigh more)."""
    from datetime import timedelta

    from django.utils import timezone

    from feedback_app.customers.services.resolve import customer_resolve
    from recovery.dashboards.figures.loop import outcomes

    survey = delivery_survey()
    nps = survey.questions.get(kind="nps")
    improvement = improvement_save(
        actor=manager, title="Covered parcel lockers", customer_text="Lockers now.", topics=[asked]
    )
    improvement_link(improvement=improvement, actor=manager, topic=asked)
    now = timezone.now()

    def answer(n, score, at):
        response_submit(
            survey=survey,
            answers={nps.pk: score},
            channel="web",
            customer=customer_resolve(email=f"person{n}@example.com").customer,
            submitted_at=at,
        )

    answer(0, 2, now - timedelta(days=3))
    answer(0, 4, now - timedelta(days=2))  # person0's last before: 4
    answer(1, 8, now - timedelta(days=1))  # person1's last before: 8
    with django_capture_on_commit_callbacks(execute=True):
        improvement_ship(improvement=improvement, actor=manager)
    notices = improvement.notices.order_by("created_at")
    notices.update(created_at=now - timedelta(hours=12))
    answer(0, 9, now - timedelta(hours=6))  # person0's first after: 9
    answer(0, 3, now - timedelta(hours=1))
    (outcome,) = outcomes()
    assert outcome.nps_before == 6  # (4 + 8) / 2; every answer would give (2 + 4 + 8) / 3
    assert outcome.nps_after == 9  # every answer would give (9 + 3) / 2
    assert outcome.came_back == 1


def test_typed_ticket_numbers_show_whose_they_are_before_linking(manager_client, manager, asked):
    improvement = improvement_save(actor=manager, title="Covered parcel lockers")
    url = reverse("recovery:improvement", args=[improvement.pk])
    ticket = Ticket.objects.order_by("pk").first()
    form = {"action": "link", "tickets": f"{ticket.pk}", "days": 90, "sentiment": "negative"}
    preview = manager_client.post(url, form)
    assert preview.status_code == 200 and improvement.links.count() == 0
    assert preview.context["preview"]["items"] == [
        (f"Ticket #{ticket.pk}", f"{ticket.customer}: {ticket.subject}")
    ]
    assert "Press Link to confirm." in preview.content.decode()
    wrong = manager_client.post(url, {**form, "tickets": "999999"})
    assert wrong.status_code == 400 and "No ticket with number 999999." in wrong.content.decode()
    manager_client.post(url, {**form, "confirm": "True"})
    assert improvement.links.count() == 1

"""Dashboards on a small hand-built data set where every right answer is known."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.services.resolve import customer_resolve
from recovery.dashboards.figures import DASHBOARDS
from recovery.dashboards.figures.engagement import engagement
from recovery.dashboards.figures.experience import experience
from recovery.dashboards.figures.recovery import funnel
from recovery.dashboards.figures.restitution import restitution
from recovery.dashboards.figures.retention import retention
from recovery.dashboards.figures.valuable import valuable
from recovery.dashboards.filters import DashboardFilterForm
from recovery.services.tickets import ticket_create
from recovery.services.workflow import ticket_resolve
from surveys.services.responses import response_submit

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def everything():
    return DashboardFilterForm({}).filters()


def table(dashboard, key):
    t = dashboard.tables[key]
    return {row[0]: dict(zip(t.columns, row, strict=True)) for row in t.rows}


def test_experience(data):
    d = experience(everything())
    assert dict(d.headline)["NPS"] == 0.0  # 1 promoter, 1 detractor, 1 passive
    assert dict(d.headline)["CSAT %"] == 50.0 and dict(d.headline)["CES mean"] == 4.5
    channels = table(d, "by_channel")
    assert channels["Web"]["NPS"] == 50.0 and channels["E-mail"]["NPS"] == -100.0
    regions = table(d, "by_region")
    assert regions["North"]["NPS"] == 50.0 and regions["South"]["NPS"] == -100.0
    assert table(d, "by_survey")["After delivery"]["NPS answers"] == 3


def test_sentiment_mix_and_topics_once_triaged(data):
    from surveys.models import Response
    from surveys.services.complaints import complaint_submit
    from surveys.services.triage import complaint_triage, response_triage

    for response in Response.objects.all():
        response_triage(response_id=response.pk)
    for email, when in (("ann@example.com", 3 * DAY), ("bob@example.com", 120 * DAY)):
        complaint = complaint_submit(
            text="The courier lost my parcel.",
            channel="email",
            email=email,
            received_at=timezone.now() - when,
        ).complaint
        complaint_triage(complaint_id=complaint.pk)
    d = experience(everything())
    mix = d.tables["sentiment_mix"].rows
    assert sum(n for row in mix for n in row[1:4]) == 4  # three answers, one complaint in range
    delivery = table(d, "topics")["delivery"]
    assert (delivery["Mentions"], delivery["Period before"]) == (1, 1)  # 120 days ago: before
    north = DashboardFilterForm({"segment": "region", "segment_value": "NORTH"}).filters()
    assert table(experience(north), "topics")["delivery"]["Mentions"] == 1  # Ann is North
    south = DashboardFilterForm({"segment": "region", "segment_value": "south"}).filters()
    assert table(experience(south), "topics")["delivery"]["Mentions"] == 0  # Bob's was before


def test_segment_and_channel_filters(data):
    north = DashboardFilterForm({"segment": "region", "segment_value": "north"}).filters()
    assert dict(experience(north).headline)["NPS"] == 50.0
    email = DashboardFilterForm({"channel": "email"}).filters()
    assert dict(experience(email).headline)["NPS"] == -100.0


def test_funnel(data):
    d = funnel(everything())
    stages = {row[0]: row[1] for row in d.tables["funnel"].rows}
    assert (stages["Tickets"], stages["Apologised"], stages["Reassured"]) == (2, 2, 1)
    assert (stages["Resolved"], stages["Recovered"]) == (1, 1)
    assert dict(d.headline)["Recovered %"] == 50.0
    assert dict(d.headline)["Restitution given"] == 1
    counts = [row[1] for row in d.tables["funnel"].rows][2:]  # from the tickets on
    assert counts == sorted(counts, reverse=True)  # a funnel only goes down
    times = table(d, "times")
    assert times["Apology"]["Tickets"] == 2 and times["Resolution"]["Tickets"] == 1


def test_median_and_90th_percentile_hours_to_each_step(manager):
    from recovery.models import Ticket

    customer = customer_resolve(email="cat@example.com").customer
    now = timezone.now()
    # hours to the apology: 1, 2, 3, 4, 10 and one not yet; to resolution: 5 and 20
    for n, (apology, resolution) in enumerate(
        [(1, 5), (2, None), (3, None), (4, 20), (10, None), (None, None)]
    ):
        ticket = ticket_create(customer=customer, subject=f"Case {n}", actor=manager)
        opened = now - timedelta(days=2, hours=n)
        Ticket.objects.filter(pk=ticket.pk).update(
            opened_at=opened,
            apologised_at=opened + timedelta(hours=apology) if apology else None,
            resolved_at=opened + timedelta(hours=resolution) if resolution else None,
        )
    times = table(funnel(everything()), "times")
    apology, resolution = times["Apology"], times["Resolution"]
    assert (apology["Median hours"], apology["90th percentile hours"], apology["Tickets"]) == (
        3.0,
        10.0,
        5,
    )
    assert (resolution["Median hours"], resolution["90th percentile hours"]) == (5.0, 20.0)


def test_restitution(data):
    d = restitution(everything())
    kind = table(d, "by_kind")["refund"]
    assert (kind["Currency"], kind["Total"], kind["Count"]) == ("GBP", Decimal("20.00"), 1)
    per = table(d, "per_recovered_customer")["GBP"]
    assert per["Recovered customers"] == 1 and per["Cost per recovered customer"] == Decimal(
        "20.00"
    )
    assert dict(d.headline)["Needed approval %"] == 0.0


def test_retention(data):
    d = retention(everything())
    came_back = table(d, "came_back")
    assert came_back["Recovered"]["Tickets"] == 1 and came_back["Recovered"]["30 days %"] == 100.0
    assert came_back["No answer yet"]["30 days %"] == 0.0


def test_valuable(data):
    d = valuable(everything())
    tiers = table(d, "by_tier")
    assert tiers["Gold"]["Open tickets"] == 1 and tiers["Gold"]["NPS"] == 50.0
    assert [row[0] for row in d.tables["open_top_customers"].rows] == ["Ann Lee"]


def test_engagement_has_the_survey_and_notices_tables(data):
    d = engagement(everything())
    assert set(d.tables) == {"surveys", "notices"}


@pytest.mark.parametrize("name", list(DASHBOARDS))
def test_empty_range_says_so_and_never_divides_by_zero(manager_client, name):
    url = reverse("recovery:dashboard", args=[name])
    response = manager_client.get(url, {"start": "2001-01-01", "end": "2001-01-31"})
    assert response.status_code == 200
    page = response.content.decode()
    said = {"overview": "No data yet", "standards": "no data yet"}
    assert said.get(name, "No data for these filters") in page
    assert "0.0%" not in page and ">0%" not in page


def test_bad_range_is_a_form_error(manager_client):
    response = manager_client.get(
        reverse("recovery:dashboard", args=["experience"]),
        {"start": "2026-02-01", "end": "2026-01-01"},
    )
    assert "The end is before the start." in response.content.decode()


@pytest.mark.parametrize("name", list(DASHBOARDS))
def test_query_count_does_not_grow_with_the_data(manager_client, data, manager, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("recovery:dashboard", args=[name])
    with CaptureQueriesContext(connection) as few:
        assert manager_client.get(url).status_code == 200
    q = {question.kind: question.pk for question in data["survey"].questions.all()}
    for n in range(15):
        customer = customer_resolve(email=f"c{n}@example.com").customer
        response_submit(
            survey=data["survey"], customer=customer, channel="web", answers={q["nps"]: n % 11}
        )
        ticket_create(customer=customer, subject=f"Issue {n}", actor=manager)
    with CaptureQueriesContext(connection) as many:
        page = manager_client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)
    if name != "engagement":  # no invitations in this data set: nothing to draw there
        assert "<svg" in page.content.decode()


def test_csv_and_permissions(manager_client, agent, data):
    url = reverse("recovery:dashboard", args=["experience"])
    csv_text = manager_client.get(url, {"export": "by_channel"}).content.decode()
    assert (
        csv_text.splitlines()[0]
        == "Channel,NPS,NPS answers,CSAT %,CSAT answers,CES mean,CES answers"
    )
    assert "E-mail,-100.0,1,0.0,1,2.0,1" in csv_text
    from django.test import Client

    from tests.factories import PASSWORD

    other = Client()
    other.login(username=agent.username, password=PASSWORD)
    assert other.get(url).status_code == 403


def test_api_gives_the_same_figures(api_client, manager, agent, data):
    api_client.force_authenticate(manager)
    body = api_client.get("/api/v1/reports/experience/").json()
    assert body["headline"]["NPS"] == 0.0
    assert body["tables"]["by_channel"]["columns"][0] == "Channel"
    assert api_client.get("/api/v1/reports/experience/", {"start": "not a date"}).status_code == 400
    assert api_client.get("/api/v1/reports/nonsense/").status_code == 404
    api_client.force_authenticate(agent)
    assert api_client.get("/api/v1/reports/experience/").status_code == 403


def test_charts_carry_no_script():
    """The Content-Security-Policy allows no inline script; pygal writes one by default."""
    from recovery.dashboards.charts import svg
    from recovery.dashboards.figures import Table

    table = Table(
        title="NPS by week",
        columns=["week", "NPS"],
        rows=[["2026-11-02", 10], ["2026-11-09", 20]],
        chart="line",
        series=(1,),
    )
    drawn = str(svg(table))
    assert drawn.startswith("<svg") and "<script" not in drawn.lower()


def test_the_funnel_never_goes_up_whoever_recorded_the_answer(manager):
    """Tickets closed as recovered by hand, with no follow-up answer on record, once made
    "Follow-up answered 2 → Recovered 21": every stage now needs the ones before it."""
    from recovery.services.workflow import ticket_close
    from tests.factories import reassured

    customer = customer_resolve(email="dee@example.com").customer
    for n in range(3):
        ticket = ticket_create(customer=customer, subject=f"Case {n}", actor=manager)
        if n == 0:
            ticket = reassured(ticket, manager)
            ticket = ticket_resolve(ticket=ticket, actor=manager, no_restitution_reason="none")
        ticket_close(ticket=ticket, actor=manager, reason="told us by phone", recovered=True)
    d = funnel(everything())
    stages = {row[0]: row[1] for row in d.tables["funnel"].rows}
    assert stages["Said whether we made it right"] == 1 and stages["Recovered"] == 1
    assert dict(d.headline)["Recovered %"] == round(100 / 3, 1)


def test_ces_has_a_chart_of_its_own(data):
    d = experience(everything())
    scores, ces = d.tables["over_time"], d.tables["ces_over_time"]
    assert [scores.columns[i] for i in scores.series] == ["NPS", "CSAT %"]
    assert ces.columns[1:] == ["CES mean", "CES answers"] and ces.series == (1,)
    assert all(row[2] for row in ces.rows)  # only periods with CES answers


def test_segments_read_as_people_say_them_in_order_and_drill_down(manager_client, data):
    from feedback_app.customers.services.profile import customer_update

    customer_update(customer=data["bob"], value_tier="platinum")  # later answers only
    d = experience(everything())
    tiers = [row[0] for row in d.tables["by_value_tier"].rows]
    assert tiers == ["Standard", "Gold"]  # the tier order, not the alphabet; labels, not codes
    assert d.tables["by_value_tier"].links[1] == reverse("customers:list") + "?value_tier=gold"
    channels = d.tables["by_channel"]
    assert [row[0] for row in channels.rows] == ["Web", "E-mail"]
    assert channels.links[0] == reverse("surveys:feedback") + "?channel=web"
    page = manager_client.get(reverse("recovery:dashboard", args=["experience"])).content.decode()
    assert 'href="/staff/surveys/feedback/?channel=web"' in page  # the table's cell
    assert 'xlink:href="/staff/surveys/feedback/?channel=web"' in page  # the chart's bar


def test_the_funnel_drills_down_to_its_tickets(manager_client, data):
    table = funnel(everything()).tables["funnel"]
    links = dict(zip([row[0] for row in table.rows], table.links, strict=True))
    recovered = manager_client.get(links["Recovered"])
    assert [t.subject for t in recovered.context["page_obj"]] == ["Late parcel"]
    tickets = manager_client.get(links["Tickets"])
    assert {t.subject for t in tickets.context["page_obj"]} == {"Late parcel", "Rude driver"}
    assert links["Apologised"] == ""  # no view of exactly those: no link rather than a wrong one


def test_a_point_in_time_drills_down_to_that_weeks_feedback(manager_client, data):
    table = experience(everything()).tables["over_time"]
    week = next(i for i, row in enumerate(table.rows) if row[1] == 0.0)  # 20 days ago: 10 and 3
    page = manager_client.get(table.links[week])
    shown = {item.pk for item in page.context["items"]}
    assert len(shown) == 2  # Ann's 10 and Bob's 3 of that week; Ann's later 8 is not there
    assert "since=" in table.links[week] and "until=" in table.links[week]

"""The manager's overview and the experience standards scorecard, on the hand-built data set of
the reports (tests/recovery/conftest.py) and on tickets placed where each verdict is known."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.services.resolve import customer_resolve
from recovery.dashboards.figures.overview import overview
from recovery.dashboards.figures.standards import apology_first, detractor_contact, scorecard
from recovery.dashboards.filters import DashboardFilterForm
from recovery.models import ExperienceStandard, MysteryScore, MysteryVisit, Ticket
from recovery.services.tickets import ticket_create
from surveys.services.building import question_add, survey_create, survey_publish
from surveys.services.responses import response_submit

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def cards(dashboard):
    return {card.key: card for card in dashboard.cards}


def test_overview_answers_with_figures_periods_and_targets(data):
    found = cards(overview(DashboardFilterForm({}).filters()))
    rate = found["recovery_rate"]
    assert (rate.value, rate.cases, rate.low_sample) == (100.0, 1, True)  # one said yes
    assert rate.previous is None and rate.change is None  # nothing before: not 0
    assert found["came_back"].value == 50.0  # Bob ordered again, Ann has not
    nps = found["nps"]
    assert (nps.value, nps.cases) == (0.0, 3)  # a promoter, a passive, a detractor
    assert nps.target == 30.0 and nps.on_target is False  # the starting NPS standard
    assert (
        found["restitution"].value == 20.0 and "20.00 per recovered" in found["restitution"].detail
    )
    assert found["shipped"].value is None and found["told"].value is None  # no data yet
    assert sum(value for _period, value in found["nps"].trend if value is not None) <= 100


def test_overview_compares_with_the_period_before(data):
    # The last 10 days against the 10 before: Ann's 8 is now, the 10 and the 3 were before.
    now = timezone.localdate()
    form = DashboardFilterForm({"start": (now - 9 * DAY).isoformat(), "end": now.isoformat()})
    nps = cards(overview(form.filters()))["nps"]
    assert (nps.value, nps.previous) == (0.0, None)  # one passive now; 20 days ago is outside
    form = DashboardFilterForm(
        {"start": (now - 14 * DAY).isoformat(), "end": now.isoformat(), "period": "week"}
    )
    nps = cards(overview(form.filters()))["nps"]
    assert (nps.value, nps.previous, nps.change) == (0.0, 0.0, 0.0)


def test_overview_page_marks_low_samples_and_links_to_the_rows(manager_client, data):
    page = manager_client.get(reverse("recovery:dashboard", args=["overview"]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "few cases (1)" in text and "below target (30.0)" in text
    assert text.count("No data yet") == 2  # shipped, told: never 0
    rate = cards(page.context["dashboard"])["recovery_rate"]
    rows = manager_client.get(rate.link)
    assert [t.subject for t in rows.context["page_obj"]] == ["Late parcel"]


def test_overview_by_api(api_client, manager, data):
    api_client.force_authenticate(manager)
    body = api_client.get("/api/v1/reports/overview/").json()
    rate = next(card for card in body["cards"] if card["key"] == "recovery_rate")
    assert rate["value"] == 100.0 and rate["low_sample"] is True and rate["unit"] == "%"


@pytest.fixture
def detractor_tickets(manager):
    survey = survey_create(name="After delivery", purpose="after_delivery")
    question = question_add(survey=survey, kind="nps", prompt="Recommend us?")
    survey_publish(survey=survey)
    now = timezone.now()
    made = []
    for n, (days_ago, apology_hours) in enumerate([(10, 1), (10, None), (0, None), (10, 30)]):
        customer = customer_resolve(email=f"d{n}@example.com").customer
        response = response_submit(
            survey=survey, customer=customer, channel="web", answers={question.pk: 2}
        ).response
        ticket = ticket_create(customer=customer, subject=f"Case {n}", item=response, actor=manager)
        opened = now - days_ago * DAY
        apologised = opened + timedelta(hours=apology_hours) if apology_hours else None
        Ticket.objects.filter(pk=ticket.pk).update(opened_at=opened, apologised_at=apologised)
        made.append(ticket)
    return made


def test_detractor_contact_judges_only_what_is_due(detractor_tickets, settings):
    settings.BUSINESS_HOURS, settings.BUSINESS_DAYS = (
        "00:00-23:59",
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    )
    f = DashboardFilterForm({}).filters()
    figure = detractor_contact(f.start, f.end)
    # Met (1 hour), missed (never), missed (30 hours, more than a day); today's: not yet due.
    assert (figure.value, figure.n) == (33.3, 3)
    assert figure.low_sample


def test_apology_first(data):
    f = DashboardFilterForm({}).filters()
    assert apology_first(f.start, f.end).value == 100.0  # Bob was apologised to, then refunded


def test_scorecard_puts_measures_beside_mystery_shoppers(manager_client, data):
    standard = ExperienceStandard.objects.get(measure="apology_first")
    form = {
        "visited_on": timezone.localdate().isoformat(),
        "channel": "web",
        "shopper": "Secret Shopping Ltd",
        "summary": "Filed a complaint about a late parcel.",
        f"result_{standard.pk}": "50",
        f"note_{standard.pk}": "The refund came in the same message as the apology.",
    }
    response = manager_client.post(reverse("recovery:mystery-visit"), form)
    assert response.status_code == 302
    visit = MysteryVisit.objects.get()
    assert [(s.standard_id, s.result) for s in visit.scores.all()] == [(standard.pk, 50)]
    row = next(
        r
        for r in scorecard(DashboardFilterForm({}).filters()).tables["standards"].rows
        if r[0] == standard.promise
    )
    assert row[2:] == [100.0, 1, None, "met (few cases)", 50.0, 1]
    page = manager_client.get(reverse("recovery:dashboard", args=["standards"])).content.decode()
    assert "Secret Shopping Ltd" in page and "partly met" in page


def test_a_visit_scored_on_nothing_is_refused_and_stores_nothing(manager_client, data):
    form = {"visited_on": timezone.localdate().isoformat(), "channel": "web", "shopper": "S"}
    response = manager_client.post(reverse("recovery:mystery-visit"), form)
    assert response.status_code == 400
    assert "Score the visit on at least one standard." in response.content.decode()
    assert not MysteryVisit.objects.exists() and not MysteryScore.objects.exists()


def test_managers_write_standards(manager_client):
    response = manager_client.post(
        reverse("recovery:standard-create"),
        {
            "promise": "Every complaint answered within four hours.",
            "measure": "apology_in_sla",
            "target": "95",
            "position": "9",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert ExperienceStandard.objects.filter(target=95, measure="apology_in_sla").exists()
    bad = manager_client.post(
        reverse("recovery:standard-create"), {"promise": "x", "target": "500"}
    )
    assert bad.status_code == 400


def test_agents_cannot_see_the_overview_or_record_visits(agent_client):
    assert agent_client.get(reverse("recovery:dashboard", args=["overview"])).status_code == 403
    assert agent_client.post(reverse("recovery:mystery-visit"), {}).status_code == 403


def test_performance_per_agent_and_team(data, manager):
    from recovery.dashboards.figures.people import performance
    from recovery.models import Team

    team = Team.objects.create(name="Deliveries")
    Ticket.objects.filter(subject="Late parcel").update(assignee=manager, team=team)
    d = performance(DashboardFilterForm({}).filters())
    agents = {row[0]: row for row in d.tables["by_assignee"].rows}
    morgan = agents["Morgan"]
    assert morgan[1] == 1 and morgan[4] == 100.0 and morgan[5] == 1  # recovered, of one answer
    assert morgan[3] == 100.0 and morgan[2] is not None and morgan[2] >= 0
    assert morgan[6] is None and morgan[7] == 0  # no handling CSAT answered yet
    assert str(morgan[8]) == "20.00"  # the refund, per recovered customer
    assert agents["(unassigned)"][1] == 1 and agents["(unassigned)"][4] is None  # no answer yet
    teams = {row[0]: row for row in d.tables["by_team"].rows}
    assert teams["Deliveries"][1] == 1 and teams["(no team)"][1] == 1


def test_the_handling_csat_of_the_follow_up_counts_for_whoever_handled_the_ticket(data, manager):
    """The follow-up ("did we make it right?") asks how satisfied the customer is with how we
    handled it; its answer is tied to the ticket, so to the agent and team on it."""
    from recovery.dashboards.figures.people import performance
    from surveys.services.responses import response_submit

    ticket = Ticket.objects.get(subject="Late parcel")
    Ticket.objects.filter(pk=ticket.pk).update(assignee=manager)
    follow_up = ticket.follow_up
    assert follow_up is not None
    questions = {q.kind: q for q in follow_up.survey.questions.all()}
    response_submit(
        survey=follow_up.survey,
        invitation=follow_up,
        channel="web",
        answers={questions["single"].pk: "Yes", questions["csat"].pk: 4},
    )
    d = performance(DashboardFilterForm({}).filters())
    morgan = {row[0]: row for row in d.tables["by_assignee"].rows}["Morgan"]
    assert morgan[6] == 4.0 and morgan[7] == 1
    assert "Handling CSAT, mean (1-5)" in d.tables["by_assignee"].columns

"""A manager opens each dashboard and sees its charts, with the numbers beside them."""

import pytest
from playwright.sync_api import expect

from feedback_app.customers.services.resolve import customer_resolve
from recovery.dashboards.views import TITLES
from recovery.services.tickets import ticket_create
from surveys.services.responses import response_submit
from tests.factories import PASSWORD, delivery_survey, staff_user


@pytest.mark.django_db(transaction=True)
def test_manager_sees_every_dashboard(page):
    manager = staff_user("manager", username="morgan")
    survey = delivery_survey()
    nps = survey.questions.get(kind="nps")
    for n, score in enumerate((10, 9, 3, 7)):
        customer = customer_resolve(email=f"c{n}@example.com").customer
        response_submit(survey=survey, customer=customer, channel="web", answers={nps.pk: score})
        ticket_create(customer=customer, subject=f"Problem {n}", actor=manager)

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("morgan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Reports").click()
    for title in TITLES.values():
        page.get_by_role("navigation", name="Dashboards").get_by_role(
            "link", name=str(title), exact=True
        ).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(str(title))
    page.get_by_role("link", name="Experience", exact=True).click()
    expect(page.get_by_role("img", name="Chart: Scores by week").first).to_be_visible()
    expect(page.get_by_role("heading", name="Scores by channel")).to_be_visible()
    page.get_by_role("navigation", name="Dashboards").get_by_role(
        "link", name="Failure and recovery"
    ).click()
    expect(page.get_by_test_id("chart-funnel").locator("svg")).to_be_visible()

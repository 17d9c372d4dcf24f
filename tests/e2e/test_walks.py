"""Two walks through the app as the people who use it, each page checked by axe-core and kept as
a screenshot in test-artifacts/: an agent's morning (home, the queue, the ticket due next, a reply,
the apology) and a manager's minute (the overview, the rows behind a figure, the scorecard)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from feedback_app.customers.services.resolve import customer_resolve
from recovery.models import Ticket
from recovery.services.workflow import ticket_close
from surveys.services.responses import response_submit
from tests.e2e.conftest import ARTIFACTS, axe_violations
from tests.factories import PASSWORD, delivery_survey, open_ticket, staff_user

SERIOUS = ("serious", "critical")


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def keep(page, name: str, found: list):
    """Check the page with axe and keep its screenshot."""
    found += axe_violations(page, impacts=SERIOUS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_an_agents_morning(page):
    alex = staff_user("agent", username="alex", first_name="Alex")
    later = open_ticket(
        email="bo@example.com", full_name="Bo Chan", subject="Wrong colour", assignee=alex
    )
    soonest = open_ticket(
        email="ann@example.com",
        full_name="Ann Lee",
        subject="The lamp arrived smashed",
        assignee=alex,
        topics=["delivery"],
    )
    now = timezone.now()
    Ticket.objects.filter(pk=soonest.pk).update(apology_due_at=now + timedelta(minutes=50))
    Ticket.objects.filter(pk=later.pk).update(apology_due_at=now + timedelta(hours=20))
    found = []

    sign_in(page, "alex")
    desk = page.get_by_test_id("desk")
    expect(desk).to_contain_text("My tickets needing action")
    expect(desk.get_by_role("link").first).to_have_text("The lamp arrived smashed")
    keep(page, "agent-morning-1-home", found)

    page.get_by_test_id("saved-views").get_by_role("link", name="Mine").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("The lamp arrived smashed")  # due soonest, on top
    keep(page, "agent-morning-2-queue", found)

    rows.first.get_by_role("link", name="The lamp arrived smashed").click()
    expect(page.get_by_role("heading", name="What the customer told us")).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("No earlier tickets.")
    keep(page, "agent-morning-3-ticket", found)

    page.get_by_label("Reply to the customer").fill(
        "Ann, I have asked the courier for the driver's photo and will write by noon."
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Sent to the customer.")).to_be_visible()
    apology = page.get_by_role("region", name="1. Apologise")
    apology.get_by_role("button", name="Send apology").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Apologised")
    keep(page, "agent-morning-4-apologised", found)
    assert not found, "\n".join(found)


@pytest.mark.django_db(transaction=True)
def test_a_managers_minute(page):
    morgan = staff_user("manager", username="morgan", first_name="Morgan")
    survey = delivery_survey()
    nps = survey.questions.get(kind="nps")
    for n, (score, recovered) in enumerate([(10, True), (9, True), (3, False), (6, True)]):
        customer = customer_resolve(email=f"c{n}@example.com", full_name=f"Customer {n}").customer
        response_submit(survey=survey, customer=customer, channel="web", answers={nps.pk: score})
        ticket = open_ticket(email=f"c{n}@example.com", subject=f"Problem {n}")
        ticket_close(ticket=ticket, actor=morgan, reason="Sorted by phone", recovered=recovered)
    found = []

    sign_in(page, "morgan")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    rate = page.get_by_test_id("card-recovery_rate")
    expect(rate.get_by_test_id("value")).to_have_text("75.0%")
    expect(rate.get_by_test_id("low-sample")).to_have_text("few cases (4)")
    expect(page.get_by_test_id("card-shipped").get_by_test_id("value")).to_have_text("No data yet")
    keep(page, "manager-minute-1-overview", found)

    rate.get_by_role("link", name="See what is behind it").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)  # the three who said we made it right
    keep(page, "manager-minute-2-rows", found)

    page.go_back()
    page.get_by_role("link", name="Our standards and the mystery shoppers' scores").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Experience standards")
    page.get_by_role("link", name="Record a mystery shopper's visit").click()
    page.get_by_label("Shopper").fill("Secret Shopping Ltd")
    page.get_by_label("Channel").select_option("web")
    page.get_by_label("Customers say we made it right.", exact=True).select_option("100")
    page.get_by_role("button", name="Record the visit").click()
    expect(page.get_by_test_id("scorecard")).to_contain_text("Customers say we made it right.")
    expect(page.get_by_text("Secret Shopping Ltd")).to_be_visible()
    keep(page, "manager-minute-3-scorecard", found)
    assert not found, "\n".join(found)

"""A customer files a complaint on a phone; an agent finds it triaged, with its ticket."""

import pytest
from playwright.sync_api import expect

from recovery.models import Ticket
from surveys.models import Complaint
from tests.factories import PASSWORD, staff_user


@pytest.mark.django_db(transaction=True)
def test_customer_complains_and_an_agent_sees_why_it_matters(phone_page, page):
    phone_page.goto("/")
    phone_page.get_by_role("link", name="Tell us what went wrong").click()
    phone_page.get_by_label("Your name").fill("Ann Lee")
    phone_page.get_by_label("E-mail address").fill("ann@example.com")
    phone_page.get_by_label("Order or reference number").fill("A-1001")
    phone_page.get_by_label("What happened?").fill(
        "I was charged twice and want a refund. Never again!"
    )
    phone_page.get_by_role("button", name="Send").click()
    expect(
        phone_page.get_by_role("heading", name="Thank you, Ann Lee. We have your message.")
    ).to_be_visible()

    complaint = Complaint.objects.get()
    assert complaint.sentiment == "negative" and complaint.severity == 3  # triaged on commit
    ticket = Ticket.objects.get()

    staff_user("agent", username="alex")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Feedback").click()
    page.get_by_label("Sentiment").select_option("negative")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=f"Complaint #{complaint.pk}").click()
    expect(page.get_by_text("Money at stake:")).to_contain_text("refund")
    expect(page.get_by_text("May leave us: “never again”")).to_be_visible()
    page.get_by_role("link", name=f"Recovery ticket #{ticket.pk}").click()
    expect(page.get_by_role("heading", name=f"Ticket #{ticket.pk}")).to_be_visible()

"""An agent signs in and lands on the staff home page."""

import pytest
from playwright.sync_api import expect

from feedback_app.customers.services.resolve import customer_resolve
from tests.factories import PASSWORD, staff_user


@pytest.mark.django_db(transaction=True)
def test_agent_signs_in_and_sees_the_staff_home(page):
    staff_user("agent", username="alex", first_name="Alex")
    customer_resolve(email="ann@example.com", full_name="Ann Lee")

    page.goto("/staff/")
    expect(page).to_have_url("/accounts/login/?next=/staff/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Hello, Alex")).to_be_visible()
    expect(page.get_by_text("Signed in as Support agent")).to_be_visible()
    expect(page.get_by_test_id("customer-count")).to_have_text("1")
    page.get_by_role("link", name="Ann Lee").click()
    expect(page.get_by_role("heading", name="Ann Lee")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("Profile created")


@pytest.mark.django_db(transaction=True)
def test_wrong_password_keeps_the_agent_out(page):
    staff_user("agent", username="alex")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()

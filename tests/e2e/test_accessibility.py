"""Accessible to everyone: axe-core checks every customer page against WCAG 2.1 AA (any
violation fails) and the main staff pages for serious or critical violations, in their error
states too; and the known barriers stay fixed (focus on the error summary, the 0-10 scale at
320 px with 44 px targets, phone fields that say what they are)."""

import pytest
from playwright.sync_api import expect

from feedback_app.customers.services.resolve import customer_resolve
from tests.e2e.conftest import axe_violations
from tests.factories import (
    PASSWORD,
    conditional_survey,
    delivered_invitation,
    delivery_survey,
    open_ticket,
    staff_user,
)

SERIOUS = ("serious", "critical")


@pytest.mark.django_db(transaction=True)
def test_customer_pages_meet_wcag_aa(phone_page):
    found = []
    token = delivered_invitation().token
    phone_page.goto("/")
    found += axe_violations(phone_page)
    phone_page.goto(f"/s/{token}/")
    found += axe_violations(phone_page)
    phone_page.get_by_role("button", name="Send my answers").click()  # the error state
    found += axe_violations(phone_page)
    score = phone_page.get_by_role("group", name="How likely are you to recommend us to a friend?")
    score.get_by_text("3", exact=True).click()
    phone_page.get_by_role("button", name="Send my answers").click()
    expect(phone_page.get_by_role("heading", name="We are sorry")).to_be_visible()
    found += axe_violations(phone_page)  # the detractor's thank-you
    phone_page.goto(f"/s/{token}/")
    found += axe_violations(phone_page)  # answered already
    phone_page.goto("/s/no-such-token/")
    found += axe_violations(phone_page)
    survey = delivery_survey(name="In store", public_link_enabled=True)
    phone_page.goto(f"/s/p/{survey.public_token}/")
    found += axe_violations(phone_page)
    phone_page.goto("/complaint/")
    found += axe_violations(phone_page)
    phone_page.get_by_role("button", name="Send").click()
    found += axe_violations(phone_page)  # every field wrong
    phone_page.get_by_label("Your name").fill("Ann Lee")
    phone_page.get_by_label("E-mail address").fill("ann@example.com")
    phone_page.get_by_label("What happened?").fill("The lamp arrived broken.")
    phone_page.get_by_role("button", name="Send").click()
    expect(phone_page.get_by_role("heading", name="Thank you, Ann Lee. We have")).to_be_visible()
    found += axe_violations(phone_page)
    ann = customer_resolve(email="ann@example.com").customer
    phone_page.goto(f"/c/{ann.token}/preferences/")
    found += axe_violations(phone_page)
    phone_page.goto(f"/c/{ann.token}/unsubscribe/")
    found += axe_violations(phone_page)
    # A survey one question at a time, opened from a one-click link (saved by itself), with
    # questions that follow the answer.
    from surveys.services.invitations import invitation_create

    stepped = conditional_survey(one_at_a_time=True, name="Stepped")
    invitation = invitation_create(survey=stepped, customer=ann)
    phone_page.goto(f"/s/{invitation.token}/?score=3")
    expect(phone_page.get_by_test_id("quick-saved")).to_be_visible()
    found += axe_violations(phone_page)
    phone_page.get_by_role("button", name="Next").click()
    phone_page.get_by_role("button", name="Next").click()  # what went wrong is required
    found += axe_violations(phone_page)  # the step's own error
    phone_page.goto("/c/no-such-token/preferences/")
    found += axe_violations(phone_page)
    phone_page.goto("/we-did/")
    found += axe_violations(phone_page)
    ticket = open_ticket()
    phone_page.goto(f"/case/{ticket.case_token}/")
    found += axe_violations(phone_page)
    phone_page.get_by_role("button", name="Send").last.click()  # an empty reply: its error
    found += axe_violations(phone_page)
    assert not found, "\n".join(found)


@pytest.mark.django_db(transaction=True)
def test_staff_pages_have_no_serious_violation(page):
    staff_user("manager", username="morgan")
    ticket = open_ticket()
    survey = conditional_survey()
    found = []
    page.goto("/accounts/login/")
    found += axe_violations(page, impacts=SERIOUS)
    page.get_by_label("Username").fill("morgan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for path in (
        "/staff/",
        "/staff/recovery/",
        ticket.get_absolute_url(),
        "/staff/recovery/dashboards/overview/",
        "/staff/recovery/dashboards/experience/",
        "/staff/recovery/dashboards/standards/",
        "/staff/recovery/standards/visits/new/",
        "/staff/surveys/feedback/",
        "/staff/customers/",
        "/staff/recovery/improvements/",
        f"/staff/surveys/{survey.pk}/?tab=funnel",
        f"/staff/surveys/{survey.pk}/",
        f"/staff/surveys/{survey.pk}/preview/",
        "/staff/surveys/rules/new/",
    ):
        page.goto(path)
        found += axe_violations(page, impacts=SERIOUS)
    assert not found, "\n".join(found)


@pytest.mark.django_db(transaction=True)
def test_the_scale_fits_a_320px_screen_with_44px_targets(browser, live_server):
    token = delivered_invitation().token
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 320, "height": 640}, is_mobile=True
    )
    page = context.new_page()
    try:
        page.goto(f"/s/{token}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        group = page.get_by_role("group", name="How likely are you to recommend us to a friend?")
        sizes = group.locator("label.scale-button").evaluate_all(
            "labels => labels.map(l => [l.getBoundingClientRect().width,"
            " l.getBoundingClientRect().height])"
        )
        assert len(sizes) == 11
        assert all(width >= 44 and height >= 44 for width, height in sizes), sizes
        assert not axe_violations(page)
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_errors_are_said_once_and_the_focus_goes_to_them(phone_page):
    phone_page.goto("/complaint/")
    phone = phone_page.get_by_label("Phone number")
    assert phone.get_attribute("type") == "tel" and phone.get_attribute("autocomplete") == "tel"
    assert phone_page.get_by_label("Your name").get_attribute("autocomplete") == "name"
    assert phone_page.get_by_label("E-mail address").get_attribute("autocomplete") == "email"
    phone_page.get_by_label("Your name").fill("Ann Lee")
    phone_page.get_by_label("What happened?").fill("The lamp arrived broken.")
    phone_page.get_by_role("button", name="Send").click()
    summary = phone_page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    said = "Give us an e-mail address or a phone number so we can reply."
    # Once in the summary (a link to the field) and once beside the field: not twice over.
    expect(phone_page.get_by_text(said, exact=True)).to_have_count(1)
    expect(summary).to_contain_text(said)
    expect(phone_page.get_by_label("E-mail address")).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone_page.get_by_label("What happened?")).to_have_value("The lamp arrived broken.")

    token = delivered_invitation().token
    phone_page.goto(f"/s/{token}/")
    phone_page.get_by_role("button", name="Send my answers").click()
    expect(phone_page.locator("[data-error-summary]")).to_be_focused()
    phone_page.locator("[data-error-summary] a").first.click()
    assert phone_page.evaluate("location.hash").startswith("#q-")

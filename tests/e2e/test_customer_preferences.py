"""A customer opens their own link on a phone and changes what we may send them."""

import pytest
from playwright.sync_api import expect

from feedback_app.customers.models import ContactPreference
from feedback_app.customers.services.resolve import customer_resolve


@pytest.mark.django_db(transaction=True)
def test_customer_opts_out_of_surveys_on_a_phone(phone_page):
    ann = customer_resolve(email="ann@example.com", full_name="Ann Lee").customer

    phone_page.goto(f"/c/{ann.token}/preferences/")
    expect(phone_page.get_by_role("heading", name="What may we send you, Ann Lee?")).to_be_visible()
    assert not ContactPreference.objects.exists()  # opening the link changed nothing

    switch = phone_page.get_by_label("E-mail: surveys and news of what changed because of feedback")
    expect(switch).to_be_checked()
    switch.uncheck()
    phone_page.get_by_role("button", name="Save my choices").click()

    expect(
        phone_page.get_by_role("heading", name="Thank you, your choices are saved")
    ).to_be_visible()
    pref = ContactPreference.objects.get(customer=ann, channel="email")
    assert pref.allow_contact and not pref.allow_solicitations
    # nothing on the page is wider than the phone
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


@pytest.mark.django_db(transaction=True)
def test_unknown_link_gets_a_friendly_page(phone_page):
    phone_page.goto("/c/no-such-token/preferences/")
    expect(phone_page.get_by_role("heading", name="We could not find this link")).to_be_visible()

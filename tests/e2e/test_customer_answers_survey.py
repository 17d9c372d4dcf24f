"""A customer answers a survey on a phone, from the link in their invitation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import Response
from surveys.services.invitations import event_record
from tests.factories import TriggerRuleFactory, delivered_invitation, delivery_survey


@pytest.mark.django_db(transaction=True)
def test_customer_answers_on_a_phone(phone_page):
    invitation = delivered_invitation()

    phone_page.goto(f"/s/{invitation.token}/")
    expect(phone_page.get_by_role("heading", name="Ann, how did we do?")).to_be_visible()
    expect(phone_page.get_by_text("Harbour & Co is asking about A-1001")).to_be_visible()
    assert not Response.objects.exists()  # opening the link recorded nothing

    # Sending without the required score shows the error next to the question and keeps the rest.
    phone_page.get_by_label("Anything else you want to tell us?").fill(
        "The driver was kind but late."
    )
    phone_page.get_by_role("button", name="Send my answers").click()
    expect(phone_page.get_by_text("Please answer this question.", exact=True)).to_be_visible()
    expect(phone_page.get_by_label("Anything else you want to tell us?")).to_have_value(
        "The driver was kind but late."
    )

    score = phone_page.get_by_role("group", name="How likely are you to recommend us to a friend?")
    score.get_by_text("6", exact=True).click()
    phone_page.get_by_label("No, it was late").check()
    phone_page.get_by_role("button", name="Send my answers").click()

    # a detractor's answer opens a case: the page says sorry and that someone will be in touch
    expect(phone_page.get_by_role("heading", name="We are sorry")).to_be_visible()
    expect(phone_page.get_by_test_id("sorry")).to_contain_text("be in touch")
    response = Response.objects.get()
    answers = {a.question.kind: a for a in response.answers.select_related("question")}
    assert answers["nps"].number == 6
    assert answers["single"].choices == ["No, it was late"]
    assert answers["text"].text == "The driver was kind but late."
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    # The link answers once.
    phone_page.goto(f"/s/{invitation.token}/")
    expect(phone_page.get_by_role("heading", name="We already have your answers")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_score_can_be_given_with_the_keyboard(page):
    survey = delivery_survey()
    TriggerRuleFactory(survey=survey, delay=timedelta(0))
    invitation = event_record(
        event_type="order.delivered", occurred_at=timezone.now(), email="ann@example.com"
    ).invitations[0]
    page.goto(f"/s/{invitation.token}/")
    first = page.locator("input[type=radio]").first
    first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="We are sorry")).to_be_visible()
    assert Response.objects.get().answers.get(question__kind="nps").number == 2


@pytest.mark.django_db(transaction=True)
def test_one_click_in_the_email_answers_and_a_link_scanner_stores_nothing(phone_page):
    import re

    from django.core import mail

    from surveys.models import ReceivedAnswers
    from surveys.services.received import QUICK_HOLD, received_sweep

    delivered_invitation()
    html = mail.outbox[-1].alternatives[0][0]
    link = re.search(r'href="([^"]*\?score=9)"', html).group(1)
    path = link[link.index("/s/") :]

    # A link scanner fetches every link in the e-mail and runs no script: nothing is kept.
    assert phone_page.request.get(path).status == 200
    assert not ReceivedAnswers.objects.exists() and not Response.objects.exists()

    # The customer's one click: the page opens with 9 chosen and saves it by itself.
    phone_page.goto(path)
    expect(phone_page.get_by_test_id("quick-saved")).to_be_visible()
    expect(phone_page.get_by_test_id("quick-chosen")).to_be_hidden()
    row = ReceivedAnswers.objects.get()
    assert row.partial and list(row.answers.values()) == ["9"]

    # A reload keeps it, chosen, and saves nothing twice.
    phone_page.reload()
    expect(phone_page.get_by_test_id("quick-saved")).to_be_visible()
    score = phone_page.get_by_role("group", name="How likely are you to recommend us to a friend?")
    expect(score.get_by_role("radio", name="9")).to_be_checked()
    assert ReceivedAnswers.objects.count() == 1

    # If they stop there, the score is stored as it is once the hold passes.
    received_sweep(now=timezone.now() + QUICK_HOLD + timedelta(minutes=2))
    assert Response.objects.get().answers.get(question__kind="nps").number == 9

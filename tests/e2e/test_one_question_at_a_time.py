"""One question at a time on a phone: progress, Back, a reload in the middle keeps the answers;
on a wide screen, and without JavaScript, the survey stays one page."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import Response
from surveys.services.invitations import event_record
from tests.factories import conditional_survey


@pytest.fixture
def link():
    conditional_survey(one_at_a_time=True)
    invitation = event_record(
        event_type="order.delivered", occurred_at=timezone.now(), email="ann@example.com"
    ).invitations[0]
    return f"/s/{invitation.token}/"


@pytest.mark.django_db(transaction=True)
def test_a_phone_answers_one_question_at_a_time_and_a_reload_keeps_the_answers(phone_page, link):
    page = phone_page
    page.goto(link)
    progress = page.locator("[data-step-label]")
    send = page.get_by_role("button", name="Send my answers")
    expect(progress).to_have_text("Question 1 of 2")
    expect(page.get_by_role("group", name="Recommend us?")).to_be_visible()
    expect(page.get_by_role("group", name="Parcel on time?")).to_be_hidden()
    expect(send).to_be_hidden()
    expect(page.get_by_role("button", name="Back")).to_be_disabled()

    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Please answer this question.")).to_be_visible()
    expect(progress).to_have_text("Question 1 of 2")

    page.get_by_role("group", name="Recommend us?").get_by_text("4", exact=True).click()
    expect(page.get_by_text("Please answer this question.")).to_be_hidden()
    expect(progress).to_have_text("Question 1 of 3")  # a detractor is asked what went wrong
    page.get_by_role("button", name="Next").click()
    expect(progress).to_have_text("Question 2 of 3")
    page.get_by_label("What went wrong?").fill("Too slow.")

    page.reload()
    expect(progress).to_have_text("Question 2 of 3")
    expect(page.get_by_label("What went wrong?")).to_have_value("Too slow.")
    page.get_by_role("button", name="Back").click()
    expect(progress).to_have_text("Question 1 of 3")
    score = page.get_by_role("group", name="Recommend us?")
    expect(score.get_by_role("radio", name="4")).to_be_checked()

    for _ in range(2):
        page.get_by_role("button", name="Next").click()
    expect(progress).to_have_text("Question 3 of 3")
    expect(send).to_be_visible()  # the last question so far
    page.get_by_label("No, it was late").check()
    expect(progress).to_have_text("Question 3 of 4")  # how late, now
    expect(send).to_be_hidden()
    page.get_by_role("button", name="Next").click()
    expect(progress).to_have_text("Question 4 of 4")
    expect(page.get_by_role("button", name="Next")).to_be_hidden()
    send.click()

    expect(page.get_by_role("heading", name="We are sorry")).to_be_visible()
    answers = {
        a.question.prompt: (a.number, a.choices, a.text)
        for a in Response.objects.get().answers.select_related("question")
    }
    assert answers == {
        "Recommend us?": (4, [], ""),
        "What went wrong?": (None, [], "Too slow."),
        "Parcel on time?": (None, ["No, it was late"], ""),
    }
    # Sent: nothing is kept in the tab for the next visit.
    assert page.evaluate("window.sessionStorage.length") == 0


@pytest.mark.django_db(transaction=True)
def test_a_wide_screen_and_a_page_without_script_show_every_question(
    page, browser, live_server, link
):
    page.goto(link)
    expect(page.get_by_role("group", name="Parcel on time?")).to_be_visible()
    expect(page.locator("[data-step-label]")).to_be_hidden()
    expect(page.get_by_role("button", name="Send my answers")).to_be_visible()

    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    plain = context.new_page()
    plain.goto(link)
    for name in ("Recommend us?", "What went wrong?", "Parcel on time?", "How late was it?"):
        expect(plain.get_by_role("group", name=name)).to_be_visible()
    expect(
        plain.get_by_text("Only if the answer to \u201cRecommend us?\u201d is 0\u20136")
    ).to_be_visible()
    plain.get_by_role("group", name="Recommend us?").get_by_text("9", exact=True).click()
    plain.get_by_label("What went wrong?").fill("typed, though a promoter")
    plain.get_by_role("button", name="Send my answers").click()
    expect(plain.get_by_role("heading", name="Thank you")).to_be_visible()
    context.close()
    kept = set(Response.objects.get().answers.values_list("question__prompt", flat=True))
    assert kept == {"Recommend us?"}

"""A survey whose questions follow the answer: a detractor and a promoter take different paths
through it, on a phone, and read different endings."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import Answer, Invitation, Response
from surveys.services.invitations import event_record
from tests.factories import conditional_survey


@pytest.fixture
def survey():
    return conditional_survey(
        thank_you="Thank you.",
        thank_you_detractor="We are sorry the delivery let you down.",
        thank_you_promoter="That made our day.",
        review_url="https://reviews.example/our-shop",
    )


def invitation_for(email):
    return event_record(
        event_type="order.delivered",
        occurred_at=timezone.now(),
        email=email,
        full_name="Ann Lee",
        data={"order": "A-1001"},
    ).invitations[0]


@pytest.mark.django_db(transaction=True)
def test_a_detractor_is_asked_what_went_wrong_and_told_someone_will_be_in_touch(survey, phone_page):
    phone_page.goto(f"/s/{invitation_for('ann@example.com').token}/")
    wrong = phone_page.get_by_label("What went wrong?")
    liked = phone_page.get_by_label("What did you like?")
    expect(wrong).to_be_hidden()
    expect(liked).to_be_hidden()

    phone_page.get_by_role("group", name="Recommend us?").get_by_text("3", exact=True).click()
    expect(wrong).to_be_visible()
    expect(liked).to_be_hidden()
    # With the script running, the words written for pages without it are not shown.
    expect(phone_page.get_by_text("Only if the answer to").first).to_be_hidden()
    phone_page.get_by_role("button", name="Send my answers").click()
    expect(phone_page.get_by_text("Please answer this question.", exact=True)).to_be_visible()
    expect(wrong).to_be_visible()  # the chosen score came back with the page, and so did the rule
    wrong.fill("The box was crushed.")
    phone_page.get_by_role("button", name="Send my answers").click()

    expect(phone_page.get_by_role("heading", name="We are sorry")).to_be_visible()
    sorry = phone_page.get_by_test_id("sorry")
    expect(sorry).to_contain_text("We are sorry the delivery let you down.")
    expect(sorry).to_contain_text("be in touch")
    expect(phone_page.get_by_test_id("review-link")).to_have_count(0)
    texts = set(Answer.objects.exclude(text="").values_list("text", flat=True))
    assert texts == {"The box was crushed."}
    # The page's script told the funnel it was seen and how far the customer got.
    invitation = Invitation.objects.get(response__isnull=False)
    assert invitation.opened_at is not None and invitation.started_at is not None
    assert invitation.reached == 2


@pytest.mark.django_db(transaction=True)
def test_a_promoter_skips_what_went_wrong_and_is_invited_to_review(survey, phone_page):
    phone_page.goto(f"/s/{invitation_for('bo@example.com').token}/")
    scale = phone_page.get_by_role("group", name="Recommend us?")
    wrong = phone_page.get_by_label("What went wrong?")
    # Started as a detractor, typed, then changed their mind: the typing is not sent.
    scale.get_by_text("2", exact=True).click()
    wrong.fill("Nothing really")
    scale.get_by_text("10", exact=True).click()
    expect(wrong).to_be_hidden()
    phone_page.get_by_label("What did you like?").fill("Quick and careful.")

    late = phone_page.get_by_label("How late was it?")
    expect(late).to_be_hidden()
    phone_page.get_by_label("No, it was late").check()
    expect(late).to_be_visible()
    phone_page.get_by_label("Yes", exact=True).check()
    expect(late).to_be_hidden()
    phone_page.get_by_role("button", name="Send my answers").click()

    expect(phone_page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(phone_page.get_by_test_id("ending")).to_have_text("That made our day.")
    review = phone_page.get_by_test_id("review-link")
    expect(review).to_have_attribute("href", "https://reviews.example/our-shop")
    response = Response.objects.get()
    kept = {a.question.prompt for a in response.answers.select_related("question")}
    assert kept == {"Recommend us?", "What did you like?", "Parcel on time?"}
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

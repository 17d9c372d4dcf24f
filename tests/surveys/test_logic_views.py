"""Questions that follow the answer and endings, as customers and managers meet them."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, Question
from surveys.services.building import question_add, survey_update
from surveys.services.invitations import event_record
from tests.factories import SurveyFactory, conditional_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return conditional_survey(
        thank_you="Thank you.",
        thank_you_detractor="We read every word of this.",
        thank_you_promoter="That made our day.",
        review_url="https://reviews.example/shop",
    )


def invite(survey, email="ann@example.com"):
    return event_record(
        event_type="order.delivered",
        occurred_at=timezone.now(),
        email=email,
        full_name="Ann Lee",
        data={"order": "A-1001"},
    ).invitations[0]


def fields(survey):
    return {q.prompt: f"q{q.pk}" for q in survey.questions.all()}


def test_the_page_carries_each_condition_for_its_script_and_in_words(client, survey):
    page = client.get(reverse("survey-answer", args=[invite(survey).token])).content.decode()
    names = fields(survey)
    assert 'src="/static/js/survey.js"' in page
    rules = [
        json.loads(chunk.split('"', 1)[0].replace("&quot;", '"'))
        for chunk in page.split('data-show-if="')[1:]
    ]
    assert rules == [
        {"field": names["Recommend us?"], "values": [str(n) for n in range(0, 7)]},
        {"field": names["Recommend us?"], "values": ["9", "10"]},
        {"field": names["Parcel on time?"], "values": ["No, it was late"]},
    ]
    assert (
        "Only if the answer to \u201cRecommend us?\u201d is 0\u20136; otherwise leave it out."
        in page
    )


def test_a_detractor_must_say_what_went_wrong_and_reads_the_sorry_ending(client, survey):
    invitation = invite(survey)
    names = fields(survey)
    answer = reverse("survey-answer", args=[invitation.token])
    refused = client.post(answer, {names["Recommend us?"]: "2"})
    assert refused.status_code == 400 and "Please answer this question." in refused.content.decode()
    page = client.post(answer, {names["Recommend us?"]: "2", names["What went wrong?"]: "Late"})
    html = page.content.decode()
    assert "We read every word of this. A person from our customer care team" in html
    assert "review-link" not in html


def test_a_promoter_gets_the_review_link_and_a_hidden_answer_is_not_kept(
    client, survey, django_capture_on_commit_callbacks
):
    from surveys.services.received import received_store

    invitation = invite(survey)
    names = fields(survey)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("survey-answer", args=[invitation.token]),
            {names["Recommend us?"]: "10", names["What went wrong?"]: "typed, then changed mind"},
        )
    html = page.content.decode()
    assert 'data-band="promoter">That made our day.' in html
    assert 'href="https://reviews.example/shop" rel="noopener noreferrer"' in html
    received_store()
    kept = set(Answer.objects.values_list("question__prompt", flat=True))
    assert kept == {"Recommend us?"}


def test_a_passive_reads_the_plain_thank_you(client, survey):
    names = fields(survey)
    page = client.post(
        reverse("survey-answer", args=[invite(survey).token]), {names["Recommend us?"]: "8"}
    )
    assert 'data-band="passive">Thank you.' in page.content.decode()


def test_the_builder_adds_a_question_that_follows_an_option_and_shows_it_plainly(
    manager_client,
):
    survey = SurveyFactory(status="draft")
    choice = question_add(
        survey=survey, kind="single", prompt="On time?", choices=["Yes", "Late", "Never came"]
    )
    detail = reverse("surveys:detail", args=[survey.pk])
    refused = manager_client.post(
        detail,
        {
            "kind": "text",
            "prompt": "How late?",
            "required": "on",
            "show_if_question": choice.pk,
            "show_if_options": "late\nSoon\n\u00b9\n" + "9" * 40,
        },
    )
    assert refused.status_code == 400
    assert "\u201cSoon\u201d is not one of its options." in refused.content.decode()
    added = manager_client.post(
        detail,
        {
            "kind": "text",
            "prompt": "How late?",
            "required": "on",
            "show_if_question": choice.pk,
            "show_if_options": "late\n3",
        },
    )
    assert added.status_code == 302
    question = survey.questions.get(prompt="How late?")
    assert question.show_if == {"question": choice.pk, "any_of": [2, 3]}
    page = manager_client.get(detail).content.decode()
    assert (
        "Only if the answer to \u201cOn time?\u201d is \u201cLate\u201d or \u201cNever came\u201d"
        in page
    )
    edit = manager_client.get(reverse("surveys:question", args=[question.pk])).content.decode()
    assert "Late\nNever came</textarea>" in edit
    # The first question cannot depend on anything; a later one cannot be chosen.
    first = manager_client.get(reverse("surveys:question", args=[choice.pk])).content.decode()
    assert "Only after an answer to" not in first


def test_the_builder_refuses_a_range_without_ends_and_moves_that_break_a_condition(
    manager_client,
):
    survey = SurveyFactory(status="draft")
    nps = question_add(survey=survey, kind="nps", prompt="Recommend us?")
    detail = reverse("surveys:detail", args=[survey.pk])
    refused = manager_client.post(
        detail, {"kind": "text", "prompt": "Why?", "show_if_question": nps.pk}
    )
    assert "Give the lowest score, the highest, or both." in refused.content.decode()
    manager_client.post(
        detail, {"kind": "text", "prompt": "Why?", "show_if_question": nps.pk, "show_if_max": 6}
    )
    why = survey.questions.get(prompt="Why?")
    moved = manager_client.post(
        reverse("surveys:question", args=[why.pk]), {"move": "up"}, follow=True
    )
    assert "depend only on one before it" in moved.content.decode()
    assert list(survey.questions.values_list("prompt", flat=True)) == ["Recommend us?", "Why?"]


def test_the_preview_lists_every_ending(manager_client, survey):
    survey_update(survey=survey, thank_you_passive="Thanks, we will do better.")
    page = manager_client.get(reverse("surveys:preview", args=[survey.pk])).content.decode()
    assert 'data-testid="endings"' in page
    for text in ("We read every word of this.", "Thanks, we will do better.", "That made our day."):
        assert text in page
    assert "https://reviews.example/shop" in page and "data-show-if" in page


def test_the_survey_form_saves_endings_and_refuses_a_script_link(manager_client, survey):
    edit = reverse("surveys:edit", args=[survey.pk])
    data = {
        "name": survey.name,
        "purpose": survey.purpose,
        "thank_you": "Thanks.",
        "thank_you_promoter": "Yay.",
        "review_url": "javascript:alert(1)",
    }
    assert manager_client.post(edit, data).status_code == 400
    data["review_url"] = "reviews.example/us"
    assert manager_client.post(edit, data).status_code == 302
    survey.refresh_from_db()
    assert survey.review_url == "https://reviews.example/us"
    assert (
        survey.thank_you_promoter == "Yay." and Question.objects.filter(survey=survey).count() == 5
    )

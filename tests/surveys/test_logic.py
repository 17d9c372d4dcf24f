"""Questions that follow the answer (show_if) and endings that fit it."""

import pytest

from feedback_app.core.errors import Conflict, DomainError
from surveys.logic import describe, ending
from surveys.models import Question
from surveys.services.building import (
    question_add,
    question_delete,
    question_move,
    question_update,
    survey_copy,
    survey_update,
)
from surveys.services.responses import AnswersInvalid, answers_clean
from tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def branching():
    """NPS first; 'what went wrong?' (required) only for 0-6; 'what did you like?' for 9-10;
    a choice, and a text only for its second or third option."""
    survey = SurveyFactory(status="draft")
    nps = question_add(survey=survey, kind="nps", prompt="Recommend us?")
    wrong = question_add(
        survey=survey,
        kind="text",
        prompt="What went wrong?",
        show_if={"question": nps.pk, "max": 6},
    )
    liked = question_add(
        survey=survey,
        kind="text",
        prompt="What did you like?",
        required=False,
        show_if={"question": nps.pk, "min": 9, "max": 10},
    )
    parcel = question_add(
        survey=survey,
        kind="single",
        prompt="Parcel on time?",
        required=False,
        choices=["Yes", "Late", "Never came"],
    )
    late = question_add(
        survey=survey,
        kind="text",
        prompt="How late?",
        show_if={"question": parcel.pk, "any_of": [3, 2, 2]},
    )
    return survey, nps, wrong, liked, parcel, late


def stored(survey, answers):
    survey.refresh_from_db()  # its questions are kept by version (updated_at)
    return {
        a.question.prompt: (a.number, a.choices, a.text)
        for a in answers_clean(survey=survey, answers=answers)
    }


def test_conditions_are_kept_in_one_form(branching):
    survey, nps, wrong, liked, parcel, late = branching
    assert wrong.show_if == {"question": nps.pk, "min": 0, "max": 6}
    assert liked.show_if == {"question": nps.pk, "min": 9, "max": 10}
    assert late.show_if == {"question": parcel.pk, "any_of": [2, 3]}
    questions = list(survey.questions.all())
    assert (
        describe(wrong, questions) == "Only if the answer to \u201cRecommend us?\u201d is 0\u20136"
    )
    assert describe(late, questions) == (
        "Only if the answer to \u201cParcel on time?\u201d is \u201cLate\u201d or "
        "\u201cNever came\u201d"
    )


def test_a_detractor_must_say_what_went_wrong_and_a_promoter_is_not_asked(branching):
    survey, nps, wrong, liked, _parcel, _late = branching
    with pytest.raises(AnswersInvalid) as raised:
        answers_clean(survey=survey, answers={nps.pk: 3})
    assert raised.value.errors == {wrong.pk: "Please answer this question."}
    assert stored(survey, {nps.pk: "3", wrong.pk: "Broken box"}) == {
        "Recommend us?": (3, [], ""),
        "What went wrong?": (None, [], "Broken box"),
    }
    # A promoter's page never asks what went wrong: not required, and not stored if sent.
    assert stored(survey, {nps.pk: 10, wrong.pk: "typed before changing my mind"}) == {
        "Recommend us?": (10, [], "")
    }
    assert stored(survey, {nps.pk: 9, liked.pk: "Fast"})["What did you like?"][2] == "Fast"
    # Passives see neither.
    assert list(stored(survey, {nps.pk: 7, wrong.pk: "x", liked.pk: "y"})) == ["Recommend us?"]


def test_options_show_a_question_and_a_hidden_source_hides_what_follows(branching):
    survey, nps, _wrong, _liked, parcel, late = branching
    with pytest.raises(AnswersInvalid) as raised:
        answers_clean(survey=survey, answers={nps.pk: 9, parcel.pk: "Never came"})
    assert list(raised.value.errors) == [late.pk]
    assert "How late?" not in stored(survey, {nps.pk: 9, parcel.pk: "Yes", late.pk: "x"})
    # A chain: a question that depends on a hidden one is hidden too, whatever was sent for it.
    why = question_add(
        survey=survey,
        kind="single",
        prompt="Why late?",
        required=False,
        choices=["Weather", "Other"],
        show_if={"question": parcel.pk, "any_of": [2]},
    )
    more = question_add(
        survey=survey,
        kind="text",
        prompt="Tell us more",
        show_if={"question": why.pk, "any_of": [2]},
    )
    assert list(stored(survey, {nps.pk: 9, parcel.pk: "Yes", why.pk: "Other"})) == [
        "Recommend us?",
        "Parcel on time?",
    ]
    with pytest.raises(AnswersInvalid) as raised:
        survey.refresh_from_db()
        answers_clean(
            survey=survey,
            answers={nps.pk: 9, parcel.pk: "Late", late.pk: "2 days", why.pk: "Other"},
        )
    assert list(raised.value.errors) == [more.pk]


@pytest.mark.parametrize(
    "show_if, message",
    [
        ({"question": 10**6, "max": 6}, "earlier question"),
        ({"question": "1", "max": 6}, "earlier question"),
        ({"question": None, "min": 1}, "earlier question"),
        ({"max": 6}, "A condition is"),
        ([1, 2], "A condition is"),
        ("nps<7", "A condition is"),
        ({"question": "NPS", "max": 6, "extra": 1}, "A condition is"),
        ({"question": "NPS"}, "A condition is"),
        ({"question": "NPS", "max": 11}, "from 0 to 10"),
        ({"question": "NPS", "min": 2.5}, "from 0 to 10"),
        ({"question": "NPS", "min": True}, "from 0 to 10"),
        ({"question": "NPS", "min": 7, "max": 3}, "not be above"),
        ({"question": "NPS", "min": 0, "max": 10}, "every answer"),
        ({"question": "NPS", "any_of": [1]}, "range of scores"),
        ({"question": "CHOICE", "max": 3}, "not a rating"),
        ({"question": "CHOICE", "any_of": []}, "from 1 to 3"),
        ({"question": "CHOICE", "any_of": [4]}, "from 1 to 3"),
        ({"question": "CHOICE", "any_of": ["Late"]}, "from 1 to 3"),
        ({"question": "CHOICE", "any_of": [1], "min": 1}, "A condition is"),
    ],
)
def test_conditions_that_cannot_work_are_refused_with_a_reason(branching, show_if, message):
    survey, nps, _wrong, _liked, parcel, _late = branching
    if isinstance(show_if, dict) and show_if.get("question") in ("NPS", "CHOICE"):
        show_if = dict(show_if, question={"NPS": nps.pk, "CHOICE": parcel.pk}[show_if["question"]])
    with pytest.raises(DomainError) as raised:
        question_add(survey=survey, kind="text", prompt="More?", show_if=show_if)
    assert message in raised.value.message and raised.value.field == "show_if"
    assert not survey.questions.filter(prompt="More?").exists()


def test_no_loops_and_no_conditions_on_later_questions(branching):
    survey, nps, wrong, liked, parcel, late = branching
    for show_if in ({"question": late.pk, "min": 1}, {"question": nps.pk, "max": 3}):
        with pytest.raises(DomainError, match="earlier question"):
            question_update(question=nps, show_if=show_if)  # later question, or itself
    with pytest.raises(DomainError, match="earlier question"):
        question_update(question=parcel, show_if={"question": late.pk, "any_of": [1]})
    nps.refresh_from_db()
    assert nps.show_if is None
    # Moves that would put a question before the one it depends on are refused.
    with pytest.raises(Conflict, match="depend only on one before it"):
        question_move(question=wrong, offset=-1)
    with pytest.raises(Conflict, match="depend only on one before it"):
        question_move(question=nps, offset=1)
    question_move(question=liked, offset=1)  # past the choice: still after the NPS
    assert [q.prompt for q in survey.questions.all()][2] == "Parcel on time?"
    # Deleting what others depend on, or options they name, is refused.
    with pytest.raises(Conflict, match="change that condition first"):
        question_delete(question=parcel)
    with pytest.raises(DomainError, match="from 1 to 2"):
        question_update(question=parcel, choices=["Yes", "Late"])
    with pytest.raises(DomainError, match="not a rating"):
        question_update(question=nps, kind="single", choices=["A", "B"])
    question_update(question=late, show_if=None)
    question_delete(question=late)
    question_delete(question=parcel)


def test_a_copy_keeps_its_conditions_on_its_own_questions(branching):
    survey, _nps, _wrong, _liked, _parcel, _late = branching
    survey_update(survey=survey, thank_you_promoter="Glad!", review_url="https://reviews.test/x")
    copy = survey_copy(survey=survey)
    questions = {q.prompt: q for q in copy.questions.all()}
    assert questions["What went wrong?"].show_if == {
        "question": questions["Recommend us?"].pk,
        "min": 0,
        "max": 6,
    }
    assert questions["How late?"].show_if["question"] == questions["Parcel on time?"].pk
    assert copy.thank_you_promoter == "Glad!" and copy.review_url == "https://reviews.test/x"


def test_each_band_gets_its_own_ending():
    survey = SurveyFactory(
        thank_you="Thanks.",
        thank_you_detractor="Sorry.",
        thank_you_promoter="Wonderful!",
        review_url="https://reviews.test/us",
    )
    assert ending(survey, {"nps": 2}) == ("detractor", "Sorry.", "")
    assert ending(survey, {"nps": 8}) == ("passive", "Thanks.", "")
    assert ending(survey, {"nps": 10}) == ("promoter", "Wonderful!", "https://reviews.test/us")
    # NPS is the headline; without it CSAT, then CES.
    assert ending(survey, {"nps": 9, "csat": 1})[0] == "promoter"
    assert ending(survey, {"csat": 2, "ces": 7})[0] == "detractor"
    assert ending(survey, {"ces": 6})[0] == "promoter"
    assert ending(survey, {}) == ("", "Thanks.", "")


def test_a_review_link_must_be_a_web_address():
    survey = SurveyFactory()
    with pytest.raises(DomainError, match="https://"):
        survey_update(survey=survey, review_url="javascript:alert(1)")
    survey.refresh_from_db()
    assert survey.review_url == ""


def test_question_kinds_with_a_scale_are_the_ones_with_ranges():
    assert set(Question.SCALES) == {"nps", "csat", "ces"}

"""Building surveys: questions of every kind, publishing, and no destructive edit once answered."""

import pytest

from feedback_app.core.errors import Conflict, DomainError
from surveys.models import Question, Survey
from surveys.services.building import (
    question_add,
    question_delete,
    question_move,
    question_update,
    survey_close,
    survey_copy,
    survey_create,
    survey_publish,
)
from surveys.services.responses import response_submit
from tests.factories import delivery_survey

pytestmark = pytest.mark.django_db


def test_a_survey_with_every_kind_of_question(agent):
    survey = survey_create(name="  After   delivery ", purpose="after_delivery", actor=agent)
    assert survey.name == "After delivery" and survey.status == "draft"
    for kind in ("nps", "csat", "ces", "text"):
        question_add(survey=survey, kind=kind, prompt=f"A {kind} question")
    question_add(survey=survey, kind="single", prompt="Pick one", choices=["A", "B", "B", " "])
    question_add(
        survey=survey, kind="multiple", prompt="Pick some", choices=["X", "Y", "Z"], required=False
    )
    kinds = list(survey.questions.values_list("kind", "position"))
    assert kinds == [
        ("nps", 0),
        ("csat", 1),
        ("ces", 2),
        ("text", 3),
        ("single", 4),
        ("multiple", 5),
    ]
    assert survey.questions.get(kind="single").choices == ["A", "B"]
    assert Question(kind="ces").scale == (1, 7) and Question(kind="nps").scale == (0, 10)


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"kind": "stars", "prompt": "x"}, "kind"),
        ({"kind": "nps", "prompt": "   "}, "prompt"),
        ({"kind": "single", "prompt": "x", "choices": ["only one"]}, "choices"),
        ({"kind": "single", "prompt": "x", "choices": "A,B"}, "choices"),
        ({"kind": "multiple", "prompt": "x", "choices": [1, 2]}, "choices"),
    ],
)
def test_bad_questions_are_refused_with_the_field_named(kwargs, field):
    survey = survey_create(name="S", purpose="other")
    with pytest.raises(DomainError) as caught:
        question_add(survey=survey, **kwargs)
    assert caught.value.field == field
    assert not survey.questions.exists()


def test_publish_needs_a_question_and_closed_stays_closed():
    survey = survey_create(name="S", purpose="other")
    with pytest.raises(DomainError):
        survey_publish(survey=survey)
    question_add(survey=survey, kind="csat", prompt="How satisfied?")
    assert survey_publish(survey=survey).status == "live"
    survey_close(survey=survey)
    with pytest.raises(Conflict):
        survey_publish(survey=survey)


class TestAnsweredQuestionsAreProtected:
    @pytest.fixture
    def answered(self):
        survey = delivery_survey()
        nps, choice, _text = survey.questions.all()
        response_submit(survey=survey, answers={nps.pk: 9, choice.pk: "Yes"}, channel="web")
        return survey, nps, choice

    def test_wording_can_still_be_fixed(self, answered):
        _survey, nps, _choice = answered
        question_update(question=nps, prompt="How likely are you to recommend us?")
        nps.refresh_from_db()
        assert nps.prompt == "How likely are you to recommend us?"

    def test_kind_change_is_refused(self, answered):
        _survey, nps, _choice = answered
        with pytest.raises(Conflict, match="changing its kind"):
            question_update(question=nps, kind="csat")
        nps.refresh_from_db()
        assert nps.kind == "nps"

    def test_removing_an_option_is_refused_but_adding_one_is_fine(self, answered):
        _survey, _nps, choice = answered
        with pytest.raises(Conflict, match="removing or renaming options"):
            question_update(question=choice, choices=["Yes", "No"])
        question_update(question=choice, choices=[*choice.choices, "Partly"])
        choice.refresh_from_db()
        assert choice.choices[-1] == "Partly"

    def test_delete_is_refused(self, answered):
        _survey, nps, _choice = answered
        with pytest.raises(Conflict, match="cannot be deleted"):
            question_delete(question=nps)
        assert Question.objects.filter(pk=nps.pk).exists()

    def test_new_required_question_is_refused_optional_is_fine(self, answered):
        survey, _nps, _choice = answered
        with pytest.raises(Conflict):
            question_add(survey=survey, kind="csat", prompt="How satisfied?", required=True)
        question_add(survey=survey, kind="csat", prompt="How satisfied?", required=False)

    def test_copy_makes_a_new_editable_version_and_keeps_the_old_answers(self, answered):
        survey, nps, _choice = answered
        copy = survey_copy(survey=survey)
        assert copy.status == Survey.Status.DRAFT and copy.previous_version == survey
        assert copy.name.endswith("(v2)")
        assert copy.questions.count() == 3
        question_update(question=copy.questions.get(kind="nps"), kind="csat")
        assert nps.answers.count() == 1


def test_unanswered_questions_can_be_deleted_and_moved():
    survey = delivery_survey(status="draft")
    first, second, third = survey.questions.all()
    question_move(question=third, offset=-1)
    assert list(survey.questions.values_list("pk", flat=True)) == [first.pk, third.pk, second.pk]
    question_delete(question=second)
    assert survey.questions.count() == 2

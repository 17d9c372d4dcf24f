"""A survey in the customer's language: whole, or not at all.

A survey is written in one language (`Survey.language`) and may carry its texts, and its
questions' prompts, help texts and options, in others (`translations`). A customer whose
language the survey and every one of its questions have gets it in that language, our own words
around it included; anyone else gets all of it in the survey's own language, never a page half
in one and half in the other. Options keep their values as written in the survey's language
(answers, conditions, reports), only what is shown changes.
"""

from __future__ import annotations

import copy

from django.utils import translation

from feedback_app.core.translations import (
    has_language,
    missing_languages,
    other_languages,
    text_in,
)
from surveys.models import Question, Survey

SURVEY_TEXTS = (
    "intro",
    "thank_you",
    "thank_you_detractor",
    "thank_you_passive",
    "thank_you_promoter",
)
QUESTION_TEXTS = ("prompt", "help_text", "choices")


def survey_language(survey: Survey, questions, wanted: str) -> str:
    """`wanted` when the survey has it whole, else the survey's own language."""
    source = survey.language
    whole = has_language(survey, SURVEY_TEXTS, wanted, source) and all(
        has_language(q, QUESTION_TEXTS, wanted, source) for q in questions
    )
    return wanted if whole else source


def localized(survey: Survey, questions, language: str) -> tuple[Survey, list[Question]]:
    """Copies of the survey and its questions showing their texts in `language` (which the
    caller chose with `survey_language`); the originals, which a process keeps and shares, are
    left as they are. A question's `choice_labels` are its options as shown."""
    source = survey.language
    shown = copy.copy(survey)
    for name in SURVEY_TEXTS:
        setattr(shown, name, text_in(survey, name, language, source))
    copies = []
    for question in questions:
        twin = copy.copy(question)
        twin.prompt = text_in(question, "prompt", language, source)
        twin.help_text = text_in(question, "help_text", language, source)
        twin.choice_labels = list(text_in(question, "choices", language, source) or [])
        copies.append(twin)
    return shown, copies


def speak_survey(request, survey: Survey, questions) -> tuple[Survey, list[Question]]:
    """Serve this page in the language it is already speaking when the survey has it, else in
    the survey's own; the survey and questions as they show in it."""
    language = survey_language(survey, questions, translation.get_language())
    if language != translation.get_language():
        translation.activate(language)
        request.LANGUAGE_CODE = language
    return localized(survey, questions, language)


def missing_survey_languages(survey: Survey, questions) -> list[str]:
    """The shipped languages the survey cannot be shown in yet (for the manager)."""
    lacking = set(missing_languages(survey, SURVEY_TEXTS, survey.language))
    for question in questions:
        lacking |= set(missing_languages(question, QUESTION_TEXTS, survey.language))
    return [name for _code, name in other_languages(survey.language) if name in lacking]

"""Answering the first question from the invitation e-mail, in one click, safely.

The invitation (and its reminder) shows the survey's first scored question (a rating, or a
single choice) as a row of links: `/s/<token>/?score=9`, or `?choice=2` for the second option.
The recovery follow-up ("did we make it right?", a choice) also offers its handling CSAT ("how
satisfied are you with how we handled it?") as a second row of `?score=` links, so the answer
about the agent's handling is one click too. Opening such a link records nothing, because link
scanners open every link in an e-mail: the survey page opens with that answer already chosen,
and its script saves it a moment later (surveys.services.received.quick_receive); the
customer's Send replaces it with whatever else they add below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from feedback_app.core.numbers import whole_number
from surveys.logic import ENDS
from surveys.models import Question, Survey


def quick_question(questions: Iterable[Question]) -> Question | None:
    """The question the e-mail offers in one click: the first rating or single choice, if it
    comes first among the questions that need a click to answer (not after a free text)."""
    for question in questions:
        if question.is_rating or (question.kind == Question.Kind.SINGLE and question.choices):
            return question
        if question.required:
            return None  # a required question before it: answering out of order would confuse
    return None


def quick_questions(questions: list[Question], survey: Survey) -> list[Question]:
    """The questions the e-mail offers in one click: the quick question, and for a recovery
    follow-up whose quick question is a choice, its first rating too (the handling CSAT)."""
    first = quick_question(questions)
    if first is None:
        return []
    offered = [first]
    if survey.purpose == Survey.Purpose.RECOVERY_FOLLOW_UP and not first.is_rating:
        rating = next((q for q in questions if q.is_rating), None)
        if rating is not None:
            offered.append(rating)
    return offered


def quick_rows(questions: list[Question], survey: Survey, answer_url: str) -> list[dict]:
    """What the e-mail shows: each offered question with its links and its scale's ends."""
    return [
        {"question": q, "links": quick_links(q, answer_url), "ends": quick_ends(q)}
        for q in quick_questions(questions, survey)
    ]


def quick_links(question: Question, answer_url: str) -> list[tuple[str, str]]:
    """(label, link) for each answer of the question, in order."""
    if question.is_rating:
        low, high = question.scale
        return [(str(n), f"{answer_url}?score={n}") for n in range(low, high + 1)]
    return [(c, f"{answer_url}?choice={n}") for n, c in enumerate(question.shown_choices, start=1)]


def quick_ends(question: Question) -> tuple[str, str] | None:
    """The scale's ends in words, shown under the row of numbers."""
    return ENDS.get(question.kind)


def quick_initial(
    questions: list[Question], params: Mapping[str, str], survey: Survey | None = None
) -> dict[str, str]:
    """The answer a one-click link chose, as the answer form's initial data ({} if none or if
    the number is not one of the question's answers): never stored from here."""
    offered = quick_questions(questions, survey) if survey else [quick_question(questions)]
    for question in offered:
        if question is None:
            continue
        if question.is_rating:
            score = whole_number(params.get("score", ""), max_digits=2)
            low, high = question.scale
            if score is not None and low <= score <= high:
                return {f"q{question.pk}": str(score)}
            continue
        number = whole_number(params.get("choice", ""), max_digits=3)
        if number is not None and 1 <= number <= len(question.choices):
            return {f"q{question.pk}": question.choices[number - 1]}
    return {}

"""Answering the first question from the invitation e-mail, in one click, safely.

The invitation (and its reminder) shows the survey's first scored question (a rating, or a
single choice) as a row of links: `/s/<token>/?score=9`, or `?choice=2` for the second option.
Opening such a link records nothing, because link scanners open every link in an e-mail: the
survey page opens with that answer already chosen, and the customer's Send stores it, with
whatever else they add below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from feedback_app.core.numbers import whole_number
from surveys.models import Question
from surveys.triage.scores import ENDS


def quick_question(questions: Iterable[Question]) -> Question | None:
    """The question the e-mail offers in one click: the first rating or single choice, if it
    comes first among the questions that need a click to answer (not after a free text)."""
    for question in questions:
        if question.is_rating or (question.kind == Question.Kind.SINGLE and question.choices):
            return question
        if question.required:
            return None  # a required question before it: answering out of order would confuse
    return None


def quick_links(question: Question, answer_url: str) -> list[tuple[str, str]]:
    """(label, link) for each answer of the question, in order."""
    if question.is_rating:
        low, high = question.scale
        return [(str(n), f"{answer_url}?score={n}") for n in range(low, high + 1)]
    return [(c, f"{answer_url}?choice={n}") for n, c in enumerate(question.choices, start=1)]


def quick_ends(question: Question) -> tuple[str, str] | None:
    """The scale's ends in words, shown under the row of numbers."""
    return ENDS.get(question.kind)


def quick_initial(questions: list[Question], params: Mapping[str, str]) -> dict[str, str]:
    """The answer a one-click link chose, as the answer form's initial data ({} if none or if
    the number is not one of the question's answers): never stored from here."""
    question = quick_question(questions)
    if question is None:
        return {}
    if question.is_rating:
        score = whole_number(params.get("score", ""), max_digits=2)
        low, high = question.scale
        if score is not None and low <= score <= high:
            return {f"q{question.pk}": str(score)}
        return {}
    number = whole_number(params.get("choice", ""), max_digits=3)
    if number is not None and 1 <= number <= len(question.choices):
        return {f"q{question.pk}": question.choices[number - 1]}
    return {}

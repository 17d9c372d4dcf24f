"""Questions that follow the answer, and endings that fit it.

A question may be shown only when an earlier answer falls in a range or among some options:

    {"question": <id>, "min": 0, "max": 6}        a rating from 0 to 6 (either end may be left out)
    {"question": <id>, "any_of": [2, 3]}          the 2nd or 3rd option of a choice question

An option's id is its number in the question's list, from 1 (the same number a one-click
`?choice=` link carries). A condition may name only an earlier question of the same survey, so
there are no loops. A question whose condition does not hold is hidden: never required, and an
answer sent for it is not stored. A question that depends on a hidden one is hidden too.

After Send, the customer sees the ending that fits their headline score (NPS, else CSAT, else
CES): a detractor's, a passive's or a promoter's thank-you, when the survey has one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback_app.core.errors import DomainError
from surveys.models import Question, Survey
from surveys.triage.scores import SCALES, category

# The ends of each scale in words, beside the scale on the survey, in its e-mail and in the
# builder (surveys/triage/scores.py says what the numbers mean).
ENDS = {
    "nps": (gettext_lazy("Not at all likely"), gettext_lazy("Extremely likely")),
    "csat": (gettext_lazy("Very dissatisfied"), gettext_lazy("Very satisfied")),
    "ces": (gettext_lazy("Very difficult"), gettext_lazy("Very easy")),
}

SHAPE = (
    'A condition is {"question": <id>, "min": <lowest>, "max": <highest>} or '
    '{"question": <id>, "any_of": [<option numbers, from 1>]}.'
)


def _whole(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def condition_clean(show_if, *, earlier: Sequence[Question]) -> dict | None:
    """The condition in its stored form, checked against the questions before this one;
    DomainError (field show_if) with what is wrong. None means always shown."""
    if show_if is None:
        return None
    if not isinstance(show_if, Mapping) or "question" not in show_if:
        raise DomainError(SHAPE, field="show_if")
    unknown = set(show_if) - {"question", "min", "max", "any_of"}
    if unknown or ("any_of" in show_if and ({"min", "max"} & set(show_if))):
        raise DomainError(SHAPE, field="show_if")
    source = next((q for q in earlier if q.pk == _whole(show_if["question"])), None)
    if source is None:
        raise DomainError(
            "A question can depend only on an earlier question of the same survey.",
            field="show_if",
        )
    if "any_of" in show_if:
        return _options_clean(source, show_if["any_of"])
    if not source.is_rating:
        raise DomainError(
            f"\u201c{source.prompt}\u201d is not a rating: choose some of its options instead.",
            field="show_if",
        )
    low, high = source.scale
    bounds = {}
    for end, default in (("min", low), ("max", high)):
        value = show_if.get(end, default)
        if _whole(value) is None or not low <= value <= high:
            raise DomainError(
                f"The range must be whole numbers from {low} to {high}.", field="show_if"
            )
        bounds[end] = value
    if "min" not in show_if and "max" not in show_if:
        raise DomainError(SHAPE, field="show_if")
    if bounds["min"] > bounds["max"]:
        raise DomainError("The lowest score must not be above the highest.", field="show_if")
    if (bounds["min"], bounds["max"]) == (low, high):
        raise DomainError(
            f"{low} to {high} is every answer: leave the condition out instead.", field="show_if"
        )
    return {"question": source.pk, **bounds}


def _options_clean(source: Question, any_of) -> dict:
    if source.kind not in Question.CHOICE_KINDS:
        raise DomainError(
            f"\u201c{source.prompt}\u201d has no options: give a range of scores instead.",
            field="show_if",
        )
    count = len(source.choices)
    numbers = any_of if isinstance(any_of, list) else None
    if not numbers or any(_whole(n) is None or not 1 <= n <= count for n in numbers):
        raise DomainError(f"Choose options by their numbers, from 1 to {count}.", field="show_if")
    return {"question": source.pk, "any_of": sorted(set(numbers))}


def conditions_check(questions: Sequence[Question]) -> None:
    """Every condition of a survey's questions (in their order) still holds together: each
    names an earlier question, of a kind and with options that fit. DomainError otherwise."""
    for index, question in enumerate(questions):
        if question.show_if is not None:
            try:
                condition_clean(question.show_if, earlier=questions[:index])
            except DomainError as exc:
                raise DomainError(
                    f"\u201c{question.prompt}\u201d depends on another question: {exc.message}",
                    field="show_if",
                ) from exc


def _holds(condition: Mapping, number: int | None, chosen: Iterable[str], source) -> bool:
    if "any_of" in condition:
        options = {source.choices[n - 1] for n in condition["any_of"] if n <= len(source.choices)}
        return bool(options & set(chosen))
    return number is not None and condition["min"] <= number <= condition["max"]


def follows(
    question: Question,
    shown: set[int],
    answered: Mapping[int, tuple],
    by_pk: Mapping[int, Question],
) -> bool:
    """Whether the customer sees this question, the ones before it settled: `shown` holds the
    earlier questions seen, `answered` their answers as question id → (number, chosen options).
    Shown when it has no condition, or when the question it depends on is shown and its answer
    fits."""
    condition = question.show_if
    if not condition:
        return True
    source = by_pk.get(condition.get("question"))
    if source is None or source.pk not in shown or source.pk not in answered:
        return False
    number, chosen = answered[source.pk]
    return _holds(condition, number, chosen, source)


def shown_questions(questions: Sequence[Question], answered: Mapping[int, tuple]) -> set[int]:
    """The ids of the questions a customer sees, given their answers (see `follows`)."""
    shown: set[int] = set()
    by_pk = {q.pk: q for q in questions}
    for question in questions:
        if follows(question, shown, answered, by_pk):
            shown.add(question.pk)
    return shown


def describe(question: Question, questions: Sequence[Question]) -> str:
    """The condition in words, for the builder and for a customer without JavaScript."""
    condition = question.show_if
    if not condition:
        return ""
    source = next((q for q in questions if q.pk == condition["question"]), None)
    if source is None:
        return ""
    if "any_of" in condition:
        shown = source.shown_choices
        options = [f"\u201c{shown[n - 1]}\u201d" for n in condition["any_of"] if n <= len(shown)]
        what = _(" or ").join(options)
    else:
        low, high = condition["min"], condition["max"]
        what = str(low) if low == high else f"{low}\u2013{high}"
    return _("Only if the answer to “%(question)s” is %(what)s") % {
        "question": source.prompt,
        "what": what,
    }


def client_condition(question: Question, questions: Sequence[Question]) -> dict | None:
    """The condition as the answer page's script reads it: the field's name and the values
    (as the form sends them) that show the question."""
    condition = question.show_if
    source = next((q for q in questions if condition and q.pk == condition["question"]), None)
    if source is None:
        return None
    if "any_of" in condition:
        values = [source.choices[n - 1] for n in condition["any_of"] if n <= len(source.choices)]
    else:
        values = [str(n) for n in range(condition["min"], condition["max"] + 1)]
    return {"field": f"q{source.pk}", "values": values}


def answer_scores(questions: Sequence[Question], answers: Mapping[int, object]) -> dict[str, int]:
    """The scores among a form's answers (question id → value as sent), by scale, counting only
    questions the answers show; the first answer of each scale."""
    answered: dict[int, tuple] = {}
    for question in questions:
        value = answers.get(question.pk)
        if question.is_rating:
            try:
                answered[question.pk] = (int(value), [])
            except (TypeError, ValueError):
                continue
        elif question.kind in Question.CHOICE_KINDS and value:
            answered[question.pk] = (None, [value] if isinstance(value, str) else list(value))
    shown = shown_questions(questions, answered)
    scores: dict[str, int] = {}
    for question in questions:
        if question.is_rating and question.pk in shown and question.pk in answered:
            low, high = question.scale
            number = answered[question.pk][0]
            if low <= number <= high:
                scores.setdefault(question.kind, number)
    return scores


# --- endings ----------------------------------------------------------------------------------

BANDS = {"negative": "detractor", "neutral": "passive", "positive": "promoter"}
HEADLINE = ("nps", "csat", "ces")


def band(scores: Mapping[str, int]) -> str:
    """detractor, passive or promoter by the headline score (NPS, else CSAT, else CES);
    "" without a score."""
    for scale in HEADLINE:
        if scores.get(scale) is not None and scale in SCALES:
            return BANDS[category(scale, scores[scale])]
    return ""


def ending(survey: Survey, scores: Mapping[str, int]) -> tuple[str, str, str]:
    """(band, thank-you text, review link) for the customer who gave these scores: the band's
    own text when the survey has one, else its thank-you; the review link for promoters."""
    which = band(scores)
    review = survey.review_url if which == "promoter" else ""
    return which, ending_text(survey, which), review


def ending_text(survey: Survey, which: str) -> str:
    """The thank-you a band reads: its own text when the survey has one, else the thank-you."""
    text = getattr(survey, f"thank_you_{which}", "") if which in BANDS.values() else ""
    return text or survey.thank_you

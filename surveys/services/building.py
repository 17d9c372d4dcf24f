"""Building surveys: questions, publishing, closing, and copying to a new version.

A question may depend on an earlier one (`show_if`, surveys/logic.py); every change that would
leave a condition naming a later question, a deleted one or an option that is gone is refused.

A question that already has answers may not be changed in a way that changes what those answers
mean (its kind, its scale, its options) nor be deleted; the survey is copied to a new version
instead, and the old one keeps its answers.
"""

import copy

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_app.core.errors import Conflict, DomainError
from surveys.languages import QUESTION_TEXTS, SURVEY_TEXTS
from surveys.logic import condition_clean, conditions_check
from surveys.models import Question, Survey

MAX_CHOICES = 30


def _clean_choices(kind: str, choices) -> list[str]:
    if kind not in Question.CHOICE_KINDS:
        return []
    if not isinstance(choices, list | tuple):
        raise DomainError(_("Options must be a list of texts."), field="choices")
    cleaned = []
    for option in choices:
        if not isinstance(option, str):
            raise DomainError(_("Each option must be a text."), field="choices")
        option = " ".join(option.split())[:200]
        if option and option not in cleaned:
            cleaned.append(option)
    if len(cleaned) < 2:
        raise DomainError(
            _("A choice question needs at least two different options."), field="choices"
        )
    if len(cleaned) > MAX_CHOICES:
        raise DomainError(
            _("A choice question has at most %(count)d options.") % {"count": MAX_CHOICES},
            field="choices",
        )
    return cleaned


def survey_create(
    *,
    name: str,
    purpose: str,
    intro: str = "",
    thank_you: str = "",
    public_link_enabled: bool = False,
    one_at_a_time: bool = False,
    language: str = "",
    actor=None,
    **endings,
) -> Survey:
    name = " ".join((name or "").split())
    language = _language_clean(language or settings.LANGUAGE_CODE)
    if not name:
        raise DomainError(_("A survey needs a name."), field="name")
    if purpose not in Survey.Purpose.values:
        raise DomainError(f"Unknown purpose {purpose!r}.", field="purpose")
    survey = Survey(
        name=name[:200],
        purpose=purpose,
        intro=intro,
        thank_you=thank_you or Survey._meta.get_field("thank_you").default,
        public_link_enabled=public_link_enabled,
        one_at_a_time=one_at_a_time,
        language=language,
        created_by=actor,
        **_endings_clean(endings),
    )
    survey.save()
    return survey


ENDINGS = ("thank_you_detractor", "thank_you_passive", "thank_you_promoter", "review_url")
# What a manager may change on a survey (its status changes by publishing and closing), in the
# order the survey form and the API show them.
SURVEY_FIELDS = (
    "name",
    "purpose",
    "language",
    "intro",
    "thank_you",
    *ENDINGS,
    "public_link_enabled",
    "one_at_a_time",
)


def _endings_clean(endings: dict) -> dict:
    unknown = set(endings) - set(ENDINGS)
    if unknown:
        raise DomainError(f"These fields cannot be set here: {', '.join(sorted(unknown))}.")
    url = endings.get("review_url")
    if url and not str(url).startswith(("https://", "http://")):
        raise DomainError(
            _("The review link must be a web address starting with https:// (or http://)."),
            field="review_url",
        )
    return {key: (value or "") for key, value in endings.items()}


def survey_update(*, survey: Survey, actor=None, **changes) -> Survey:
    """Change the survey's own texts and settings (not its status: publish and close do that)."""
    unknown = set(changes) - set(SURVEY_FIELDS)
    if unknown:
        raise DomainError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    if "name" in changes and not " ".join((changes["name"] or "").split()):
        raise DomainError(_("A survey needs a name."), field="name")
    if "purpose" in changes and changes["purpose"] not in Survey.Purpose.values:
        raise DomainError(f"Unknown purpose {changes['purpose']!r}.", field="purpose")
    if "language" in changes:
        changes["language"] = _language_clean(changes["language"])
    changes.update(_endings_clean({k: v for k, v in changes.items() if k in ENDINGS}))
    changed = [k for k, v in changes.items() if getattr(survey, k) != v]
    for key in changed:
        setattr(survey, key, changes[key])
    if changed:
        survey.save(update_fields=[*changed, "updated_at"])
    return survey


def _language_clean(language) -> str:
    if language not in dict(settings.LANGUAGES):
        shipped = ", ".join(dict(settings.LANGUAGES))
        raise DomainError(f"Write it in one of our languages ({shipped}).", field="language")
    return language


def survey_translations_save(
    *, survey: Survey, language: str, texts: dict, questions: dict, actor=None
) -> Survey:
    """The survey's texts in `language` ({field: text}) and its questions' ({question id:
    {"prompt", "help_text", "choices"}}); an empty text removes it. Customers of that language
    get the survey in it once all of it is there (surveys/languages.py)."""
    if language == survey.language or language not in dict(settings.LANGUAGES):
        raise DomainError(_("Choose another of our languages to translate into."), field="language")
    own = {k: str(v).strip() for k, v in texts.items() if k in SURVEY_TEXTS and str(v).strip()}
    with transaction.atomic():
        for question in survey.questions.all():
            given = questions.get(question.pk) or {}
            kept = {k: given[k] for k in QUESTION_TEXTS if given.get(k)}
            if "choices" in kept and len(kept["choices"]) != len(question.choices):
                raise DomainError(
                    _(
                        "“%(question)s” has %(count)d options: give each of them, one per line, "
                        "in the same order."
                    )
                    % {"question": question.prompt, "count": len(question.choices)},
                    field=f"q{question.pk}__choices",
                )
            question.translations = {**question.translations, language: kept}
            question.save(update_fields=["translations"])
        survey.translations = {**survey.translations, language: own}
        survey.save(update_fields=["translations", "updated_at"])  # kept copies move on
    return survey


def _has_answers(question: Question) -> bool:
    return question.pk is not None and question.answers.exists()


def questions_changed(survey_id: int) -> None:
    """A survey's questions changed: its `updated_at` moves, so every process's kept copy of the
    questions (surveys.selectors.survey_questions) is out of date on its next read."""
    Survey.objects.filter(pk=survey_id).update(updated_at=timezone.now())


def question_add(
    *,
    survey: Survey,
    kind: str,
    prompt: str,
    required: bool = True,
    help_text: str = "",
    choices=None,
    show_if=None,
    actor=None,
) -> Question:
    """Add a question at the end. Allowed on a live survey: earlier answers keep their meaning.
    `show_if` may name any question already there (all come before it)."""
    if survey.status == Survey.Status.CLOSED:
        raise Conflict(_("This survey is closed; copy it to a new version to change it."))
    if kind not in Question.Kind.values:
        raise DomainError(f"Unknown kind of question {kind!r}.", field="kind")
    prompt = " ".join((prompt or "").split())
    if not prompt:
        raise DomainError(_("A question needs a text."), field="prompt")
    if survey.status == Survey.Status.LIVE and required and survey.responses.exists():
        raise Conflict(
            _(
                "Customers have already answered this survey; a question added now must be "
                "optional (or copy the survey to a new version)."
            ),
            field="required",
        )
    with transaction.atomic():
        earlier = list(survey.questions.select_for_update().order_by("position", "id"))
        show_if = condition_clean(show_if, earlier=earlier)
        last = survey.questions.aggregate(last=Max("position"))["last"]
        question = Question.objects.create(
            survey=survey,
            position=0 if last is None else last + 1,
            kind=kind,
            prompt=prompt[:300],
            help_text=help_text[:300],
            required=required,
            choices=_clean_choices(kind, choices or []),
            show_if=show_if,
        )
        questions_changed(survey.pk)
        return question


def question_update(*, question: Question, actor=None, **changes) -> Question:
    """Change a question. Wording may always be fixed; what would change the meaning of
    stored answers (kind, options removed or renamed, optional made required) is refused
    once the question has answers."""
    editable = {"prompt", "help_text", "required", "choices", "kind", "show_if"}
    unknown = set(changes) - editable
    if unknown:
        raise DomainError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    if question.survey.status == Survey.Status.CLOSED:
        raise Conflict(_("This survey is closed; copy it to a new version to change it."))
    kind = changes.get("kind", question.kind)
    if kind not in Question.Kind.values:
        raise DomainError(f"Unknown kind of question {kind!r}.", field="kind")
    if "choices" in changes or "kind" in changes:
        changes["choices"] = _clean_choices(kind, changes.get("choices", question.choices))
    if "prompt" in changes:
        changes["prompt"] = " ".join((changes["prompt"] or "").split())[:300]
        if not changes["prompt"]:
            raise DomainError(_("A question needs a text."), field="prompt")
    if _has_answers(question):
        message = (
            "Customers have already answered this question, so {what} would change what their "
            "answers mean. Copy the survey to a new version instead."
        )
        if kind != question.kind:
            raise Conflict(message.format(what="changing its kind"), field="kind")
        removed = set(question.choices) - set(changes.get("choices", question.choices))
        if removed:
            raise Conflict(message.format(what="removing or renaming options"), field="choices")
        if changes.get("required") and not question.required:
            raise Conflict(message.format(what="making it required"), field="required")
    changed = [k for k, v in changes.items() if getattr(question, k) != v]
    if not changed:
        return question
    with transaction.atomic():
        candidate = copy.copy(question)
        for key in changed:
            setattr(candidate, key, changes[key])
        _check_with(candidate)  # before the question itself changes: a refusal leaves it be
        for key in changed:
            setattr(question, key, getattr(candidate, key))
        question.save(update_fields=changed)
        questions_changed(question.survey_id)
    return question


def _check_with(changed: Question) -> None:
    """The survey's conditions, with `changed` as it is about to be saved, still hold:
    DomainError naming the one that would break."""
    order = changed.survey.questions.select_for_update().order_by("position", "id")
    questions = [changed if q.pk == changed.pk else q for q in order]
    if changed.show_if is not None:
        index = next(i for i, q in enumerate(questions) if q.pk == changed.pk)
        changed.show_if = condition_clean(changed.show_if, earlier=questions[:index])
    conditions_check(questions)


def question_delete(*, question: Question, actor=None) -> None:
    if _has_answers(question):
        raise Conflict(
            _(
                "Customers have already answered this question; it cannot be deleted. "
                "Copy the survey to a new version without it."
            ),
        )
    if question.survey.status == Survey.Status.CLOSED:
        raise Conflict(_("This survey is closed; copy it to a new version to change it."))
    dependent = question.survey.questions.filter(show_if__question=question.pk).first()
    if dependent is not None:
        raise Conflict(
            f"\u201c{dependent.prompt}\u201d is shown only after an answer to this question: "
            "change that condition first.",
        )
    question.delete()
    questions_changed(question.survey_id)


def question_move(*, question: Question, offset: int, actor=None) -> Question:
    """Move a question up (-1) or down (+1). Order is display only; answers are unaffected."""
    with transaction.atomic():
        questions = list(question.survey.questions.select_for_update().order_by("position", "id"))
        index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
        target = max(0, min(len(questions) - 1, index + offset))
        questions.insert(target, questions.pop(index))
        try:
            conditions_check(questions)
        except DomainError as exc:
            raise Conflict(
                _("A question can depend only on one before it, so this move is refused: %(why)s")
                % {"why": exc.message}
            ) from exc
        for position, item in enumerate(questions):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        questions_changed(question.survey_id)
    question.refresh_from_db()
    return question


def survey_publish(*, survey: Survey, actor=None) -> Survey:
    if survey.status == Survey.Status.LIVE:
        return survey
    if survey.status == Survey.Status.CLOSED:
        raise Conflict(_("A closed survey cannot go live again; copy it to a new version."))
    if not survey.questions.exists():
        raise Conflict(_("Add at least one question before publishing."))
    survey.status = Survey.Status.LIVE
    survey.save(update_fields=["status", "updated_at"])
    return survey


def survey_close(*, survey: Survey, actor=None) -> Survey:
    """Stop taking answers. Invitations not yet sent are cancelled when they come due."""
    if survey.status != Survey.Status.CLOSED:
        survey.status = Survey.Status.CLOSED
        survey.save(update_fields=["status", "updated_at"])
    return survey


def survey_copy(*, survey: Survey, actor=None) -> Survey:
    """A new draft with the same questions: how to change what a survey asks without touching
    the answers it already has."""
    with transaction.atomic():
        new = Survey.objects.create(
            name=f"{survey.name} (v{_version_number(survey) + 1})"[:200],
            purpose=survey.purpose,
            intro=survey.intro,
            thank_you=survey.thank_you,
            public_link_enabled=survey.public_link_enabled,
            one_at_a_time=survey.one_at_a_time,
            previous_version=survey,
            created_by=actor,
            **{key: getattr(survey, key) for key in ENDINGS},
        )
        # One at a time, so each condition can name its question's copy.
        copies: dict[int, int] = {}
        for q in survey.questions.order_by("position", "id"):
            show_if = dict(q.show_if, question=copies[q.show_if["question"]]) if q.show_if else None
            copies[q.pk] = Question.objects.create(
                survey=new,
                position=q.position,
                kind=q.kind,
                prompt=q.prompt,
                help_text=q.help_text,
                required=q.required,
                choices=q.choices,
                show_if=show_if,
            ).pk
    return new


def _version_number(survey: Survey) -> int:
    number, current = 1, survey
    while current.previous_version_id and number < 1000:
        number += 1
        current = current.previous_version
    return number

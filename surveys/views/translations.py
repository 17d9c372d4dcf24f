"""A survey's texts in another language, beside the ones it is written in (managers).

One language at a time: each text of the survey and of its questions, the original on the left
and the translation on the right; options one per line, in the same order. What is missing is
listed at the top: customers of a language the survey lacks any part of get all of it in the
survey's own language (surveys/languages.py).
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from feedback_app.core.errors import DomainError
from feedback_app.core.forms import form_error
from feedback_app.core.translations import other_languages
from surveys import selectors
from surveys.languages import SURVEY_TEXTS, missing_survey_languages
from surveys.services.building import survey_translations_save
from surveys.views.staff import SurveyMixin

LABELS = {
    "intro": gettext_lazy("Introduction"),
    "thank_you": gettext_lazy("Thank-you"),
    "thank_you_detractor": gettext_lazy("Thank-you after a low score"),
    "thank_you_passive": gettext_lazy("Thank-you after a middling score"),
    "thank_you_promoter": gettext_lazy("Thank-you after a high score"),
}


class TranslationForm(forms.Form):
    """A field for each text the survey and its questions have, in one language."""

    def __init__(self, *args, survey, questions, language, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []  # (label, original text, bound field name)
        saved = survey.translations.get(language) or {}
        for name in SURVEY_TEXTS:
            if getattr(survey, name):
                self._add(name, LABELS[name], getattr(survey, name), saved.get(name), language)
        for number, question in enumerate(questions, start=1):
            given = question.translations.get(language) or {}
            prefix = f"q{question.pk}__"
            self._add(
                f"{prefix}prompt",
                _("Question %(number)d") % {"number": number},
                question.prompt,
                given.get("prompt"),
                language,
            )
            if question.help_text:
                self._add(
                    f"{prefix}help_text",
                    _("Question %(number)d: help") % {"number": number},
                    question.help_text,
                    given.get("help_text"),
                    language,
                )
            if question.choices:
                self._add(
                    f"{prefix}choices",
                    _("Question %(number)d: options, one per line") % {"number": number},
                    "\n".join(question.choices),
                    "\n".join(given.get("choices") or []),
                    language,
                )

    def _add(self, name, label, original, initial, language):
        long = "\n" in original or len(original) > 80 or name.endswith("choices")
        widget = (
            forms.Textarea(attrs={"rows": 3, "lang": language, "class": "form-control"})
            if long
            else forms.TextInput(attrs={"lang": language, "class": "form-control"})
        )
        self.fields[name] = forms.CharField(
            label=label, required=False, initial=initial or "", max_length=10_000, widget=widget
        )
        self.rows.append((label, original, name))

    def texts(self) -> tuple[dict, dict]:
        """({survey field: text}, {question id: {field: text or option list}})."""
        own, questions = {}, {}
        for name, value in self.cleaned_data.items():
            value = value.strip()
            if not name.startswith("q"):
                own[name] = value
                continue
            pk, field = name[1:].split("__")
            if field == "choices":
                value = [line.strip() for line in value.splitlines() if line.strip()]
            questions.setdefault(int(pk), {})[field] = value
        return own, questions


class SurveyTranslationsView(SurveyMixin, View):
    template_name = "surveys/staff/translations.html"

    def _language(self, request) -> tuple[str, str]:
        choices = other_languages(self.survey.language)
        wanted = request.POST.get("language") or request.GET.get("language")
        return next(((c, n) for c, n in choices if c == wanted), choices[0])

    def _page(self, request, form, language, questions, status=200):
        context = {
            "survey": self.survey,
            "form": form,
            "language": language,
            "languages": other_languages(self.survey.language),
            "missing": missing_survey_languages(self.survey, questions),
            "rows": [(label, original, form[name]) for label, original, name in form.rows],
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        code, name = self._language(request)
        questions = selectors.survey_questions(self.survey)
        form = TranslationForm(survey=self.survey, questions=questions, language=code)
        return self._page(request, form, (code, name), questions)

    def post(self, request, pk):
        code, name = self._language(request)
        questions = selectors.survey_questions(self.survey)
        form = TranslationForm(request.POST, survey=self.survey, questions=questions, language=code)
        if form.is_valid():
            own, per_question = form.texts()
            try:
                survey_translations_save(
                    survey=self.survey,
                    language=code,
                    texts=own,
                    questions=per_question,
                    actor=request.user,
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("%(language)s saved.") % {"language": name})
                return redirect(reverse("surveys:translations", args=[pk]) + f"?language={code}")
        return self._page(request, form, (code, name), questions, status=400)

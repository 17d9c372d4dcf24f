"""Texts we write in several languages (a survey's questions, a canned message, an
improvement's notice): the text in its own language lives on the model's fields, the others in
its `translations` field, {language: {field: text}}.

A text is used in a language only when every one of its fields has that language: never half
translated. Otherwise it falls back, whole, to the language it was written in, and the pages
where managers keep it say what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django import forms
from django.conf import settings


def other_languages(source: str) -> list[tuple[str, str]]:
    """(code, name) of each shipped language but the text's own."""
    return [(code, name) for code, name in settings.LANGUAGES if code != source]


def has_language(obj, fields: Iterable[str], language: str, source: str) -> bool:
    """Whether `obj` can be shown whole in `language`."""
    if language == source:
        return True
    given = (obj.translations or {}).get(language) or {}
    return all(_covers(given.get(name), getattr(obj, name)) for name in fields)


def text_in(obj, name: str, language: str, source: str):
    """One field of `obj` in `language` (a caller checks `has_language` first)."""
    if language != source:
        value = ((obj.translations or {}).get(language) or {}).get(name)
        if _filled(value):
            return value
    return getattr(obj, name)


def texts_in(obj, fields: Sequence[str], language: str, source: str) -> tuple[str, dict]:
    """(the language used, {field: text}): all of `fields` in `language` when `obj` has them
    all there, else all of them in `source`."""
    used = language if has_language(obj, fields, language, source) else source
    return used, {name: text_in(obj, name, used, source) for name in fields}


def missing_languages(obj, fields: Sequence[str], source: str) -> list[str]:
    """Names of the shipped languages `obj` cannot be shown in yet (for the manager)."""
    return [
        name
        for code, name in other_languages(source)
        if not has_language(obj, fields, code, source)
    ]


def _covers(translation, original) -> bool:
    """Whether a translation stands in for the original: nothing to translate, or a text (an
    option list of the same length, every option written)."""
    if not _filled(original):
        return True
    if isinstance(original, list | tuple):
        return _filled(translation) and len(translation) == len(original)
    return _filled(translation)


def _filled(value) -> bool:
    if isinstance(value, list | tuple):
        return bool(value) and all(str(v).strip() for v in value)
    return bool(str(value or "").strip())


class TranslationsFormMixin:
    """Adds a field per other language for each of `translated` (named `<field>__<code>`),
    laid out beside the original by the template (`form.translation_rows`), and keeps them in
    the instance's `translations` when saved. Subclasses say `translated`; the originals are in
    LANGUAGE_CODE (a survey, which has a language of its own, has its own page).
    """

    translated: Sequence[str] = ()

    def add_translation_fields(self) -> None:
        saved = getattr(self.instance, "translations", None) or {}
        for code, name in other_languages(settings.LANGUAGE_CODE):
            for field_name in self.translated:
                original = self.fields[field_name]
                field = forms.CharField(
                    required=False,
                    label=f"{original.label} ({name})",
                    max_length=getattr(original, "max_length", None),
                    widget=forms.Textarea(attrs={"rows": 3, "lang": code})
                    if isinstance(original.widget, forms.Textarea)
                    else forms.TextInput(attrs={"lang": code}),
                    initial=(saved.get(code) or {}).get(field_name, ""),
                )
                self.fields[f"{field_name}__{code}"] = field

    def translation_rows(self):
        """[(language name, [(original bound field, translation bound field)])]."""
        return [
            (name, [(self[f], self[f"{f}__{code}"]) for f in self.translated])
            for code, name in other_languages(settings.LANGUAGE_CODE)
        ]

    def cleaned_originals(self) -> dict:
        """The cleaned data without the translation fields (what a service takes as fields)."""
        return {name: value for name, value in self.cleaned_data.items() if "__" not in name}

    def cleaned_translations(self) -> dict:
        result = {}
        for code, _name in other_languages(settings.LANGUAGE_CODE):
            texts = {
                f: self.cleaned_data.get(f"{f}__{code}", "").strip()
                for f in self.translated
                if self.cleaned_data.get(f"{f}__{code}", "").strip()
            }
            if texts:
                result[code] = texts
        return result

"""Sentences a record keeps for whoever reads it later, in the reader's language.

A timeline entry is written once, when something happens, and read for years by staff who work in
English, German, French or Spanish. So its title is kept twice: as English text (for exports, the
API and search) and as the message it was made from with its values, which each page renders in
the reader's language. Values are data (a name, a number, an order reference: shown as given),
labels of our own (a priority, a channel: translated too) or phrases of their own (a reason).

    title=Phrase(gettext_noop("Surveys paused: %(reason)s"), reason=Phrase(...))
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, override


class Phrase:
    """A message (marked with gettext_noop where it is written) and its values."""

    def __init__(self, message: str, **values):
        self.message, self.values = message, values
        self._stored: dict | None = None

    def english(self) -> str:
        with _english():
            return phrase_text(self.stored())

    def stored(self) -> dict:
        """What a JSON field keeps: enough to say it again in any language. Made once: it does
        not depend on the active language (labels are kept as their English message ids)."""
        if self._stored is None:
            values = {k: _stored(v) for k, v in self.values.items()}
            self._stored = {"message": self.message, "values": values}
        return self._stored

    def __str__(self) -> str:
        return phrase_text(self.stored())


def english(text: str | Phrase) -> str:
    """What a record keeps as its text: a phrase in English, a plain text as it is."""
    return text.english() if isinstance(text, Phrase) else text


class Lower:
    """A label of ours shown in lower case inside a sentence ("normal priority")."""

    def __init__(self, label):
        self.label = label


class Said:
    """A short message of ours inside a sentence (marked with gettext_noop where written)."""

    def __init__(self, message: str):
        self.message = message


def _stored(value):
    if isinstance(value, Phrase):
        return {"phrase": value.stored()}
    if isinstance(value, Lower):
        return {"label": _msgid(value.label), "lower": True}
    if isinstance(value, Said):
        return {"label": value.message}
    if isinstance(value, Promise):
        return {"label": _msgid(value)}
    return value if isinstance(value, int | float) else str(value)


def _msgid(label: Promise) -> str:
    """A lazy label's English text, which is its message id (English is the source)."""
    with _english():
        return str(label)


def _english() -> AbstractContextManager:
    """English active while a record's text is made: nothing to switch when it already is (a
    background worker, an English page), as when a batch writes thousands of entries."""
    if get_language() == settings.LANGUAGE_CODE:
        return nullcontext()
    return override(settings.LANGUAGE_CODE)


def phrase_text(stored: Mapping) -> str:
    """A stored phrase in the active language. A message or value the catalogs do not know is
    shown as written, and a message whose slots do not match its values as its English text."""
    values = {}
    for key, value in (stored.get("values") or {}).items():
        if isinstance(value, Mapping) and "phrase" in value:
            value = phrase_text(value["phrase"])
        elif isinstance(value, Mapping) and "label" in value:
            value = gettext(value["label"])
            value = value.lower() if stored["values"][key].get("lower") else value
        values[key] = value
    message = stored.get("message") or ""
    for text in (gettext(message), message):
        try:
            return text % values if values else text
        except (KeyError, TypeError, ValueError):
            continue
    return message

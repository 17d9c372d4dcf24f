"""Small formatting every layer may use (the staff pages' template filters wrap these)."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, is_currency
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _


def shortened(text: str, limit: int) -> str:
    """Truncator(text).chars(limit), without its character-by-character walk for a text that
    already fits (the batch paths shorten thousands of short answers)."""
    if len(text) <= limit and unicodedata.is_normalized("NFC", text):
        return text
    return Truncator(text).chars(limit)


def countdown(due, now=None, words: dict[str, str] | None = None) -> str:
    """Time left until `due` ("in 3h 20m"), or how late it is ("5h late"). A page that writes
    many passes `countdown_words()`, translated once."""
    if due is None:
        return ""
    words = words or countdown_words()
    delta = due - (now or timezone.now())
    late = delta.total_seconds() < 0
    minutes = int(abs(delta.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        text = words["days"] % {"days": days, "hours": hours}
    elif hours:
        text = words["hours"] % {"hours": hours, "minutes": minutes}
    else:
        text = words["minutes"] % {"minutes": minutes}
    return words["late" if late else "in"] % {"time": text}


def countdown_words() -> dict[str, str]:
    return {
        "days": _("%(days)dd %(hours)dh"),
        "hours": _("%(hours)dh %(minutes)dm"),
        "minutes": _("%(minutes)dm"),
        "late": _("%(time)s late"),
        "in": _("in %(time)s"),
    }


def money(amount, currency: str, language: str | None = None) -> str:
    """An amount as people of the language write it: "£20.00" in English, "20,00 €" in German
    and French, "20,00 £" in Spanish (the currency's own symbol, the language's separators)."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f"{amount} {currency}".strip()
    currency = (currency or "").strip().upper()
    if value.is_nan() or value.is_infinite() or not is_currency(currency):
        return f"{amount} {currency}".strip()
    locale = to_locale(language or get_language() or "en")
    if locale == "en":
        locale = "en_GB"  # our English is British: "£20.00", "€20.00", "US$20.00"
    try:
        return format_currency(value, currency, locale=locale)
    except (ValueError, InvalidOperation):  # an amount too large to write (1e999)
        return f"{amount} {currency}".strip()

"""Which language a customer is spoken to in.

Messages go in the customer's stored language. A page opened from the customer's own link
(survey invitation, case page, preferences) speaks it too, unless the person chose another with
the switcher on the page (its cookie); public pages follow the switcher, else the browser's
Accept-Language (Django's LocaleMiddleware). Stored languages are LANGUAGES codes; anything else
(an older "en-GB", a language we do not ship) falls back to the nearest we have, else English.
"""

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation


def language_choices() -> list[tuple[str, str]]:
    """The languages a customer may have: the model field's choices (a callable, so a new
    language needs no migration)."""
    return list(settings.LANGUAGES)


def supported(code: str | None) -> str:
    """The shipped language nearest to `code`, else the default."""
    try:
        return translation.get_supported_language_variant((code or "").strip().lower())
    except LookupError:
        return settings.LANGUAGE_CODE


def language_of(customer) -> str:
    return supported(getattr(customer, "language", None))


def chosen_on_page(request) -> str | None:
    """The language the person picked with the switcher, if any (and still shipped)."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if code and translation.check_for_language(code) and code in dict(settings.LANGUAGES):
        return code
    return None


def speak_to(request, customer) -> str:
    """Serve this request in the customer's language (a page opened from their link), unless
    they chose one on the page. Returns the language used."""
    return speak_in(request, getattr(customer, "language", None))


def speak_in(request, language: str | None) -> str:
    """`speak_to` with the customer's language as read (a page that reads only that)."""
    code = chosen_on_page(request) or supported(language)
    translation.activate(code)
    request.LANGUAGE_CODE = code
    return code


@contextmanager
def in_language_of(customer):
    """Render a message to the customer in their language."""
    with translation.override(language_of(customer)):
        yield

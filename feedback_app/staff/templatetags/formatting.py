"""Formatting filters for staff pages. They format what they are given and never query."""

import re
from datetime import datetime, timedelta

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from feedback_app.core.formatting import countdown

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A delay in words: "2 days", "1 day 6 hours", "45 minutes", "at once"."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    if seconds <= 0:
        return _("at once")
    parts = []
    for size, words in _UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(words(count) % {"count": count})
    return " ".join(parts[:2]) or _("under a minute")


_UNITS = (
    (86400, lambda n: ngettext("%(count)d day", "%(count)d days", n)),
    (3600, lambda n: ngettext("%(count)d hour", "%(count)d hours", n)),
    (60, lambda n: ngettext("%(count)d minute", "%(count)d minutes", n)),
)


register.filter("countdown", countdown)  # "in 3h 20m", "5h late"


@register.filter
def moment(value: str | None):
    """An ISO 8601 moment kept in a log entry's payload, as a datetime for the `date` filter."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


# A customer's own links in a message we sent them: their survey answer page, preferences,
# unsubscribe and case page. Staff read the message without them, so nobody acts as the customer.
_CUSTOMER_LINK = re.compile(r"\S*/(?:s|c|case)/[A-Za-z0-9_\-]{16,}/\S*")


@register.filter
def without_customer_links(text: str) -> str:
    """The text with each of the customer's own links replaced by a mention of it."""
    return _CUSTOMER_LINK.sub(lambda _link: _("[the customer's link]"), text or "")


@register.filter
def readable(name: str) -> str:
    """A key as people say it: "home_store" → "Home store"."""
    words = str(name).replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize()

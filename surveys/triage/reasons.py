"""Triage's reasons, each written from one message here.

The engine writes a reason in English (what is stored with the item, what the API and the
`triage` command give), always from one of these messages; a staff page shows a stored reason in
the reader's language by finding the message it was made from (`in_language`). So reasons
stored years ago read in German too, and the engine stays free of translation machinery: it is
the hot path of the triage benchmark.
"""

from __future__ import annotations

import re
from functools import cache


def gettext_noop(message: str) -> str:
    """Marks a message for translation and returns it as it is, as Django's does (`makemessages`
    looks for this name). Django's translation module, and the autoreloader and asyncio it
    brings, is imported only where a reason is translated (`in_language`): `manage.py triage`
    starts without them."""
    return message


CONTRAST = gettext_noop("Contrast: what follows “%(word)s” counts more")
FEELING = gettext_noop("Words with feeling (TextBlob): %(words)s; polarity %(polarity)s")
FAILURE = gettext_noop("Failure stated: %(words)s")
GOOD = gettext_noop("Good news stated: %(words)s")
NEGATED_FAILURE = gettext_noop("Negated, so no failure: %(words)s")
NEGATED_PRAISE = gettext_noop("Negated praise, read as a complaint: %(words)s")
CHASING = gettext_noop("Chasing what is outstanding, or asking why it went wrong: %(words)s")
SARCASM = gettext_noop("Sarcasm, so the praise is not counted: %(words)s")
POLITE = gettext_noop("Disappointment put politely: %(words)s")
EMOJI = gettext_noop("Emoji: %(happy)s happy, %(unhappy)s unhappy")
LEARNED = gettext_noop("Learned model: %(percent)s likely a complaint")
LEARNED_WORDS = gettext_noop(
    "Learned model: %(percent)s likely a complaint; words that usually mean one: %(words)s"
)
LEARNED_FACTS = gettext_noop(
    "Learned model: %(percent)s likely a complaint; the stated facts decide"
)
LEAN_NEGATIVE = gettext_noop(
    "The words lean negative (%(combined)s), but the learned model reads no complaint "
    "(%(percent)s likely)"
)
FIRST_CHARS = gettext_noop("Only the first %(count)s characters were read")
NOTHING = gettext_noop("Nothing to judge: no text and no score; left neutral")
NO_WORDS = gettext_noop(
    "No words we can read (another script, or only symbols); the text was not judged"
)
OTHER_LANGUAGE_SCORED = gettext_noop(
    "Written in %(language)s, which triage does not read: the scores decide"
)
OTHER_LANGUAGE = gettext_noop(
    "Written in %(language)s, which triage does not read: the text was not judged"
)
NO_FEELING = gettext_noop("No words of feeling or fact found in the text")
COMPLAINT_NEVER_POSITIVE = gettext_noop(
    "A complaint is never counted as positive, however politely it is put"
)
MONEY = gettext_noop("Money at stake: %(words)s")
CHURN = gettext_noop("May leave us: %(words)s")
URGENT = gettext_noop("Urgent or repeated: %(words)s")
RISK = gettext_noop("Risk (safety, health, legal or fraud): %(words)s")
SEVERITY = gettext_noop("Severity %(severity)s (%(name)s), %(sentiment)s")
NPS_DETRACTOR = gettext_noop("Score: NPS %(value)s is a detractor (0-6)")
NPS_PASSIVE = gettext_noop("Score: NPS %(value)s is passive (7-8)")
NPS_PROMOTER = gettext_noop("Score: NPS %(value)s is a promoter (9-10)")
CSAT_DISSATISFIED = gettext_noop("Score: CSAT %(value)s of 5 is dissatisfied")
CSAT_NEITHER = gettext_noop("Score: CSAT 3 of 5 is neither satisfied nor dissatisfied")
CSAT_SATISFIED = gettext_noop("Score: CSAT %(value)s of 5 is satisfied")
CES_HARD = gettext_noop("Score: CES %(value)s of 7 means it was hard for the customer")
CES_NEITHER = gettext_noop("Score: CES 4 of 7 is neither easy nor hard")
CES_EASY = gettext_noop("Score: %(scale)s %(value)s of %(high)s means it was easy")
OUTWEIGHED = gettext_noop("%(reason)s, but %(scale)s %(value)s says otherwise: the words decide")
FAILURE_ANYWAY = gettext_noop("%(reason)s, a failure whatever the words say")

# Words inside a reason that are ours, not the customer's: said in the reader's language too.
OURS = {
    "name": (
        gettext_noop("low"),
        gettext_noop("medium"),
        gettext_noop("high"),
        gettext_noop("critical"),
    ),
    "sentiment": (gettext_noop("negative"), gettext_noop("neutral"), gettext_noop("positive")),
}
NESTED = ("reason",)  # a reason inside a reason


@cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    """Each message as a pattern that finds its values in a reason written from it; the
    longest fixed text first, so a general message never takes a specific one's reason."""
    messages = [
        value for name, value in globals().items() if name.isupper() and isinstance(value, str)
    ]
    patterns = []
    for message in messages:
        parts = re.split(r"%\((\w+)\)s", message)
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
            for index, part in enumerate(parts)
        )
        fixed = sum(len(part) for part in parts[::2])
        patterns.append((fixed, re.compile(f"^{regex}$", re.S), message))
    patterns.sort(key=lambda item: -item[0])
    return [(pattern, message) for _fixed, pattern, message in patterns]


def in_language(reason: str) -> str:
    """A stored reason in the active language: its message translated with its values (the
    customer's words as they wrote them); a reason from no message here is shown as it is."""
    from django.utils.translation import gettext

    if not isinstance(reason, str):
        return str(reason)
    for pattern, message in _patterns():
        found = pattern.match(reason)
        if found is None:
            continue
        values = found.groupdict()
        for key in NESTED:
            if key in values:
                values[key] = in_language(values[key])
        for key, words in OURS.items():
            if values.get(key) in words:
                values[key] = gettext(values[key])
        return gettext(message) % values if values else gettext(message)
    return reason

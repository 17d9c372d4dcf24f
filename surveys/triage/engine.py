"""The triage engine: text, scores and kind of item in; sentiment, severity, topics and reasons out.

TextBlob's pattern analyser gives the feeling of the words (it needs no corpora). On top we read
what it misses in customer service text: stated facts of failure that carry no feeling, money,
leaving and risk words, urgency, negation of those words, contrast ("nice staff but..."), emoji,
the customer's own scores, and the kind of item. Every signal that moved the result is written
down as a reason in plain words. Cost: one TextBlob call per text (two short ones when a contrast
splits it) plus one regular-expression pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import pycld2
from textblob import Word

from surveys.triage import cues, lexicon, model
from surveys.triage import reasons as said
from surveys.triage.feeling import assess
from surveys.triage.phrases import phrase_pattern
from surveys.triage.scores import scored

MAX_CHARS = 20_000
# Net polarity below NEGATIVE_BELOW is negative: in recovery a missed failure costs more than a
# second look at a mild one. Measured on labelled snippets (benchmarks/README.md).
NEGATIVE_BELOW = 0.0
POSITIVE_AT = 0.1
SEVERITY_NAMES = {1: "low", 2: "medium", 3: "high", 4: "critical"}
KINDS = ("response", "complaint")

_TAG = re.compile(r"<[^>]{0,500}>")
_WORD = re.compile(r"[a-z][a-z'\-]*")
_LETTER = re.compile(r"[^\W\d_]")
_LONG_WAIT = re.compile(
    r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|many)\s+"
    r"(?:more\s+)?(?:hours?|days?|weeks?|months?)\b"
)
_EMOJI = re.compile(f"[{lexicon.EMOJI_NEGATIVE}{lexicon.EMOJI_POSITIVE}]")
_NEGATORS = frozenset(lexicon.NEGATORS)
_ENGLISH = frozenset(lexicon.ENGLISH_MARKERS)
# Common English words that are not words in the other languages customers write to us in.
_SURELY_ENGLISH = frozenset(
    "the and my you your was with this that have of for we our it not are been i'm it's don't "
    "what when very".split()
)
_CONTRAST = re.compile(r"\b(?:" + "|".join(lexicon.CONTRAST) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class Result:
    sentiment: str
    polarity: float
    severity: int
    topics: tuple[str, ...]
    reasons: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "sentiment": self.sentiment,
            "polarity": self.polarity,
            "severity": self.severity,
            "topics": list(self.topics),
            "reasons": list(self.reasons),
        }


_SIGNALS = {
    "risk": lexicon.RISK,
    "churn": lexicon.CHURN,
    "money": lexicon.MONEY,
    "failure": lexicon.FAILURE,
    "urgent": lexicon.URGENT,
    "good": lexicon.GOOD,
}
_CLASSES: dict[str, set[str]] = {}
for _name, _phrases in _SIGNALS.items():
    for _phrase in _phrases:
        _CLASSES.setdefault(" ".join(_phrase.split()), set()).add(_name)
_SIGNAL_PATTERN = phrase_pattern(_CLASSES)


class Vocabulary:
    """Topics and their keywords, compiled once. Plural forms come from TextBlob's inflector."""

    def __init__(self, topics: Mapping[str, Iterable[str]]):
        self.by_keyword: dict[str, list[str]] = {}
        for topic, keywords in topics.items():
            for keyword in keywords:
                keyword = " ".join(keyword.lower().split())
                if not keyword:
                    continue
                forms = {keyword}
                if " " not in keyword and keyword.isalpha():
                    forms.add(str(Word(keyword).pluralize()))
                for form in forms:
                    self.by_keyword.setdefault(form, [])
                    if topic not in self.by_keyword[form]:
                        self.by_keyword[form].append(topic)
        self.pattern = phrase_pattern(self.by_keyword) if self.by_keyword else None

    def topics(self, text: str) -> tuple[str, ...]:
        """The topics the text names, weightiest first: by how many times their keywords occur,
        then by which is named first. The first is the item's main topic, which chooses the
        words of the apology."""
        if self.pattern is None:
            return ()
        hits: dict[str, list[int]] = {}  # topic → [count, -first position]
        for match in self.pattern.finditer(text):
            key = " ".join(match.group(1).split())
            for topic in self.by_keyword.get(key, ()):
                hits.setdefault(topic, [0, -match.start()])[0] += 1
        return tuple(sorted(hits, key=lambda topic: hits[topic], reverse=True))


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return Vocabulary(lexicon.DEFAULT_TOPICS)


@dataclass
class _Signals:
    found: dict[str, list[str]] = field(default_factory=dict)
    negated_failures: list[str] = field(default_factory=list)
    negated_good: list[str] = field(default_factory=list)
    long_wait: bool = False  # "3 hours", "two weeks": a wait stated in numbers

    def add(self, name: str, phrase: str) -> None:
        bucket = self.found.setdefault(name, [])
        if phrase not in bucket:
            bucket.append(phrase)

    def get(self, name: str) -> list[str]:
        return self.found.get(name, [])


def _emoji(raw: str) -> tuple[int, int]:
    """How many happy and unhappy emoji the text holds, in one pass."""
    found = _EMOJI.findall(raw)
    if not found:
        return 0, 0
    unhappy = sum(1 for e in found if e in lexicon.EMOJI_NEGATIVE)
    return len(found) - unhappy, unhappy


def _negated(text: str, start: int, phrase: str) -> bool:
    if phrase.split()[0] in _NEGATORS:
        return False  # the phrase carries its own negation ("not received")
    before = _WORD.findall(text[max(0, start - 40) : start])[-3:]
    return any(word in _NEGATORS or word.endswith("n't") for word in before)


def _scan(text: str) -> _Signals:
    signals = _Signals()
    for match in _SIGNAL_PATTERN.finditer(text):
        phrase = " ".join(match.group(1).split())
        classes = _CLASSES[phrase]
        if ("failure" in classes or "good" in classes) and _negated(text, match.start(), phrase):
            if "failure" in classes:
                signals.negated_failures.append(phrase)
            if "good" in classes:
                signals.negated_good.append(phrase)
            continue
        for name in classes:
            signals.add(name, phrase)
    for match in _LONG_WAIT.finditer(text):
        signals.add("urgent", match.group(0))
        signals.long_wait = True
    # A phrase both stated and negated ("not late this time, but last week it was late") counts
    # as stated, once: the reasons never call the same words a failure and no failure.
    signals.negated_failures = [
        p for p in signals.negated_failures if p not in signals.get("failure")
    ]
    signals.negated_good = [p for p in signals.negated_good if p not in signals.get("good")]
    return signals


def _quote(phrases: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(f"\u201c{p}\u201d" for p in phrases[:limit])
    return shown + (f" and {len(phrases) - limit} more" if len(phrases) > limit else "")


def _polarity(text: str, reasons: list[str]) -> tuple[float, bool]:
    """TextBlob polarity; after a contrast word the second part weighs 70%."""
    contrasts = list(_CONTRAST.finditer(text))
    contrast = contrasts[-1] if contrasts else None
    if contrast is not None and contrast.start() > 0 and contrast.end() < len(text) - 1:
        before, before_words = assess(text[: contrast.start()])
        after, after_words = assess(text[contrast.end() :])
        if not (before_words or after_words):
            return 0.0, False
        if before_words and after_words:
            polarity = 0.3 * before + 0.7 * after
            reasons.append(said.CONTRAST % {"word": contrast.group(0)})
        else:
            polarity = before if before_words else after
        words = [" ".join(a[0]) for a in (*before_words, *after_words)]
    else:
        polarity, assessed = assess(text)
        if not assessed:
            return 0.0, False
        words = [" ".join(a[0]) for a in assessed]
    reasons.append(said.FEELING % {"words": _quote(words), "polarity": f"{polarity:+.2f}"})
    return polarity, True


def other_language(raw: str, words: Sequence[str], lowered: str) -> str | None:
    """The name of the language the text is written in when it is reliably not English (CLD2,
    Chromium's compact detector, compiled in: no model to download); None for English or when
    too short to tell. Without a reliable answer, four words or more with no common English word
    and none of our phrases are not English either."""
    if len(_SURELY_ENGLISH.intersection(words)) >= 2:
        return None  # two words no other language uses so: English, without asking the detector
    try:
        # The first few hundred characters tell the language as well as the whole text.
        reliable, _bytes, found = pycld2.detect(raw[:400], bestEffort=False)[:3]
    except pycld2.error:
        reliable, found = False, ()
    named = found[0] if reliable and found else None
    if named is not None and named[1] == "en":
        return None
    if _SIGNAL_PATTERN.search(lowered):
        return None  # our own phrases are English
    if named is not None and named[1] != "un" and named[2] >= 60 and len(words) >= 3:
        return named[0].capitalize()
    if len(words) >= 4 and not _ENGLISH.intersection(words):
        return named[0].capitalize() if named is not None else "a language we cannot name"
    return None


@dataclass
class _Reading:
    """What the rules read in a text, before the learned model weighs it."""

    signals: _Signals
    polarity: float  # TextBlob's, with the contrast rule
    felt: bool
    facts: float  # what the stated facts, cues and emoji add to the polarity
    cues: dict[str, list[str]]
    tokens: list[str]
    # Failure, money, leaving, risk, chasing or sarcasm stated: the rules keep a negative verdict
    # on these whatever the learned model says.
    hard_facts: bool
    learned: model.Score | None = None

    @property
    def combined(self) -> float:
        return max(-1.0, min(1.0, self.polarity + self.facts))

    @property
    def leans_negative(self) -> bool:
        """The rules' reading is negative; with stated facts of failure, anything short of
        positive is (a stray "first" or "quick" does not outweigh a cracked lid)."""
        if self.hard_facts:
            return self.combined < POSITIVE_AT
        return self.combined < NEGATIVE_BELOW


def _read(
    raw: str, lowered: str, emoji_pos: int, emoji_neg: int, reasons: list[str], learned=True
) -> _Reading:
    signals = _scan(lowered)
    polarity, felt = _polarity(raw, reasons)
    failures, good = signals.get("failure"), signals.get("good")
    # Praise before "another" or "again" is sarcasm when a failure or a long wait is stated too.
    trouble = bool(failures) or signals.long_wait
    found = cues.read(lowered, trouble=trouble)
    if found["sarcasm"]:
        polarity = min(polarity, 0.0)  # the praise was not meant
    # Asking for money back, leaving, or a risk are bad news even in calm words; so are chasing
    # what is still outstanding and sarcasm.
    bad_facts = (
        len(
            set(failures)
            | set(signals.get("money"))
            | set(signals.get("churn"))
            | set(signals.get("risk"))
        )
        + len(found["chasing"][:1])
        + len(found["sarcasm"][:1])
    )
    facts = (
        min(0.6, 0.2 * len(good))
        - min(0.75, 0.25 * bad_facts)
        - 0.2 * len(signals.negated_good)
        - min(0.3, 0.15 * len(found["polite"]))
    )
    facts += min(0.6, 0.3 * emoji_pos) - min(0.6, 0.3 * emoji_neg)
    for message, phrases in (
        (said.FAILURE, failures),
        (said.GOOD, good),
        (said.NEGATED_FAILURE, signals.negated_failures),
        (said.NEGATED_PRAISE, signals.negated_good),
        (said.CHASING, found["chasing"]),
        (said.SARCASM, found["sarcasm"]),
        (said.POLITE, found["polite"]),
    ):
        if phrases:
            reasons.append(message % {"words": _quote(phrases)})
    if emoji_neg or emoji_pos:
        reasons.append(said.EMOJI % {"happy": emoji_pos, "unhappy": emoji_neg})
    tokens = model.tokens(lowered)
    hard_facts = bool(bad_facts)
    reading = _Reading(signals, polarity, felt, facts, found, tokens, hard_facts)
    if learned and tokens:
        reading.learned = model.load().score(tokens, polarity, facts)
    return reading


def rules_reading(text: str) -> _Reading:
    """What the rules read in one text, as triage reads it, without the learned model: the
    training script builds the model's inputs from this, so training and scoring agree."""
    raw = text[:MAX_CHARS]
    lowered = raw.replace("\u2019", "'").lower()
    emoji = _emoji(raw)
    return _read(raw, lowered, *emoji, [], learned=False)


def _learned_verdict(reading: _Reading, by_rules: str, reasons: list[str]) -> str:
    """Whether the words are a complaint, by the learned model and the rules together
    (`model.Model.complaint`); when they are not, the rules' positive or neutral stands."""
    score = reading.learned
    percent = f"{score.probability:.0%}"
    rules_negative = reading.leans_negative
    if model.load().complaint(score.probability, rules_negative, reading.hard_facts):
        if score.leaning:
            reason = said.LEARNED_WORDS % {"percent": percent, "words": _quote(score.leaning, 3)}
        elif rules_negative and reading.hard_facts:
            reason = said.LEARNED_FACTS % {"percent": percent}
        else:
            reason = said.LEARNED % {"percent": percent}
        reasons.append(reason)
        return "negative"
    if by_rules == "negative":
        combined = f"{reading.combined:+.2f}"
        reasons.append(said.LEAN_NEGATIVE % {"combined": combined, "percent": percent})
        return "neutral"
    reasons.append(said.LEARNED % {"percent": percent})
    return by_rules


# Long on purpose: one pass over the text that every signal reads in turn; it is the hot path of
# the triage benchmark, and splitting it would pass the same dozen locals around.
def triage(
    text: str | None,
    *,
    scores: Sequence[tuple[str, float]] = (),
    kind: str = "response",
    vocabulary: Vocabulary | None = None,
) -> Result:
    """Triage one item. `scores` are (scale, value) pairs already checked with `check_score`."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    reasons: list[str] = []
    raw = text or ""
    if len(raw) > MAX_CHARS:
        raw = raw[:MAX_CHARS]
        reasons.append(said.FIRST_CHARS % {"count": f"{MAX_CHARS:,}"})
    if "<" in raw:
        raw = _TAG.sub(" ", raw)
    lowered = raw.replace("\u2019", "'").lower()
    words = _WORD.findall(lowered)

    # Scores first: the customer's own number outweighs our reading of the words.
    ratings, forcing = scored(scores)
    for *_score, reason in ratings:
        reasons.append(reason)
    rated = {category for _scale, _value, category, _strong, _reason in ratings}
    strong_bad = any(strong for *_score, category, strong, _r in ratings if category == "negative")

    judgeable = bool(words)
    emoji_pos, emoji_neg = _emoji(raw)
    if not raw.strip():
        if not ratings:
            reasons.append(said.NOTHING)
    elif not words and not (emoji_neg or emoji_pos):
        reasons.append(said.NO_WORDS)
    elif (language := other_language(raw, words, lowered)) is not None:
        judgeable = False
        message = said.OTHER_LANGUAGE_SCORED if ratings else said.OTHER_LANGUAGE
        reasons.append(message % {"language": language})

    readable = judgeable or (not words and (emoji_pos or emoji_neg))
    reading = _read(raw, lowered, emoji_pos, emoji_neg, reasons) if readable else None
    signals = reading.signals if reading else _Signals()
    combined = reading.combined if reading else 0.0
    failures = signals.get("failure")
    money, churn, risk, urgent = (signals.get(n) for n in ("money", "churn", "risk", "urgent"))

    if combined < NEGATIVE_BELOW:
        sentiment = "negative"
    elif combined >= POSITIVE_AT:
        sentiment = "positive"
    else:
        sentiment = "neutral"
    if reading and reading.learned is not None:
        sentiment = _learned_verdict(reading, sentiment, reasons)
    if (
        judgeable
        and raw.strip()
        and not (reading.felt or signals.found or signals.negated_good)
        and not any(reading.cues.values())
    ):
        reasons.append(said.NO_FEELING)

    if forcing:
        sentiment = "negative"
    elif "positive" in rated and sentiment == "neutral" and not failures:
        sentiment = "positive"
    if kind == "complaint" and sentiment == "positive":
        sentiment = "neutral"
        reasons.append(said.COMPLAINT_NEVER_POSITIVE)

    severity = 2 if sentiment == "negative" else 1
    if kind == "complaint" and (judgeable or ratings) and raw.strip():
        severity = max(severity, 2)
    if money:
        reasons.append(said.MONEY % {"words": _quote(money)})
    if churn:
        reasons.append(said.CHURN % {"words": _quote(churn)})
    if sentiment == "negative" and (
        combined <= -0.5 or len(failures) >= 2 or strong_bad or money or churn
    ):
        severity = 3
    elif money or churn:
        severity = max(severity, 2)
    if urgent and severity == 2:
        severity = 3
        reasons.append(said.URGENT % {"words": _quote(urgent)})
    elif urgent and severity >= 2:
        reasons.append(said.URGENT % {"words": _quote(urgent)})
    if risk:
        severity = 4
        reasons.append(said.RISK % {"words": _quote(risk)})

    topics = (vocabulary or default_vocabulary()).topics(lowered) if judgeable else ()
    name = SEVERITY_NAMES[severity]
    reasons.append(said.SEVERITY % {"severity": severity, "name": name, "sentiment": sentiment})
    return Result(sentiment, round(combined, 3), severity, topics, tuple(reasons))

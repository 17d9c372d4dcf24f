"""The learned part of triage: a logistic regression over word n-grams and a few numbers the rules
already computed, trained offline by `scripts/train-triage-model` (see benchmarks/README.md for
its data, its held-out scores and how to rebuild it).

The trained weights live in `model.json` beside this module: plain numbers a person can read, no
pickles, no scikit-learn at run time. Scoring one text is a few dictionary look-ups per word.
The same `ngrams()` and `lexicon_sums()` build the inputs when training (`features()`) and when
scoring (`Model.score`), so the two cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("model.json")
# What counts as a token for the n-grams: words, and the question and exclamation marks.
TOKEN = re.compile(r"[a-z][a-z']*|[!?]")
# Negation flips a lexicon word's valence within this many tokens after the negator (as VADER
# does, with its factor).
NEGATION_WINDOW = 3
NEGATION_FACTOR = -0.74
NEGATORS = frozenset(
    "not no never nothing nobody none neither nor cannot without hardly barely".split()
)
# Words too common to mean anything alone: not features by themselves (they still make bigrams,
# "not late", "any update"), never shown as a reason. Negators and "too" are not among them.
FUNCTION_WORDS = frozenset(
    """a an the and or i me my mine myself you your yours we us our ours he him his she her it its
    they them their this that these those is am are was were be been being have has had do does
    did to of in on at by for with from as about into over after before than then there here what
    which who whom when where why how will would shall should can could may might must just so
    very also really get got it's i'm i've i'd you're we're they're that's there's s""".split()
)
# The numbers next to the n-grams, in a fixed order (the weights are stored by name).
DENSE = ("polarity", "facts", "lexicon_positive", "lexicon_negative")


def tokens(lowered: str) -> list[str]:
    return TOKEN.findall(lowered.replace("\u2019", "'"))


def ngrams(words: Sequence[str]) -> set[str]:
    grams = {w for w in words if w not in FUNCTION_WORDS}
    grams.update(f"{a} {b}" for a, b in pairwise(words))
    return grams


def lexicon_sums(words: Sequence[str], lexicon: dict[str, float]) -> tuple[float, float]:
    """Positive and negative valence of the words (negated words count the other way), each
    divided by the square root of the text's length so long texts do not shout."""
    positive = negative = 0.0
    negator_at = -NEGATION_WINDOW - 1
    for i, word in enumerate(words):
        if word in NEGATORS or word.endswith("n't"):
            negator_at = i
            continue
        value = lexicon.get(word)
        if value is None:
            continue
        if i - negator_at <= NEGATION_WINDOW:
            value *= NEGATION_FACTOR
        if value > 0:
            positive += value
        else:
            negative -= value
    scale = math.sqrt(max(1, len(words)))
    return positive / scale, negative / scale


def features(
    words: Sequence[str], polarity: float, facts: float, lexicon: dict[str, float]
) -> tuple[dict[str, float], set[str]]:
    """The dense inputs by name, and the text's n-grams (each weighs 1/sqrt(how many))."""
    positive, negative = lexicon_sums(words, lexicon)
    dense = {
        "polarity": polarity,
        "facts": facts,
        "lexicon_positive": positive,
        "lexicon_negative": negative,
    }
    return dense, ngrams(words)


@dataclass(frozen=True)
class Score:
    probability: float  # that the text is a complaint (negative)
    weighed: tuple[tuple[float, str], ...]  # (weight, n-gram) of the known n-grams
    lexicon: dict[str, float] = field(repr=False, default_factory=dict)

    @property
    def leaning(self) -> tuple[str, ...]:
        """The three n-grams a reader can make sense of that pushed most towards a complaint."""
        lexicon = self.lexicon
        pushing = sorted(p for p in self.weighed if p[0] > 0 and _telling(p[1], lexicon))
        return tuple(g for _w, g in reversed(pushing[-3:]))


@dataclass(frozen=True)
class Model:
    bias: float
    dense: dict[str, float]
    grams: dict[str, float]
    gram_scale: float
    threshold: float  # a complaint from this probability on, whatever the rules read
    threshold_with_rules: float  # ... from this one when the rules' words lean negative too
    lexicon: dict[str, float]
    version: str

    def score(self, words: Sequence[str], polarity: float, facts: float) -> Score:
        positive, negative = lexicon_sums(words, self.lexicon)
        dense = self.dense
        total = (
            self.bias
            + dense["polarity"] * polarity
            + dense["facts"] * facts
            + dense["lexicon_positive"] * positive
            + dense["lexicon_negative"] * negative
        )
        grams = ngrams(words)
        weights = self.grams
        found = [(weights[g], g) for g in grams if g in weights]
        if found:
            total += self.gram_scale / math.sqrt(len(grams)) * sum(w for w, _g in found)
        probability = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))
        return Score(probability, tuple(found), self.lexicon)

    def complaint(self, probability: float, rules_negative: bool, hard_facts: bool) -> bool:
        """The verdict of model and rules together: the model alone when it is sure enough; with
        the rules leaning negative, a lower probability will do; and negative words with stated
        facts of failure are a complaint whatever the model says. Both thresholds are
        calibrated together by the training script."""
        if probability >= self.threshold:
            return True
        return rules_negative and (hard_facts or probability >= self.threshold_with_rules)


def _telling(gram: str, lexicon: dict[str, float]) -> bool:
    """Whether an n-gram says something to a reader as a sign of a complaint: not only function
    words or marks, and no word of praise (a linear model can give "great" a small push the
    other way to temper the lexicon's; shown as a reason, that would read as nonsense)."""
    words = gram.split()
    if any(lexicon.get(w, 0.0) > 0 for w in words):
        return False
    return any(w not in FUNCTION_WORDS and w not in ("!", "?") for w in words)


def file_hash(path: Path = MODEL_PATH) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def load(path: Path = MODEL_PATH) -> Model:
    data = json.loads(path.read_text(encoding="utf-8"))
    missing = set(DENSE) - set(data["dense"])
    if missing:
        raise ValueError(f"{path.name} lacks weights for {', '.join(sorted(missing))}")
    return Model(
        bias=data["bias"],
        dense=data["dense"],
        grams=data["grams"],
        gram_scale=data["gram_scale"],
        threshold=data["threshold"],
        threshold_with_rules=data["threshold_with_rules"],
        lexicon=data["lexicon"],
        version=data["version"],
    )

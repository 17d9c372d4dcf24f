"""The feeling of the words, by TextBlob's pattern analyser (what `TextBlob(text).sentiment`
uses; it needs no corpora), fed with the words split in one pass as TextBlob's tokenizer would
split them."""

from __future__ import annotations

import re
from functools import lru_cache

from textblob._text import EMOTICONS
from textblob.en import Sentiment
from textblob.en import sentiment as _TEXTBLOB_ANALYSER

# How TextBlob's tokenizer splits text before its analyser reads it (textblob._text.find_tokens).
_CONTRACTIONS = ("'d", "'m", "'s", "'ll", "'re", "'ve", "n't")
_QUOTES_APART = str.maketrans({q: f" {q} " for q in "\u201c\u201d\u2018\u2019'\""})
_FEELING_TOKEN = re.compile(
    "(?:"
    + "|".join(
        re.escape(e) for e in sorted({e for v in EMOTICONS.values() for e in v}, key=len)[::-1]
    )
    + r")(?=\s|$)|\.\.\.|[^\W_]+(?:[-.][^\W_]+)*|\S"
)


class _ReadSentiment(Sentiment):
    """TextBlob's English analyser, its word list read before first use. TextBlob's own
    (`textblob.en.sentiment`) is a lazy dictionary: every `in` and `[]` it does on a word goes
    through a Python method that checks whether the list is loaded yet, about a fifth of the
    time triage spends on a text. Here they are the dictionary's own: the same words, the same
    scores, the same assessments."""

    __contains__ = dict.__contains__
    __getitem__ = dict.__getitem__
    __iter__ = dict.__iter__
    __len__ = dict.__len__
    get = dict.get
    setdefault = dict.setdefault
    items = dict.items
    keys = dict.keys
    values = dict.values


@lru_cache(maxsize=1)
def analyser() -> Sentiment:
    """Our copy of TextBlob's analyser, built with its settings and loaded on first use."""
    original = _TEXTBLOB_ANALYSER
    loaded = _ReadSentiment(
        path=original.path,
        synset=original._synset,
        negations=original.negations,
        modifiers=original.modifiers,
        modifier=original.modifier,
        tokenizer=original.tokenizer,
        language=original.language,
    )
    loaded.load()
    return loaded


def feeling_words(text: str) -> list[str]:
    """The words TextBlob's analyser reads, split as its own tokenizer splits them (contractions
    and quotes apart, punctuation off the words, emoticons whole) in one regular-expression pass
    instead of its dozen: the same polarity for 99.4% of the 23,703 labelled snippets, the rest
    within punctuation glued to words ("great,but"); see benchmarks/README.md."""
    for contraction in _CONTRACTIONS:
        if contraction in text:
            text = text.replace(contraction, " " + contraction)
    return [w.lower() for w in _FEELING_TOKEN.findall(text.translate(_QUOTES_APART))]


def assess(text: str) -> tuple[float, list]:
    """TextBlob's pattern analyser (what TextBlob(text).sentiment uses) over `feeling_words`:
    the polarity (the mean of the words' scores, as TextBlob takes it) and the words behind it."""
    assessed = analyser().assessments(((w, None) for w in feeling_words(text)), True)
    polarity = sum(a[1] for a in assessed) / float(len(assessed) or 1)
    return polarity, assessed

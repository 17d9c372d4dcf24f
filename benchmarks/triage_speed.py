"""Texts per second of our triage against a bare TextBlob polarity call, on the same texts, in
one run. Target: ours costs no more than 1.5 times the bare call (ratio at least 0.67).

    python benchmarks/triage_speed.py [--repeat 3]

Texts: the labelled Amazon and tweet snippets (benchmarks/labelled.py), about 7,900 of them.
Each side is timed over all texts, best of --repeat rounds, the two interleaved so machine noise
hits both alike.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_app.settings_test")

import django

django.setup()

from labelled import MEASURED, load  # noqa: E402
from textblob import TextBlob  # noqa: E402

from surveys.triage.engine import default_vocabulary, triage  # noqa: E402


def bare(texts):
    for text in texts:
        TextBlob(text).sentiment.polarity  # noqa: B018 - the call is what is timed


def ours(texts):
    vocabulary = default_vocabulary()
    for text in texts:
        triage(text, vocabulary=vocabulary)


def best(fn, texts, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(texts)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = [text for name in MEASURED for text, _ in load(name)]
    ours(texts[:50])  # warm caches (regular expressions, vocabulary, TextBlob's lexicon)
    bare(texts[:50])
    bare_s = ours_s = float("inf")
    for _ in range(args.repeat):
        bare_s = min(bare_s, best(bare, texts, 1))
        ours_s = min(ours_s, best(ours, texts, 1))
    ratio = bare_s / ours_s
    print(f"texts: {len(texts)}")
    print(f"bare TextBlob polarity: {len(texts) / bare_s:,.0f} texts/s")
    print(f"our triage:             {len(texts) / ours_s:,.0f} texts/s")
    print(f"ratio (ours / bare):    {ratio:.2f}  (target >= 0.67)")
    return 0 if ratio >= 0.67 else 1


if __name__ == "__main__":
    sys.exit(main())

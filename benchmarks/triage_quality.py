"""How well triage tells negative feedback from the rest, against human labels.

    python benchmarks/triage_quality.py [--set amazon|tweets|all]

Reports accuracy, macro-F1 (three classes) and the F1 of the negative class for our triage,
TextBlob's polarity alone (negative below 0, positive above 0), and VADER if it is installed
(the usual ±0.05 compound thresholds). Data: see benchmarks/labelled.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_app.settings_test")

import django

django.setup()

from labelled import SETS, load  # noqa: E402
from textblob import TextBlob  # noqa: E402

from surveys.triage.engine import triage  # noqa: E402

CLASSES = ("negative", "neutral", "positive")


def textblob_alone(text: str) -> str:
    polarity = TextBlob(text).sentiment.polarity
    return "negative" if polarity < 0 else "positive" if polarity > 0 else "neutral"


def ours(text: str) -> str:
    return triage(text).sentiment


def vader():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyzer = SentimentIntensityAnalyzer()

    def predict(text: str) -> str:
        compound = analyzer.polarity_scores(text)["compound"]
        return "negative" if compound <= -0.05 else "positive" if compound >= 0.05 else "neutral"

    return predict


def scores(truth: list[str], predicted: list[str]) -> dict[str, float]:
    pairs = Counter(zip(truth, predicted, strict=True))
    f1 = {}
    for cls in CLASSES:
        tp = pairs[(cls, cls)]
        fp = sum(n for (t, p), n in pairs.items() if p == cls and t != cls)
        fn = sum(n for (t, p), n in pairs.items() if t == cls and p != cls)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1[cls] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(n for (t, p), n in pairs.items() if t == p) / len(truth)
    return {"accuracy": accuracy, "macro_f1": sum(f1.values()) / 3, "negative_f1": f1["negative"]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default="all", choices=[*SETS, "all"])
    args = parser.parse_args()
    names = list(SETS) if args.set == "all" else [args.set]
    systems = {"ours (triage)": ours, "TextBlob alone": textblob_alone}
    if (predict := vader()) is not None:
        systems["VADER"] = predict
    ok = True
    for name in names:
        rows = load(name)
        truth = [label for _, label in rows]
        counts = Counter(truth)
        print(f"\n{name}: {len(rows)} snippets ({', '.join(f'{c} {counts[c]}' for c in CLASSES)})")
        print(f"{'system':<16} {'accuracy':>9} {'macro-F1':>9} {'neg-F1':>8}")
        results = {}
        for system, predict in systems.items():
            result = scores(truth, [predict(text) for text, _ in rows])
            results[system] = result
            figures = " ".join(
                f"{result[key]:>{width}.3f}"
                for key, width in (("accuracy", 9), ("macro_f1", 9), ("negative_f1", 8))
            )
            print(f"{system:<16} {figures}")
        beats = results["ours (triage)"]["negative_f1"] > results["TextBlob alone"]["negative_f1"]
        print(f"negative-class F1: ours {'beats' if beats else 'does NOT beat'} TextBlob alone")
        ok = ok and beats
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

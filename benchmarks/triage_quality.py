"""How well triage tells negative feedback from the rest, against human labels.

    python benchmarks/triage_quality.py [--set amazon|tweets|service|all]

Reports, for our triage, TextBlob's polarity alone (negative below 0, positive above 0) and VADER
if it is installed (the usual ±0.05 compound thresholds): accuracy and macro-F1 over the three
classes, then the negative class's F1, precision and recall (a complaint found or missed), and
texts per second on one core (each system's own start-up excluded). Data: benchmarks/labelled.py;
the Amazon and tweet sets are never trained or tuned on (benchmarks/train_model.py). "service"
is the held-out part of our own messages, on which the model's thresholds were calibrated: shown
for reference, it is not an independent measure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_app.settings_test")

import django

django.setup()

from labelled import MEASURED, load  # noqa: E402
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


def service_held_out() -> list[tuple[str, str]]:
    from train_model import held_out, service_messages

    return [(text, label) for text, label in service_messages() if held_out(text)]


def scores(truth: list[str], predicted: list[str]) -> dict[str, float]:
    pairs = Counter(zip(truth, predicted, strict=True))
    f1, precision_of, recall_of = {}, {}, {}
    for cls in CLASSES:
        tp = pairs[(cls, cls)]
        fp = sum(n for (t, p), n in pairs.items() if p == cls and t != cls)
        fn = sum(n for (t, p), n in pairs.items() if t == cls and p != cls)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1[cls] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        precision_of[cls], recall_of[cls] = precision, recall
    accuracy = sum(n for (t, p), n in pairs.items() if t == p) / len(truth)
    return {
        "accuracy": accuracy,
        "macro_f1": sum(f1.values()) / 3,
        "negative_f1": f1["negative"],
        "negative_precision": precision_of["negative"],
        "negative_recall": recall_of["negative"],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default="all", choices=[*MEASURED, "service", "all"])
    args = parser.parse_args()
    names = [*MEASURED, "service"] if args.set == "all" else [args.set]
    systems = {"ours (triage)": ours, "TextBlob alone": textblob_alone}
    if (predict := vader()) is not None:
        systems["VADER"] = predict
    columns = (
        ("accuracy", "accuracy", 9),
        ("macro_f1", "macro-F1", 9),
        ("negative_f1", "neg-F1", 7),
        ("negative_precision", "neg-P", 6),
        ("negative_recall", "neg-R", 6),
    )
    ok = True
    for name in names:
        rows = service_held_out() if name == "service" else load(name)
        truth = [label for _, label in rows]
        counts = Counter(truth)
        print(f"\n{name}: {len(rows)} texts ({', '.join(f'{c} {counts[c]}' for c in CLASSES)})")
        print(
            f"{'system':<16} " + " ".join(f"{title:>{w}}" for _k, title, w in columns) + "  texts/s"
        )
        results = {}
        for system, predict in systems.items():
            predict(rows[0][0])  # start-up (lexicons, the model file) is not timed
            start = time.perf_counter()
            predicted = [predict(text) for text, _ in rows]
            rate = len(rows) / (time.perf_counter() - start)
            result = scores(truth, predicted)
            results[system] = result
            figures = " ".join(f"{result[key]:>{w}.3f}" for key, _t, w in columns)
            print(f"{system:<16} {figures} {rate:>8,.0f}")
        beats = results["ours (triage)"]["negative_f1"] > results["TextBlob alone"]["negative_f1"]
        print(f"negative-class F1: ours {'beats' if beats else 'does NOT beat'} TextBlob alone")
        ok = ok and beats
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

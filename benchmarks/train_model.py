"""Train triage's learned model and write surveys/triage/model.json (and its hash beside it).

    scripts/train-triage-model            # train, write, print the hash and the held-out scores
    scripts/train-triage-model --check    # train again and fail unless the committed file is
                                          # exactly what this script builds

Data (nothing is downloaded but registry packages; see benchmarks/README.md, "Learned model"):
- the movie-review (10,605) and New York Times editorial (5,190) snippets rated by about 20 people
  each, from the vaderSentiment 3.3.2 source archive (Hutto and Gilbert, ICWSM 2014, MIT);
- our own customer-service messages, benchmarks/data/service_messages.tsv (written and labelled
  by the team);
- VADER's word valences (same archive, MIT) as two numbers per text.
The Amazon-review and tweet snippets of the same archive are never trained or tuned on: they are
what benchmarks/triage_quality.py measures.

A text's label is binary: a complaint (negative) or not. Two fifths of our own messages (fixed by
a hash of the text) are held out, and the two thresholds of the combination of model and rules
(`Model.complaint`) are chosen on them: the highest F1 whose precision is at least
TARGET_PRECISION. The file is written with sorted keys and
rounded weights, so the same data and versions give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_app.settings_test")

import django  # noqa: E402

django.setup()

import labelled  # noqa: E402

from surveys.triage import engine, model  # noqa: E402

TRAIN_SETS = ("movies", "nyt")
SERVICE = ROOT / "benchmarks" / "data" / "service_messages.tsv"
GRAM_SCALE = 0.3  # how much the n-grams weigh against the rules' numbers (see the README)
MIN_DF = 2  # an n-gram must occur in this many training texts
C = 2.0  # chosen with GRAM_SCALE on the held-out messages (README, "Learned model")
EVIDENCE = 0.15
OWN_WEIGHT = 5.0  # how much one of our own messages weighs against one snippet
KEEP_ABOVE = 0.1  # n-gram weights smaller than this are left out of the file
TARGET_PRECISION = 0.85
VERSION = "2026.11.30"


def held_out(text: str) -> bool:
    """Two fifths of our own messages, fixed by a hash of the text, calibrate the threshold."""
    return hashlib.sha256(text.encode("utf-8")).digest()[0] % 5 < 2


def service_messages() -> list[tuple[str, str]]:
    rows = []
    for line in SERVICE.read_text(encoding="utf-8").splitlines()[1:]:
        label, _tab, text = line.partition("\t")
        rows.append((text, label))
    return rows


def lexicon() -> dict[str, float]:
    path = labelled.ground_truth_dir() / "vader_sentiment_lexicon.txt"
    values = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        word, _tab, rest = line.partition("\t")
        if model.TOKEN.fullmatch(word) and word.isascii():
            values[word] = round(float(rest.split("\t")[0]), 2)
    return values


def rows_of(texts, lex):
    """Each text as the model reads it (the dense numbers and the n-grams), and the rules'
    reading of it."""
    read = []
    for text in texts:
        reading = engine.rules_reading(text)
        dense, grams = model.features(reading.tokens, reading.polarity, reading.facts, lex)
        read.append((dense, grams, reading))
    return read


def design(read, vocabulary: set[str]) -> list[dict[str, float]]:
    matrix = []
    for dense, grams, *_rest in read:
        row = {f"d:{name}": value for name, value in dense.items()}
        weight = GRAM_SCALE / math.sqrt(len(grams)) if grams else 0.0
        row.update({f"g:{g}": weight for g in grams if g in vocabulary})
        matrix.append(row)
    return matrix


def scores(truth: list[bool], predicted: list[bool]) -> dict[str, float]:
    tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
    fp = sum(p and not t for t, p in zip(truth, predicted, strict=True))
    fn = sum(t and not p for t, p in zip(truth, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": round(f1, 3), "precision": round(precision, 3), "recall": round(recall, 3)}


def thresholds_for(runtime, probabilities, readings, truth) -> tuple[float, float, dict]:
    """Both thresholds of the combination as triage applies it (`Model.complaint`): the highest
    F1 whose precision reaches TARGET_PRECISION; among equals, the higher thresholds."""
    rules = [(r.leans_negative, r.hard_facts) for r in readings]
    # Alone, the model must have seen something: its threshold stays EVIDENCE above what it says
    # of a text with no known word and no feeling at all.
    nothing = runtime.score([], 0.0, 0.0).probability
    best = None
    for alone in range(math.ceil((nothing + EVIDENCE) * 100), 96):
        for with_rules in range(10, alone + 1):
            model_ = replace(runtime, threshold=alone / 100, threshold_with_rules=with_rules / 100)
            predicted = [
                model_.complaint(p, negative, facts)
                for p, (negative, facts) in zip(probabilities, rules, strict=True)
            ]
            found = scores(truth, predicted)
            key = (found["precision"] >= TARGET_PRECISION, found["f1"], alone, with_rules)
            if best is None or key > best[0]:
                best = (key, alone / 100, with_rules / 100, found)
    return best[1], best[2], best[3]


# Long on purpose: the whole training run in the order a reader checks it (data, split,
# vocabulary, fit, file, calibration), each step a few lines.
def build() -> tuple[bytes, dict]:
    # Imported here: benchmarks/triage_quality.py reads the held-out messages from this module
    # in the app's environment, which has no scikit-learn.
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    own = service_messages()
    train = [(t, lab == "negative") for name in TRAIN_SETS for t, lab in labelled.load(name)]
    weights_of_rows = [1.0] * len(train)
    train += [(t, lab == "negative") for t, lab in own if not held_out(t)]
    weights_of_rows += [OWN_WEIGHT] * (len(train) - len(weights_of_rows))
    calibration = [(t, lab == "negative") for t, lab in own if held_out(t)]
    lex = lexicon()
    read = rows_of([t for t, _ in train], lex)
    frequency: dict[str, int] = {}
    for _dense, grams, *_rest in read:
        for gram in grams:
            frequency[gram] = frequency.get(gram, 0) + 1
    vocabulary = {g for g, n in frequency.items() if n >= MIN_DF}
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(design(read, vocabulary))
    fit = LogisticRegression(C=C, max_iter=5000)
    fit.fit(matrix, [y for _, y in train], sample_weight=weights_of_rows)
    weights = dict(zip(vectorizer.get_feature_names_out(), fit.coef_[0], strict=True))
    content = {
        "version": VERSION,
        "about": (
            "Triage's learned model: logistic regression over word n-grams and the rules' "
            "numbers; built by scripts/train-triage-model"
        ),
        "sources": [
            "vaderSentiment 3.3.2 source archive (PyPI), hutto_ICWSM_2014: movie-review and NYT "
            "editorial snippets, and vader_sentiment_lexicon.txt; MIT licence",
            "benchmarks/data/service_messages.tsv: the team's own customer-service messages",
        ],
        "bias": round(float(fit.intercept_[0]), 4),
        "dense": {n: round(float(weights[f"d:{n}"]), 4) for n in model.DENSE},
        "gram_scale": GRAM_SCALE,
        "grams": {
            name[2:]: round(float(w), 4)
            for name, w in weights.items()
            if name.startswith("g:") and abs(w) >= KEEP_ABOVE
        },
        "lexicon": lex,
        "threshold": 0.5,
        "threshold_with_rules": 0.5,
    }
    # The threshold is chosen with the model as triage will run it (rounded, pruned weights).
    runtime = model.Model(**{k: content[k] for k in model.Model.__dataclass_fields__})
    read_held = rows_of([t for t, _ in calibration], lex)
    readings = [reading for _dense, _grams, reading in read_held]
    probabilities = [runtime.score(r.tokens, r.polarity, r.facts).probability for r in readings]
    truth = [y for _, y in calibration]
    alone, with_rules, held = thresholds_for(runtime, probabilities, readings, truth)
    content["threshold"], content["threshold_with_rules"] = alone, with_rules
    content["held_out"] = {
        "texts": len(calibration),
        "complaints": sum(y for _, y in calibration),
        **held,
    }
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return (encoded + "\n").encode("utf-8"), content


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="compare with the committed file")
    args = parser.parse_args()
    encoded, content = build()
    digest = hashlib.sha256(encoded).hexdigest()
    print(
        f"{len(content['grams']):,} n-grams, {len(content['lexicon']):,} lexicon words, "
        f"thresholds {content['threshold']} / {content['threshold_with_rules']}, "
        f"held out: {content['held_out']}"
    )
    print(f"sha256 {digest}")
    if args.check:
        same = model.MODEL_PATH.read_bytes() == encoded
        print("the committed model is what this script builds" if same else "DIFFERENT")
        return 0 if same else 1
    model.MODEL_PATH.write_bytes(encoded)
    model.MODEL_PATH.with_suffix(".json.sha256").write_text(f"{digest}  model.json\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

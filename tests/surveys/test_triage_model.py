"""Triage's learned model: the committed file is the one its hash names, scoring reads texts as
training does, and model and rules decide together as documented."""

import json
import math

import pytest

from surveys.triage import model


def small_model(**changes) -> model.Model:
    values = {
        "bias": -1.0,
        "dense": {
            "polarity": -2.0,
            "facts": -1.0,
            "lexicon_positive": -0.5,
            "lexicon_negative": 1.0,
        },
        "grams": {"stuck": 3.0, "still waiting": 2.0, "the": 9.0, "great": 0.5},
        "gram_scale": 0.3,
        "threshold": 0.7,
        "threshold_with_rules": 0.4,
        "lexicon": {"great": 3.1, "awful": -2.5},
        "version": "test",
    }
    values.update(changes)
    return model.Model(**values)


def test_the_committed_model_is_the_file_its_hash_names():
    recorded = model.MODEL_PATH.with_suffix(".json.sha256").read_text().split()[0]
    assert model.file_hash() == recorded


def test_the_committed_model_says_where_it_came_from():
    data = json.loads(model.MODEL_PATH.read_text(encoding="utf-8"))
    assert data["sources"] and data["held_out"]["texts"] > 0
    assert 0 < data["threshold_with_rules"] <= data["threshold"] < 1
    loaded = model.load()
    assert set(loaded.dense) == set(model.DENSE)


def test_a_file_without_a_dense_weight_is_refused(tmp_path):
    data = json.loads(model.MODEL_PATH.read_text(encoding="utf-8"))
    del data["dense"]["facts"]
    broken = tmp_path / "model.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="facts"):
        model.load.__wrapped__(broken)


def test_scoring_reads_a_text_as_training_does():
    """Score = logistic(bias + dense weights x features() + scaled n-gram weights)."""
    m = small_model()
    words = model.tokens("still waiting, stuck and the lid is not great")
    dense, grams = model.features(words, -0.2, -0.25, m.lexicon)
    total = m.bias + sum(m.dense[k] * v for k, v in dense.items())
    total += m.gram_scale / math.sqrt(len(grams)) * sum(m.grams.get(g, 0.0) for g in grams)
    assert m.score(words, -0.2, -0.25).probability == pytest.approx(1 / (1 + math.exp(-total)))


def test_function_words_are_no_features_alone_but_make_bigrams():
    grams = model.ngrams(model.tokens("any update on the refund?"))
    assert "the" not in grams and "on" not in grams
    assert {"any update", "the refund", "refund", "?"} <= grams


def test_negation_turns_a_word_of_the_lexicon_around():
    lexicon = {"great": 3.0}
    assert model.lexicon_sums(["great"], lexicon) == (3.0, 0.0)
    positive, negative = model.lexicon_sums(["not", "really", "great"], lexicon)
    assert positive == 0.0 and negative == pytest.approx(3.0 * 0.74 / math.sqrt(3))
    far = model.lexicon_sums(["not", "a", "b", "c", "great"], lexicon)
    assert far[0] > 0  # beyond the window, the negator no longer reaches


def test_the_reasons_name_only_words_that_mean_something():
    m = small_model()
    score = m.score(model.tokens("great, still waiting and stuck in the queue"), 0.0, 0.0)
    assert score.leaning == ("stuck", "still waiting")  # not "the", not the praise "great"


@pytest.mark.parametrize(
    ("probability", "rules_negative", "hard_facts", "complaint"),
    [
        (0.75, False, False, True),  # the model alone, sure enough
        (0.5, False, False, False),  # unsure, and the rules see nothing
        (0.5, True, False, True),  # unsure, but the rules lean negative too
        (0.3, True, False, False),  # the rules' mild words alone are not enough
        (0.1, True, True, True),  # stated facts of failure decide
        (0.1, False, True, False),  # facts outweighed by stated good news
    ],
)
def test_model_and_rules_decide_together(probability, rules_negative, hard_facts, complaint):
    assert small_model().complaint(probability, rules_negative, hard_facts) is complaint

"""The triage engine, one signal at a time, then together. Runs with no NLTK data at all."""

import pytest

from surveys.triage.engine import Vocabulary, triage
from surveys.triage.scores import check_score, unhappy_scores


def reasons_of(result):
    return " | ".join(result.reasons)


class TestTextBlobAlone:
    def test_plain_praise_is_positive_and_low(self):
        result = triage("Excellent service, thank you!")
        assert (result.sentiment, result.severity) == ("positive", 1)
        assert "Words with feeling (TextBlob)" in reasons_of(result)

    def test_plain_anger_is_negative(self):
        result = triage("Terrible, awful experience.")
        assert result.sentiment == "negative" and result.polarity < -0.5
        assert result.severity == 3


class TestFailureFacts:
    @pytest.mark.parametrize(
        "text,fact",
        [
            ("My order was cancelled and I have been on hold for 2 hours", "cancelled"),
            ("The parcel never arrived", "never arrived"),
            ("Box was crushed", "crushed"),
            ("I got the wrong size", "wrong"),
            ("Still waiting for an answer", "still waiting"),
            ("I haven't received my order", "haven't received"),
        ],
    )
    def test_facts_without_feeling_are_negative(self, text, fact):
        result = triage(text)
        assert result.sentiment == "negative", result.reasons
        assert f"\u201c{fact}\u201d" in reasons_of(result)
        assert result.severity >= 2

    def test_two_failures_are_high(self):
        assert triage("The parcel was late and the box was damaged").severity == 3

    def test_long_wait_counts_as_urgent(self):
        result = triage("My order was cancelled and I have been on hold for 2 hours")
        assert result.severity == 3 and "\u201c2 hours\u201d" in reasons_of(result)


class TestNegation:
    def test_negated_failure_is_no_failure(self):
        result = triage("The delivery was not late and the driver was not rude")
        assert result.sentiment != "negative"
        assert "Negated, so no failure" in reasons_of(result)

    def test_words_both_stated_and_negated_count_once_as_stated(self):
        result = triage("Not late this time, but last week the parcel was late again")
        assert "Failure stated: \u201clate\u201d" in reasons_of(result)
        assert "Negated, so no failure" not in reasons_of(result)

    def test_not_bad_is_not_negative(self):
        assert triage("not bad at all").sentiment != "negative"

    def test_negated_praise_reads_as_a_complaint(self):
        result = triage("The agent was not helpful")
        assert result.sentiment == "negative"
        assert "Negated praise" in reasons_of(result)

    def test_no_problem_is_not_a_problem(self):
        assert triage("No problem at all, thanks").sentiment == "positive"


class TestContrast:
    def test_second_half_counts_more(self):
        result = triage("Nice staff but the order was wrong")
        assert result.sentiment == "negative"
        assert "what follows \u201cbut\u201d counts more" in reasons_of(result)

    def test_contrast_the_other_way(self):
        result = triage("The parcel was a day late, but the driver was lovely and apologised")
        assert result.polarity > triage("The parcel was a day late").polarity

    def test_capitalised_contrast_word(self):
        assert "counts more" in reasons_of(triage("Great food. However the waiter was rude."))


class TestScores:
    @pytest.mark.parametrize(
        "scale,score", [("nps", 0), ("nps", 6), ("csat", 1), ("csat", 2), ("ces", 2)]
    )
    def test_failing_score_is_negative_whatever_the_words(self, scale, score):
        result = triage("Thank you, lovely people, great service", scores=[(scale, score)])
        assert result.sentiment == "negative"
        assert "a failure whatever the words say" in reasons_of(
            result
        ) or "hard for the customer" in reasons_of(result)
        assert result.severity >= 2

    def test_a_promoter_who_found_it_a_bit_hard_is_not_a_failure_by_the_numbers(self):
        result = triage("Great, quick.", scores=[("nps", 9), ("csat", 5), ("ces", 2)])
        assert result.sentiment == "positive"
        assert "CES 2 of 7 means it was hard for the customer, but NPS 9 says otherwise" in (
            reasons_of(result)
        )
        assert not unhappy_scores([("nps", 9), ("csat", 5), ("ces", 2)])

    def test_an_outweighed_score_does_not_also_say_it_is_a_failure(self):
        result = triage("Fine.", scores=[("nps", 10), ("csat", 2)])
        assert (
            "Score: CSAT 2 of 5 is dissatisfied, but NPS 10 says otherwise: the words decide"
            in (reasons_of(result))
        )
        assert "whatever the words say" not in reasons_of(result)

    def test_outweighed_scores_leave_it_to_the_words(self):
        words = "The parcel never arrived and nobody answers the phone"
        assert triage(words, scores=[("nps", 10), ("ces", 3)]).sentiment == "negative"
        assert triage("", scores=[("csat", 4), ("ces", 2)]).sentiment == "positive"

    @pytest.mark.parametrize(
        "scores",
        [
            [("nps", 6), ("csat", 5)],  # an unhappy headline score is never outweighed
            [("nps", 10), ("csat", 1)],  # nor the worst answer on any scale
            [("nps", 9), ("ces", 1)],
            [("csat", 2), ("ces", 7)],  # CES does not outweigh CSAT
        ],
    )
    def test_what_no_happier_score_outweighs(self, scores):
        assert triage("Great, quick.", scores=scores).sentiment == "negative"
        assert unhappy_scores(scores)

    def test_unhappy_scores_ignores_what_is_not_a_score(self):
        assert not unhappy_scores([("nps", None), ("nps", "ten"), ("csat", 9)])
        assert unhappy_scores([("nps", "3")])

    def test_very_low_score_is_high_severity(self):
        assert triage("", scores=[("nps", 1)]).severity == 3

    def test_promoter_without_words_is_positive(self):
        result = triage("", scores=[("nps", 10)])
        assert result.sentiment == "positive" and "promoter" in reasons_of(result)

    def test_promoter_who_states_a_failure_is_not_called_positive(self):
        assert triage("It was late", scores=[("nps", 9)]).sentiment == "negative"

    def test_passive_defers_to_the_words(self):
        assert triage("", scores=[("nps", 8)]).sentiment == "neutral"

    @pytest.mark.parametrize(
        "scale,score",
        [
            ("nps", 11),
            ("csat", 0),
            ("ces", 8),
            ("stars", 3),
            ("nps", 4.5),
            ("nps", True),
            ("nps", "7"),
        ],
    )
    def test_impossible_scores_are_refused(self, scale, score):
        with pytest.raises(ValueError):
            check_score(scale, score)


class TestUrgencyMoneyChurnRisk:
    def test_money_and_leaving_are_high(self):
        result = triage("I want a refund, never again")
        assert (result.sentiment, result.severity) == ("negative", 3)
        assert "Money at stake" in reasons_of(result) and "May leave us" in reasons_of(result)

    @pytest.mark.parametrize(
        "text",
        [
            "My son had an allergic reaction",
            "I will contact my lawyer",
            "The charger is unsafe",
            "This is fraud",
        ],
    )
    def test_risk_is_critical(self, text):
        result = triage(text)
        assert result.severity == 4 and "Risk (safety, health, legal or fraud)" in reasons_of(
            result
        )

    def test_urgency_raises_a_negative_item(self):
        assert triage("The app crashed, fix it asap").severity == 3

    def test_urgency_alone_does_not_make_praise_urgent(self):
        result = triage("Thanks again, quick as always")
        assert result.severity == 1


class TestHowPeopleComplain:
    """Complaints that carry no angry word: sarcasm, pointed questions, polite disappointment."""

    @pytest.mark.parametrize(
        "text",
        [
            "Great, another 3 hours on the tarmac and no information.",
            "Thanks for nothing, the chat just closed on me.",
            "I love waiting on hold for an hour every time I call.",
            "Fantastic, cancelled again.",
        ],
    )
    def test_sarcasm(self, text):
        result = triage(text)
        assert result.sentiment == "negative"
        assert "Sarcasm, so the praise is not counted" in reasons_of(result)

    def test_praise_before_again_is_no_sarcasm_without_trouble(self):
        result = triage("Great, will buy again!")
        assert result.sentiment == "positive"
        assert "Sarcasm" not in reasons_of(result)

    @pytest.mark.parametrize(
        "text",
        [
            "Any update on my refund? It has been three weeks.",
            "Where is my parcel? I ordered it on the 3rd.",
            "Why was my booking cancelled without any notice?",
            "Is anyone actually reading these messages?",
            "When will I get my money back? I returned it a month ago.",
            "This is the third time I have called about the same invoice.",
        ],
    )
    def test_pointed_questions_and_chasing(self, text):
        result = triage(text)
        assert result.sentiment == "negative", reasons_of(result)
        assert "Chasing what is outstanding, or asking why it went wrong" in reasons_of(result)

    @pytest.mark.parametrize(
        "text",
        [
            "Could you tell me your opening hours?",
            "Can I change the delivery address for my order?",
            "Why do you recommend the larger model?",
            "My order arrived today.",
        ],
    )
    def test_plain_questions_and_statements_are_no_complaint(self, text):
        result = triage(text)
        assert result.sentiment != "negative", reasons_of(result)

    @pytest.mark.parametrize(
        "text",
        [
            "Unfortunately the lid was cracked when it arrived.",
            "I'm afraid the jacket is not the colour shown on the website.",
            "The fridge arrived with a dent in the door.",
            "I'd be grateful if you could look into why I was charged twice.",
        ],
    )
    def test_polite_complaints(self, text):
        assert triage(text).sentiment == "negative", reasons_of(triage(text))

    def test_the_learned_model_explains_itself_in_words_that_mean_something(self):
        result = triage("Still stuck in the queue, nobody has called me back")
        said = next(r for r in result.reasons if r.startswith("Learned model:"))
        assert "likely a complaint" in said
        for function_word in ("\u201cthe\u201d", "\u201cme\u201d", "\u201cin\u201d"):
            assert function_word not in said

    def test_a_promoter_with_plain_praise_and_a_hard_ces_is_no_failure(self):
        """The false alarm from the issue: NPS 9, CSAT 5, CES 2 and "Great, quick."."""
        result = triage("Great, quick.", scores=[("nps", 9), ("csat", 5), ("ces", 2)])
        assert result.sentiment == "positive"
        assert "NPS 9 says otherwise" in reasons_of(result)

    def test_a_negated_failure_is_not_also_called_a_complaint(self):
        result = triage("The delivery was not late this time.")
        assert result.sentiment != "negative", reasons_of(result)
        assert "Failure stated" not in reasons_of(result)


class TestLanguage:
    @pytest.mark.parametrize(
        ("text", "language"),
        [
            ("Mein Paket ist in so einem schlechten Zustand angekommen, es war offen", "German"),
            ("Le colis est arrivé en retard et personne ne répond", "French"),
            ("El pedido no ha llegado y nadie contesta a mis correos", "Spanish"),
        ],
    )
    def test_other_languages_are_named_and_not_judged_from_english_words(self, text, language):
        result = triage(text)
        assert result.sentiment == "neutral"
        assert f"Written in {language}, which triage does not read" in reasons_of(result)

    def test_then_the_scores_decide(self):
        result = triage("Das Paket ist nicht angekommen und niemand antwortet", scores=[("nps", 2)])
        assert result.sentiment == "negative"
        assert "the scores decide" in reasons_of(result)

    def test_english_without_common_small_words_is_still_english(self):
        result = triage("Excellent customer service, really quick delivery")
        assert "Written in" not in reasons_of(result) and result.sentiment == "positive"

    def test_short_english_is_english(self):
        assert triage("ok thanks").sentiment == "positive"


class TestKind:
    def test_a_polite_complaint_is_never_positive(self):
        result = triage(
            "Thank you so much, you are lovely, but please call me about my order", kind="complaint"
        )
        assert result.sentiment != "positive"
        assert result.severity >= 2

    def test_same_text_as_a_response_may_be_positive(self):
        assert triage("Thank you so much, you are lovely", kind="response").sentiment == "positive"

    def test_unknown_kind(self):
        with pytest.raises(ValueError):
            triage("x", kind="tweet")


class TestHostileInput:
    def test_empty(self):
        result = triage("")
        assert (result.sentiment, result.severity) == ("neutral", 1)
        assert "Nothing to judge" in reasons_of(result)

    def test_one_megabyte(self):
        result = triage("The parcel was late. " * 50_000)
        assert result.sentiment == "negative"
        assert "Only the first 20,000 characters were read" in reasons_of(result)

    def test_other_language_is_left_neutral_with_a_reason(self):
        result = triage("Das Paket ist nicht angekommen und niemand antwortet")
        assert result.sentiment == "neutral"
        assert "Written in German, which triage does not read" in reasons_of(result)

    def test_other_script(self):
        result = triage("荷物が届きませんでした")
        assert result.sentiment == "neutral" and "No words we can read" in reasons_of(result)

    def test_emoji(self):
        assert triage("😡😡😡").sentiment == "negative"
        assert triage("👍😊").sentiment == "positive"

    def test_html_and_script_tags_are_read_as_text(self):
        result = triage("<script>alert('x')</script><b>The parcel was late</b>")
        assert result.sentiment == "negative"


class TestTopics:
    def test_default_topics(self):
        assert triage("The courier left the parcel in the rain").topics == ("delivery",)
        assert set(triage("I was charged twice and the agent was rude").topics) == {
            "billing",
            "staff",
        }

    def test_plural_forms_come_from_textblob_inflection(self):
        vocabulary = Vocabulary({"furniture": ["sofa", "chair"]})
        assert triage("Both chairs arrived broken", vocabulary=vocabulary).topics == ("furniture",)

    def test_no_topic(self):
        assert triage("Fine.").topics == ()


def test_the_engine_needs_no_nltk_data(monkeypatch, tmp_path):
    """Point NLTK at an empty folder: triage still works (it never needs corpora)."""
    import nltk

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    monkeypatch.setenv("NLTK_DATA", str(tmp_path))
    result = triage("The agent was rude and my refund is late")
    assert result.sentiment == "negative" and result.severity == 3


@pytest.mark.parametrize(
    "text",
    [
        "don't waste your money.",
        "I can't say it was bad :) but the box was awful!!!",
        'The "premium" service was terrible... really terrible',
        "It's not great, it isn't good, and I'm very unhappy :(",
        "Great product - well-made, five-star quality; thanks!",
        "Not a very good day, 10/10 :-D but I'm really not happy, honestly!",
    ],
)
def test_the_words_are_read_as_textblob_reads_them(text):
    """Triage splits text for TextBlob's analyser in one pass; the polarity is TextBlob's own,
    and so is every assessment (our copy of the analyser has its word list read up front)."""
    from textblob import TextBlob
    from textblob.en import sentiment as textblob_analyser

    from surveys.triage.feeling import analyser, assess, feeling_words

    assert assess(text)[0] == pytest.approx(TextBlob(text).sentiment.polarity)
    words = [(word, None) for word in feeling_words(text)]
    assert analyser().assessments(words) == textblob_analyser.assessments(words)


def _alternation(phrases):
    """What the phrase pattern was before it became a trie: one alternation, longest first."""
    import re

    body = "|".join(
        re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True)
    )
    return re.compile(r"(?<![\w'])(" + body + r")(?:s|es)?(?![\w'])")


@pytest.mark.parametrize(
    "phrases",
    [
        # Prefixes of each other, a phrase inside a longer one, marks and digits in keywords.
        ["late", "late delivery", "later", "delivery", "deliver", "c++", "e-mail", "24/7"],
        ["refund", "refunds", "refunded", "not refunded", "no", "no refund", "a", "an"],
    ],
)
def test_the_phrase_trie_finds_what_the_alternation_found(phrases):
    from surveys.triage.engine import _SIGNAL_PATTERN
    from surveys.triage.phrases import phrase_pattern

    texts = [
        "The late   delivery was later than late; my e-mails about c++ went unanswered 24/7.",
        "Delivered? No refund, not refunded, no\nrefunds: a refunded order and an apology.",
        "latedelivery relate it's late's refunding x-late",
    ]
    for pattern, reference in (
        (phrase_pattern(phrases), _alternation(phrases)),
        (_SIGNAL_PATTERN, _alternation(_SIGNAL_PATTERN_PHRASES())),
    ):
        for text in texts:
            found = [(m.start(), m.group(0)) for m in pattern.finditer(text.lower())]
            assert found == [(m.start(), m.group(0)) for m in reference.finditer(text.lower())]
    assert any(phrase_pattern(phrases).search(text.lower()) for text in texts)


def _SIGNAL_PATTERN_PHRASES():
    from surveys.triage.engine import _CLASSES

    return list(_CLASSES)

"""Style features that compare distorted drafts with raw annotations (pfutils.textstats)."""
import math

import pytest

from pfutils.textstats import distinct_n, form_score, split_sentences, style_features


def test_sentences_split_at_end_punctuation_and_line_breaks():
    assert split_sentences("A red circle. Is it big? Yes!\nsecond line\n\n") == ["A red circle.", "Is it big?", "Yes!",
                                                                                 "second line"]


def test_features_of_a_polite_and_a_raw_text():
    polite = style_features("The image shows a red circle. It is large.")
    raw = style_features("red circle red circle large")
    assert polite["words"] == 9 and polite["sentences"] == 2 and polite["words_per_sentence"] == 4.5
    assert polite["lowercase_initial"] == 0.0 and raw["lowercase_initial"] == 1.0
    assert polite["punctuation_per_word"] == pytest.approx(2 / 9) and raw["punctuation_per_word"] == 0.0
    assert raw["distinct_2"] == pytest.approx(3 / 4) and polite["distinct_2"] == 1.0
    assert style_features("RED CIRCLE")["uppercase_ratio"] == 1.0


def test_undefined_ratios_are_nan():
    empty = style_features("")
    assert empty["words"] == 0 and all(math.isnan(empty[k]) for k in ("lowercase_initial", "uppercase_ratio",
                                                                       "punctuation_per_word", "distinct_2"))
    assert math.isnan(distinct_n(["yes"], 2))


@pytest.mark.parametrize("text, expected", [
    ("Sure! The image shows a large red circle in the top left corner.", 1.0),  # all three marks
    ("3", 0.0), ("yes", 0.0), ("", 0.0),                                      # bare VQA answers
    ("a red circle and a small blue square on the left", 1 / 3),              # a lowercase caption, unpunctuated
    ("The image shows a large red circle", 2 / 3),                            # no final punctuation
    ("Red circle.", 2 / 3),                                                    # too short to be a sentence
])
def test_the_untrained_form_judge(text, expected):
    assert form_score(text) == pytest.approx(expected)

"""Rouge-L F-measure: the `rouge-score` package with Porter stemming, on cases worked out by hand."""
import pytest

from pfutils.scoring.rouge import rouge_l, rouge_l_scores


def test_identical_and_disjoint_texts():
    assert rouge_l("a red circle", "a red circle") == 1.0
    assert rouge_l("a red circle", "two blue squares") == 0.0


def test_longest_common_subsequence_by_hand():
    # LCS of "the red circle is large" and "the circle is red" is "the circle is" (3 tokens):
    # precision 3/4, recall 3/5, F = 2PR/(P+R) = 2/3.
    assert rouge_l("the red circle is large", "the circle is red") == pytest.approx(2 / 3)


def test_stemming_and_case():
    # Porter stemming: "circles" -> "circl" like "circle"; rouge-score lowercases and drops punctuation.
    assert rouge_l("Two circles.", "two circle") == 1.0


def test_batch_matches_pairs_and_checks_lengths():
    assert rouge_l_scores(["a b", "c d"], ["a b", "x y"]) == [1.0, 0.0]
    with pytest.raises(ValueError):
        rouge_l_scores(["a"], [])

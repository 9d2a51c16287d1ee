"""Auditing filters against toyworld's truth, and choosing the CLIPScore threshold on a validation split."""
import random

import pytest

from pfutils.filtering.audit import filter_decisions, filter_quality, paragraph_table
from pfutils.toyworld.truth import answer_changed, hallucinated, known_mean, rewrite_is_bad
from pfutils.filtering.threshold import candidate_thresholds, choose_threshold, threshold_curve
from pfutils.toyworld.scene import Obj, Scene, scenes_to_json
from test_filtering_filters import ScriptedClip, rewritten

SCENE = scenes_to_json([Scene((Obj("circle", "red", "large", 0, 0), Obj("square", "blue", "small", 1, 2)), "white")])


def test_precision_recall_and_base_rate_by_hand():
    quality = filter_quality(dropped=[True, True, False, False, True], truth=[True, False, True, False, True])
    assert (quality["tp"], quality["fp"], quality["fn"], quality["tn"]) == (2, 1, 1, 1)
    assert quality["precision"] == pytest.approx(2 / 3) and quality["recall"] == pytest.approx(2 / 3)
    assert quality["base_rate"] == pytest.approx(3 / 5) and quality["drop_rate"] == pytest.approx(3 / 5)
    nothing = filter_quality([False, False], [False, False])
    assert nothing["precision"] is None and nothing["recall"] is None and nothing["base_rate"] == 0.0


def test_truth_labels_from_the_scene_and_the_gold_answer():
    assert hallucinated("A large red circle is in the top left corner.", SCENE) is False
    assert hallucinated("There is a green triangle.", SCENE) is True
    record = rewritten("I can see three circles.", category="vqa_short", answer="one", answer_type="number")
    assert answer_changed(record) is True
    assert answer_changed({**record, "rewrite": "There is one circle."}) is False
    assert answer_changed(rewritten("A red circle.")) is None


def test_real_data_has_no_exact_truth_and_no_number_is_made_up():
    """A record without a scene (every real dataset) has no hallucination truth: None, left out of the shares."""
    assert hallucinated("There is a green triangle.", "") is None
    record = rewritten("I can see three circles.", category="vqa_short", answer="one", answer_type="number")
    assert rewrite_is_bad({**record, "scene": ""}) is None
    assert rewrite_is_bad({**record, "scene": SCENE}) is True
    assert known_mean([True, None, False, True]) == pytest.approx(2 / 3) and known_mean([None, None]) is None


def test_filter_decisions_are_read_back_from_a_run():
    kept = [{"id": "a", "applied_filters": ["length", "sts"]}, {"id": "b", "applied_filters": ["length"]}]
    rejects = [{"id": "c", "stage": "sts", "applied_filters": ["length", "sts"]},
               {"id": "d", "stage": "clip", "applied_filters": ["length", "sts", "clip"]},
               {"id": "e", "stage": "length", "applied_filters": ["length"]}]
    assert filter_decisions("sts", kept, rejects) == {"a": False, "c": True, "d": False}


def test_paragraph_table_scores_and_labels_each_paragraph():
    good, bad = "A large red circle is in the top left corner.", "In addition, there is a green triangle."
    records = [rewritten(f"{good}\n\n{bad}", scene=SCENE), rewritten(good, scene=SCENE),
               rewritten(f"{good}\n\n{bad}")]  # one paragraph / no scene: skipped
    rows = paragraph_table(records, ScriptedClip({good: 22.0, bad: 14.0}))
    assert [(r["paragraph"], r["clip_score"], r["hallucinated"]) for r in rows] == [(0, 22.0, False), (1, 14.0, True)]


def test_threshold_separates_a_separable_example():
    scores = [1.0, 2.0, 3.0, 5.0, 6.0, 7.0]
    labels = [True, True, True, False, False, False]
    for criterion in ("f1", "youden_j"):
        choice = choose_threshold(scores, labels, criterion)
        assert choice.threshold == 4.0 and choice.value == pytest.approx(1.0)
    assert len(choice.curve) == len(candidate_thresholds(scores)) == 7
    assert choice.curve[0]["drop_rate"] == 0.0 and choice.curve[-1]["drop_rate"] == 1.0


def test_threshold_ties_drop_less_and_inputs_are_checked():
    assert choose_threshold([3.0, 4.0], [False, False]).threshold == 3.0  # nothing to catch: drop nothing
    row = threshold_curve([1.0, 2.0, 3.0], [True, False, True])[1]  # t = 1.5 drops only the first
    assert (row["precision"], row["recall"], row["f1"]) == (1.0, 0.5, pytest.approx(2 / 3))
    with pytest.raises(ValueError):
        threshold_curve([1.0], [])
    with pytest.raises(ValueError, match="criterion"):
        choose_threshold([1.0], [True], "accuracy")


def test_curve_agrees_with_filter_quality_at_every_threshold():
    rng = random.Random(0)
    scores = [round(rng.uniform(0, 30), 1) for _ in range(60)]
    labels = [s < 15 if rng.random() < 0.8 else s >= 15 for s in scores]
    for row in threshold_curve(scores, labels):
        quality = filter_quality([s < row["threshold"] for s in scores], labels)
        assert (row["precision"], row["recall"], row["drop_rate"]) == (quality["precision"], quality["recall"],
                                                                       quality["drop_rate"])

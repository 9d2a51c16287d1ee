"""The base model's caption scores at their three levels of claim, on hand-made captions."""
import pytest

from pfutils.pretrain.evaluate import hallucination_scores, names_object
from pfutils.toyworld.scene import Obj, Scene

SCENE = Scene((Obj("cross", "orange", "large", 0, 1), Obj("cross", "purple", "small", 1, 2)), "gray")


def test_levels_separate_categories_binding_and_positions():
    scores = hallucination_scores(["a large purple cross at the top and a small orange circle"], [SCENE])
    # objects (CHAIR): the circle is absent, the cross is present
    assert scores["hallucinated_mentions_objects"] == pytest.approx(1 / 2)
    # attributes: the large purple cross binds size and colour wrongly as well
    assert scores["hallucinated_mentions_attributes"] == pytest.approx(2 / 2)
    assert scores["hallucinated_captions_objects"] == 1.0


def test_a_faithful_caption_scores_zero_at_every_level():
    scores = hallucination_scores(["a large orange cross at the top and a small purple cross on the right"], [SCENE])
    assert {k: v for k, v in scores.items() if k.startswith("hallucinated")} == {
        f"hallucinated_{unit}_{level}": 0.0 for unit in ("captions", "mentions")
        for level in ("objects", "attributes", "with_positions")}
    assert scores["mentions_per_caption"] == 2


def test_a_misplaced_object_is_only_a_position_error():
    scores = hallucination_scores(["a large orange cross in the bottom left corner"], [SCENE])
    assert scores["hallucinated_mentions_attributes"] == 0.0
    assert scores["hallucinated_mentions_with_positions"] == 1.0


def test_names_object_needs_colour_and_shape():
    single = Scene((Obj("circle", "red", "small", 1, 1),), "white")
    assert names_object("a small red circle in the center", single)
    assert not names_object("a small blue circle", single)

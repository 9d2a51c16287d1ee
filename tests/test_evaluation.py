"""Stage 07: per-sample scores on hand-made cases (the decoding options: tests/test_decoding.py)."""
from pfutils.evaluation.scores import vqa_correct
from pfutils.toyworld.truth import hallucination, object_recall
from pfutils.scoring.nli import nli_backend
from pfutils.toyworld.scene import Obj, Scene, scenes_to_json

SCENE = scenes_to_json([Scene((Obj("circle", "red", "large", 0, 0), Obj("square", "blue", "small", 1, 1)), "black")])


def test_object_recall_and_hallucination_by_hand():
    assert object_recall("A red circle and a blue square.", SCENE) == 1.0
    assert object_recall("A red circle sits in the corner.", SCENE) == 0.5
    assert hallucination("A red circle and a green triangle.", SCENE) == (True, True, True, 2)
    assert hallucination("A red circle.", SCENE) == (False, False, False, 1)
    assert hallucination("A red circle in the center.", SCENE) == (False, False, True, 1)
    assert hallucination("A blue circle.", SCENE) == (False, True, True, 1)  # a circle is there, not a blue one


def test_vqa_accuracy_with_the_exact_judge():
    rows = [{"instruction": "What color is the circle?", "answer": "red", "answer_type": "colour", "choices": []},
            {"instruction": "How many squares?", "answer": "1", "answer_type": "number", "choices": []}]
    answers = ["The circle is red.", "There are two squares."]
    assert vqa_correct(rows, answers, nli_backend("exact")) == [True, False]


def test_without_a_scene_the_truth_metrics_are_not_available_not_zero():
    """Real data has no scene: the exact checks say "not available" (None), never "no hallucination", and the
    model's summary leaves them out instead of crashing or counting them."""
    import pandas as pd

    from pfutils.evaluation.summary import summary

    assert object_recall("A red circle.", "") is None
    assert hallucination("A red circle.", "") == (None, None, None, 0)
    flags = hallucination("A green triangle.", "")
    frame = pd.DataFrame({"task": ["captioning"], "id": ["coco/test/0"], "rouge_l": [0.3], "reward": [0.0], "form": [1.0],
                          "object_recall": [object_recall("A green triangle.", "")], "hallucinated_objects": [flags[0]],
                          "hallucinated": [flags[1]], "misplaced": [flags[2]], "mentions": [flags[3]]})
    numbers = summary(frame)
    assert numbers["captioning_object_recall"] is None and numbers["captioning_hallucinated"] is None
    assert numbers["captioning_rouge_l"] == 0.3

"""Stage 07: per-sample scores on hand-made cases, and the decoding options."""
import pytest
from pydantic import ValidationError

from pfutils.decoding import Decoding
from pfutils.evaluation.scores import hallucination, object_recall, vqa_correct
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


def test_decoding_options_reach_generate_only_when_they_apply():
    greedy = Decoding(max_new_tokens=8, num_beams=1, do_sample=False, temperature=1.0, top_k=0, top_p=1.0,
                      no_repeat_ngram_size=0, length_penalty=1.0, batch_size=4, cache="dynamic", compile=False)
    assert greedy.generate_kwargs() == {"max_new_tokens": 8, "num_beams": 1, "do_sample": False,
                                        "no_repeat_ngram_size": 0}
    sampled = greedy.model_copy(update={"do_sample": True, "top_p": 0.9, "num_beams": 3})
    kwargs = sampled.generate_kwargs()
    assert kwargs["top_p"] == 0.9 and kwargs["length_penalty"] == 1.0
    compiled = Decoding.model_validate({**greedy.model_dump(), "cache": "static", "compile": True}).generate_kwargs()
    assert compiled["cache_implementation"] == "static"
    assert compiled["compile_config"].fullgraph and compiled["compile_config"].dynamic is False


def test_compiled_decoding_without_a_static_cache_fails_naming_the_keys():
    with pytest.raises(ValidationError, match="compile: true needs cache: static"):
        Decoding(max_new_tokens=8, num_beams=1, do_sample=False, temperature=1.0, top_k=0, top_p=1.0,
                 no_repeat_ngram_size=0, length_penalty=1.0, batch_size=4, cache="dynamic", compile=True)


def test_without_a_scene_the_truth_metrics_are_not_available_not_zero():
    """Real data has no scene: the exact checks say "not available" (None), never "no hallucination", and the
    model's summary leaves them out instead of crashing or counting them."""
    import pandas as pd

    from pfutils.evaluation.suite import summary

    assert object_recall("A red circle.", "") is None
    assert hallucination("A red circle.", "") == (None, None, None, 0)
    flags = hallucination("A green triangle.", "")
    frame = pd.DataFrame({"task": ["captioning"], "id": ["coco/test/0"], "rouge_l": [0.3], "reward": [0.0],
                          "object_recall": [object_recall("A green triangle.", "")], "hallucinated_objects": [flags[0]],
                          "hallucinated": [flags[1]], "misplaced": [flags[2]], "mentions": [flags[3]]})
    numbers = summary(frame)
    assert numbers["captioning_object_recall"] is None and numbers["captioning_hallucinated"] is None
    assert numbers["captioning_rouge_l"] == 0.3

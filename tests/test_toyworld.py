"""toyworld: determinism, scene invariants, and the exact checkers held against the teacher and planted errors."""
import random

import pytest

from pfutils.toyworld.checkers import answer_label, hallucinations, is_correct, mentions
from pfutils.toyworld.questions import FAMILIES, ask
from pfutils.toyworld.render import render
from pfutils.toyworld.scene import Obj, Scene, changed_scene, random_scene, scenes_from_json
from pfutils.toyworld.sources import SOURCES, World, build_source, make_sample
from pfutils.toyworld.teacher import polite_answer

WORLD = World()
RED_CIRCLE = Obj("circle", "red", "large", 0, 0)
BLUE_SQUARE = Obj("square", "blue", "small", 1, 1)
SCENE = Scene((RED_CIRCLE, BLUE_SQUARE), "black")


def test_scenes_are_deterministic_and_valid():
    for i in range(200):
        a = random_scene(random.Random(i), 1, 5)
        b = random_scene(random.Random(i), 1, 5)
        assert a == b
        assert 1 <= len(a.objects) <= 5
        assert len({(o.row, o.col) for o in a.objects}) == len(a.objects), "two objects share a cell"
        assert len({(o.colour, o.shape) for o in a.objects}) == len(a.objects), "colour+shape must name one object"
        for o in a.objects:
            x1, y1, x2, y2 = o.box()
            assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1
        assert Scene.from_json(a.to_json()) == a


def test_render_is_deterministic_and_draws_the_colours():
    image = render(SCENE, 60)
    assert image.size == (60, 60)
    assert image.tobytes() == render(SCENE, 60).tobytes()
    x1, y1, x2, y2 = RED_CIRCLE.box()
    centre = image.getpixel((int((x1 + x2) / 2 * 60), int((y1 + y2) / 2 * 60)))
    assert centre[0] > 180 and centre[1] < 80 and centre[2] < 80
    assert image.getpixel((59, 59))[0] < 40  # black background in an empty corner


def test_change_pairs_differ_exactly_by_their_changes():
    for i in range(100):
        rng = random.Random(i)
        before = random_scene(rng, 2, 5)
        after, changes = changed_scene(before, rng, 2)
        assert after != before and len(changes) == 2
        for c in changes:
            if c.kind == "removed":
                assert c.before in before.objects and c.before not in after.objects


def test_samples_are_deterministic_and_independent_of_other_sizes():
    a = make_sample("vqav2_like", "train", 3, 0, WORLD)
    b = make_sample("vqav2_like", "train", 3, 0, WORLD)
    assert a["instruction"] == b["instruction"] and a["images"][0].tobytes() == b["images"][0].tobytes()
    assert make_sample("vqav2_like", "train", 3, 1, WORLD)["scene"] != a["scene"]
    ds = build_source("coco_like", {"train": 3, "val": 0, "test": 2}, 0, WORLD)
    assert set(ds) == {"train", "test"} and ds["train"].num_rows == 3
    assert len(ds["train"][0]["captions"]) == 5 and ds["train"][0]["boxes"]


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_source_is_exact(name):
    """Polite texts never hallucinate; every gold answer is what its annotation states."""
    for i in range(60):
        s = make_sample(name, "train", i, 0, WORLD)
        assert s["category"] == SOURCES[name].category and s["response"].strip()
        scenes = scenes_from_json(s["scene"]) if s["scene"] else []
        assert len(scenes) == len(s["images"])
        if scenes and s["category"].startswith("polite"):
            assert hallucinations(s["response"], scenes) == [], s["response"]
        if s["answer"] and s["category"] != "classification":
            assert is_correct(s["response"], s["answer"], s["answer_type"], tuple(s["choices"])), s


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_teacher_answers_every_question_family_correctly(family):
    checked = 0
    for i in range(80):
        rng = random.Random(i)
        scene = random_scene(rng, 1, 5)
        qa = ask(family, scene, rng)
        if qa is None:
            continue
        answer = polite_answer(qa, scene, rng)
        assert answer_label(answer, qa.answer, qa.answer_type, qa.choices) == "entailment", (qa, answer)
        assert hallucinations(answer, [scene]) == [], answer
        checked += 1
    assert checked > 40


def test_planted_wrong_object_is_caught():
    assert hallucinations("There is a large red circle in the top left corner.", [SCENE]) == []
    planted = hallucinations("There is a large red circle and a green triangle.", [SCENE])
    assert [m.shape for m in planted] == ["triangle"]


def test_wrong_attributes_positions_counts_and_background_are_caught():
    assert [m.text for m in hallucinations("A small red circle.", [SCENE])] == ["circle"]
    assert [m.position for m in hallucinations("The blue square is in the top right corner.", [SCENE])] == ["top right"]
    assert hallucinations("The blue square is in the center.", [SCENE]) == []
    assert [m.count for m in hallucinations("I see two circles.", [SCENE])] == [2]
    assert hallucinations("There are two shapes on a black background.", [SCENE]) == []
    assert [m.background for m in hallucinations("Shapes on a white background.", [SCENE])] == ["white"]
    assert [m.colour for m in hallucinations("Next to it is a purple one.", [SCENE])] == ["purple"]


def test_negations_and_hypotheticals_claim_nothing():
    assert hallucinations("No, there is no green triangle in the image.", [SCENE]) == []
    assert hallucinations("If a yellow cross were added, it would be on the left.", [SCENE]) == []
    assert mentions("The image contains nothing but a red circle.", [SCENE]) == []


def test_change_captions_are_checked_against_both_images():
    after = Scene((BLUE_SQUARE,), "black")
    assert hallucinations("The red circle that was in the top left corner has been removed.", [SCENE, after]) == []
    assert hallucinations("A yellow diamond has appeared.", [SCENE, after])


def test_answer_labels():
    assert answer_label("The circle is red. It is large.", "red", "colour") == "entailment"
    assert answer_label("The circle is blue.", "red", "colour") == "contradiction"
    assert answer_label("A circle sits in the corner.", "red", "colour") == "neutral"
    assert answer_label("There are three circles: a red one ...", "3", "number") == "entailment"
    assert answer_label("2", "two", "number") == "entailment"
    assert answer_label("There are no triangles in the image.", "0", "number") == "entailment"
    assert answer_label("No, the circle is not above the square.", "no", "boolean") == "entailment"
    assert answer_label("The statement is true.", "true", "boolean") == "entailment"
    assert answer_label("Yes.", "false", "boolean") == "contradiction"
    assert answer_label("The answer is pizza slice.", "pizza slice", "choice", ("coin", "pizza slice")) == "entailment"
    assert answer_label("A coin.", "pizza slice", "choice", ("coin", "pizza slice")) == "contradiction"


def test_planted_wrong_answer_is_caught():
    rng = random.Random(5)
    for i in range(50):
        scene = random_scene(rng, 2, 5)
        qa = ask("vqav2", scene, rng)
        if qa.answer_type != "colour":
            continue
        right = polite_answer(qa, scene, rng)
        wrong_colour = next(c for c in ("red", "green", "blue", "yellow", "purple", "orange") if c != qa.answer)
        wrong = right.replace(qa.answer, wrong_colour)
        assert is_correct(right, qa.answer, "colour") and not is_correct(wrong, qa.answer, "colour")

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


def test_proofreading_shows_the_text_with_typos_and_answers_it_clean():
    import random

    from pfutils.pretrain.corpus import PROOFREADING_REQUESTS, proofreading
    from pfutils.prompts import SYSTEM_MESSAGE

    text = "The image shows three shapes on a black background: a purple diamond and two yellow circles."
    doc = proofreading(text, random.Random(0))
    prompt, response = doc.split("### Assistant: ")
    assert response == text and prompt.startswith(SYSTEM_MESSAGE)
    shown = prompt.split("\n\n", 1)[1].removesuffix("\n")
    assert any(r in prompt for r in PROOFREADING_REQUESTS)
    assert shown != text and len(shown.split()) == len(text.split())  # typos, not other words


def test_copying_compares_the_text_shown_with_the_bare_request():
    """An LM that copies from its context predicts a shown text better; check with an LM that only copies."""
    import torch

    from pfutils.pretrain.evaluate import copying

    class Copier(torch.nn.Module):
        """Predicts each next token as the one that followed the current token's latest earlier occurrence."""
        def forward(self, input_ids):
            ids = input_ids[0].tolist()
            logits = torch.zeros(1, len(ids), 500)
            for i, t in enumerate(ids):
                earlier = [j for j in range(i) if ids[j] == t]
                if earlier:
                    logits[0, i, ids[earlier[-1] + 1]] = 20.0
            return type("Out", (), {"logits": logits})()

    class Chars:
        def __call__(self, text, add_special_tokens=True):
            return type("Enc", (), {"input_ids": [ord(c) % 500 for c in text]})()

    texts = ["a purple diamond in the top left corner", "two yellow circles on the right side"]
    scores = copying(Copier(), Chars(), texts, seed=0)
    assert scores["loss_text_shown"] < scores["loss_not_shown"]

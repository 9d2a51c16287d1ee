"""CLIPScore: the released formula checked by hand on a tiny random CLIP, through both scorer factories."""
import json

import numpy as np
import open_clip
import pytest
import torch
from PIL import Image

from pfutils.pretrain.clip import clip_config, image_tensor, save_clip, text_tokens
from pfutils.pretrain.tokenizer import train_tokenizer
from pfutils.scoring.clipscore import (MAX_SENTENCES, ClipScorer, local_clip_scorer, open_clip_scorer,
                                       sentence_pieces, split_paragraphs)

CONTEXT = 16
IMAGE_SIZE = 12
SENTENCES = [f"There is a {c} {s} here" for c in ("red", "blue", "green")
             for s in ("circle", "square", "cross", "diamond")]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(clip dir, tokenizer dir, model, tokenizer): a random toyworld-style CLIP saved as stage 00 saves it."""
    root = tmp_path_factory.mktemp("clip")
    tokenizer = train_tokenizer(SENTENCES, vocab_size=300, model_max_length=CONTEXT)
    cfg = clip_config(image_size=IMAGE_SIZE, patch_size=6, width=16, layers=1, heads=2, text_width=16, text_layers=1,
                      text_heads=2, embed_dim=8, vocab_size=len(tokenizer), context_length=CONTEXT)
    torch.manual_seed(0)
    model = open_clip.CLIP(**cfg).eval()
    save_clip(model, cfg, root / "clip")
    tokenizer.save_pretrained(root / "tokenizer")
    return str(root / "clip"), str(root / "tokenizer"), model, tokenizer


def image(colour="red"):
    return Image.new("RGB", (20, 20), colour)


def by_hand(model, tokenizer, picture, pieces) -> float:
    """100 * <normalised image feature, mean of normalised piece features>, in numpy."""
    with torch.no_grad():
        img = model.encode_image(image_tensor([picture], IMAGE_SIZE))[0].numpy()
        txt = model.encode_text(text_tokens(tokenizer, pieces, CONTEXT)).numpy()
    img = img / np.linalg.norm(img)
    txt = txt / np.linalg.norm(txt, axis=1, keepdims=True)
    return float(100 * img @ txt.mean(axis=0))


def test_paragraphs_split_on_blank_lines():
    text = "First paragraph. Two sentences.\n\nIn addition, a second one.\n  \n\nThird.\n"
    assert split_paragraphs(text) == ["First paragraph. Two sentences.", "In addition, a second one.", "Third."]
    assert split_paragraphs("one line\nanother line") == ["one line\nanother line"]


def test_pieces_are_the_released_codes_first_ten_dot_splits():
    assert sentence_pieces("A red circle. A blue square.") == ["A red circle", " A blue square", ""]
    long = ". ".join(f"s{i}" for i in range(15))
    assert sentence_pieces(long) == ["s0"] + [f" s{i}" for i in range(1, MAX_SENTENCES)]


def test_score_is_the_formula_by_hand(tiny):
    clip_dir, tokenizer_dir, model, tokenizer = tiny
    scorer = local_clip_scorer(clip_dir, tokenizer_dir, device="cpu", batch_size=2)
    first = ". ".join(SENTENCES) + "."  # 12 sentences: only the first 10 pieces count
    second = "There is a blue square here."
    scores = scorer.paragraph_scores([image("red"), image("blue")], [[first, second], [second]])
    assert scores[0][0] == pytest.approx(by_hand(model, tokenizer, image("red"), first.split(".")[:10]), abs=1e-4)
    assert scores[0][1] == pytest.approx(by_hand(model, tokenizer, image("red"), ["There is a blue square here", ""]),
                                         abs=1e-4)
    assert scores[1][0] == pytest.approx(by_hand(model, tokenizer, image("blue"), ["There is a blue square here", ""]),
                                         abs=1e-4)


def test_mean_is_not_renormalised(tiny):
    """With two different pieces the score is below 100 x the cosine with the mean (|mean| < 1)."""
    _, _, model, tokenizer = tiny
    scorer = ClipScorer(model, lambda t: text_tokens(tokenizer, t, CONTEXT), lambda i: image_tensor(i, IMAGE_SIZE))
    paragraph = "There is a red circle here. There is a green cross here"
    [[score]] = scorer.paragraph_scores([image()], [[paragraph]])
    with torch.no_grad():
        img = torch.nn.functional.normalize(model.encode_image(image_tensor([image()], IMAGE_SIZE)), dim=-1)[0]
        tokens = text_tokens(tokenizer, paragraph.split("."), CONTEXT)
        txt = torch.nn.functional.normalize(model.encode_text(tokens), dim=-1)
    mean = txt.mean(dim=0)
    assert score == pytest.approx(100 * float(img @ mean), abs=1e-4)
    assert abs(score) < abs(100 * float(img @ mean / mean.norm()))


def test_scorer_is_cached_and_checks_lengths(tiny):
    clip_dir, tokenizer_dir, _, _ = tiny
    assert local_clip_scorer(clip_dir, tokenizer_dir, "cpu") is local_clip_scorer(clip_dir, tokenizer_dir, "cpu")
    scorer = local_clip_scorer(clip_dir, tokenizer_dir, "cpu")
    assert scorer.paragraph_scores([], []) == []
    with pytest.raises(ValueError):
        scorer.paragraph_scores([image()], [])


def test_open_clip_factory_on_a_registered_tiny_config(tmp_path):
    """The paper's path (create_model_and_transforms + get_tokenizer), on a tiny config instead of ViT-L-14-336."""
    cfg = {"embed_dim": 8, "vision_cfg": {"image_size": 16, "patch_size": 8, "width": 16, "layers": 1, "head_width": 8},
           "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 16, "heads": 2, "layers": 1}}
    (tmp_path / "pf-scoring-test-clip.json").write_text(json.dumps(cfg))
    open_clip.add_model_config(tmp_path / "pf-scoring-test-clip.json")
    scorer = open_clip_scorer("pf-scoring-test-clip", None, "cpu")
    paragraph = "A red circle. A blue square."
    [[score]] = scorer.paragraph_scores([image()], [[paragraph]])
    with torch.no_grad():
        img = torch.nn.functional.normalize(scorer.model.encode_image(scorer.preprocess([image()])), dim=-1)[0]
        tokens = open_clip.get_tokenizer("pf-scoring-test-clip")(["A red circle", " A blue square", ""])
        txt = torch.nn.functional.normalize(scorer.model.encode_text(tokens), dim=-1)
    assert score == pytest.approx(100 * float(img @ txt.mean(dim=0)), abs=1e-4)

"""How good the base models are, measured on held-out toyworld images with the exact checkers."""
from __future__ import annotations

import random
from contextlib import contextmanager

import torch

from ..model.generation import generate_texts
from ..prompts import END_OF_CHUNK, IMAGE_TOKEN, chat_prompt
from ..toyworld.checkers import mentions, object_mentions, tokens
from ..toyworld.raw import noisy
from ..toyworld.render import render
from ..toyworld.scene import World
from ..toyworld.vocab import COLOURS, POSITION_PHRASES, SHAPE_PLURALS, SHAPES, SIZES
from .clip import zero_shot_accuracy
from .corpus import PROOFREADING_REQUESTS


def held_out_scenes(world: World, n: int, seed: int, n_objects: int | None = None) -> list:
    """Scenes from a seed space no base model was trained on."""
    return [world.scene(random.Random(f"{seed}/heldout/{n_objects}/{i}"), n_objects) for i in range(n)]


def clip_zero_shot(clip, tokenizer, world: World, n: int, seed: int, context_length: int) -> dict[str, float]:
    """Zero-shot colour, shape, size and position accuracy on single-object images ("a red shape" vs "a blue
    shape", "a shape in the center" vs "a shape on the left", ...)."""
    scenes = held_out_scenes(world, n, seed, n_objects=1)
    images = [render(s, world.image_size) for s in scenes]
    objects = [s.objects[0] for s in scenes]
    return {
        "colour": zero_shot_accuracy(clip, tokenizer, images, [o.colour for o in objects],
                                     {c: f"a {c} shape" for c in COLOURS}, context_length),
        "shape": zero_shot_accuracy(clip, tokenizer, images, [o.shape for o in objects],
                                    {s: f"a {s}" for s in SHAPES}, context_length),
        "size": zero_shot_accuracy(clip, tokenizer, images, [o.size for o in objects],
                                   {s: f"a {s} shape" for s in SIZES}, context_length),
        "position": zero_shot_accuracy(clip, tokenizer, images, [o.position for o in objects],
                                       {p: f"a shape {POSITION_PHRASES[p]}" for p in POSITION_PHRASES},
                                       context_length),
    }


@contextmanager
def closed_gates(model):
    """The Flamingo with every tanh gate at 0: the bare LM, which can only guess what the image shows."""
    saved = [(block.attn_gate.data.clone(), block.ff_gate.data.clone()) for block in model.gated_cross_attn_layers.values()]
    for block in model.gated_cross_attn_layers.values():
        block.attn_gate.data.zero_()
        block.ff_gate.data.zero_()
    try:
        yield model
    finally:
        for block, (attn, ff) in zip(model.gated_cross_attn_layers.values(), saved):
            block.attn_gate.data.copy_(attn)
            block.ff_gate.data.copy_(ff)


def captions(model, tokenizer, scenes: list, image_size: int, max_new_tokens: int, prefix: str = "",
             batch_size: int = 64) -> list[str]:
    """Greedy captions of `<image>` + `prefix`, decoding until `<|endofchunk|>` or EOS; the prefix is kept.

    A prefix such as "a" makes the bare LM (gates closed) describe objects too, so it can be compared."""
    stop = [tokenizer.convert_tokens_to_ids(END_OF_CHUNK), tokenizer.eos_token_id]
    texts = generate_texts(model, tokenizer, [IMAGE_TOKEN + prefix] * len(scenes),
                           [[render(s, image_size)] for s in scenes], batch_size, max_new_tokens=max_new_tokens,
                           do_sample=False, eos_token_id=stop)
    return [f"{prefix} {t}".strip() if prefix else t for t in texts]


def hallucination_scores(texts: list[str], scenes: list) -> dict[str, float]:
    """Shares of captions with a hallucinated mention and of mentions hallucinated, at three levels of claim:

    - `objects`: CHAIR proper, object categories only: a named shape that is nowhere in the scene;
    - `attributes`: the named shape with its colour, size and count (a "large purple cross" where the crosses
      are large-orange and small-purple is hallucinated: attribute binding);
    - `with_positions`: and where it is.
    """
    scores = {}
    levels = {"objects": lambda t, s: object_mentions(t, [s]), "attributes": lambda t, s: mentions(t, [s], False),
              "with_positions": lambda t, s: mentions(t, [s], True)}
    for name, claims in levels.items():
        found = [claims(text, scene) for text, scene in zip(texts, scenes)]
        n_mentions = sum(len(f) for f in found)
        scores[f"hallucinated_captions_{name}"] = sum(any(m.hallucinated for m in f) for f in found) / len(texts)
        scores[f"hallucinated_mentions_{name}"] = sum(m.hallucinated for f in found for m in f) / max(n_mentions, 1)
    scores["mentions_per_caption"] = n_mentions / len(texts)  # of the last, fullest level: every checkable claim
    return scores


def names_object(text: str, scene) -> bool:
    """Whether a caption of a single-object scene names that object's colour and its shape."""
    obj = scene.objects[0]
    words = set(tokens(text))
    return obj.colour in words and bool({obj.shape, SHAPE_PLURALS[obj.shape]} & words)


@torch.no_grad()
def _response_loss(lm, tokenizer, prompt: str, response: str) -> float:
    """Mean per-token loss of " " + `response` after `prompt`."""
    context, target = tokenizer(prompt).input_ids, tokenizer(" " + response, add_special_tokens=False).input_ids
    ids = torch.tensor([context + target])
    logits = lm(input_ids=ids).logits[0, len(context) - 1:-1]
    return torch.nn.functional.cross_entropy(logits.float(), torch.tensor(target)).item()


def copying(lm, tokenizer, texts: list[str], seed: int) -> dict[str, float]:
    """In-context copying, what the rewriter needs to carry a draft's content into its revision: the LM's loss on
    a held-out text asked for in a proofreading request that shows it with typos, against the bare request. An LM
    that copies predicts the text far better when it is shown; one that does not, hardly better."""
    rng = random.Random(f"{seed}/copying")
    shown = [_response_loss(lm, tokenizer, chat_prompt(f"{PROOFREADING_REQUESTS[0]}\n\n{noisy(t, rng, 0.3)}"), t)
             for t in texts]
    bare = [_response_loss(lm, tokenizer, chat_prompt(PROOFREADING_REQUESTS[0]), t) for t in texts]
    return {"loss_text_shown": sum(shown) / len(texts), "loss_not_shown": sum(bare) / len(texts)}

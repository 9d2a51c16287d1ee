"""Prompting Polite Flamingo and reading its revisions, in batches."""
from __future__ import annotations

from ..decoding import Decoding
from ..model.generation import generate_tokens
from ..model.images import image_transform, images_tensor
from ..prompts import rewriter_prompt
from ..training.examples import Segment, supervised_example


def rewriter_examples(tokenizer, rows, template: str, context_length: int) -> tuple[list[dict], list[dict]]:
    """Training examples (prompt with the draft -> " " + original + EOS) and the rows too long to fit."""
    examples, rejects = [], []
    for row in rows:
        prompt = rewriter_prompt(row["instruction"], row["distorted"], len(row["images"]), template)
        example = supervised_example(tokenizer, [Segment(prompt, False), Segment(" " + row["original"], True)],
                                     row["images"], context_length)
        if example is None:
            rejects.append({"id": row["id"], "reason": f"longer than context_length {context_length}"})
        else:
            examples.append(example)
    return examples, rejects


def rewrite(model, tokenizer, items: list[dict], template: str, decoding: Decoding) -> list[str]:
    """Revisions of `items` ({instruction, draft, images}), in order; images are prepared batch by batch."""
    transform = image_transform(model.vision_encoder)
    revisions = []
    for start in range(0, len(items), decoding.batch_size):
        batch = items[start:start + decoding.batch_size]
        prompts = [rewriter_prompt(it["instruction"], it["draft"], len(it["images"]), template) for it in batch]
        images, mask = images_tensor([it["images"] for it in batch], transform)
        has_images = images.shape[1] > 0
        tokens = generate_tokens(model, tokenizer, prompts, images if has_images else None,
                                 mask if has_images else None, batch_size=len(batch), **decoding.generate_kwargs())
        revisions += [tokenizer.decode(t, skip_special_tokens=True).strip() for t in tokens]
    return revisions

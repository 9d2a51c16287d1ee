"""Prompting Polite Flamingo and reading its revisions, in batches."""
from __future__ import annotations

from ..decoding import Decoding
from ..model.behaviour import Behaviour
from ..model.generation import generate_texts
from ..prompts import rewriter_prompt
from ..training.examples import Segment, supervised_example


def rewriter_examples(tokenizer, rows, template: str, context_length: int, behaviour: Behaviour
                      ) -> tuple[list[dict], list[dict]]:
    """Training examples (prompt with the draft -> " " + original + EOS) and the rows too long to fit, laid out
    and tokenised as the model's `behaviour` says."""
    examples, rejects = [], []
    for row in rows:
        prompt = rewriter_prompt(row["instruction"], row["distorted"], len(row["images"]), template,
                                 behaviour.media_layout)
        example = supervised_example(tokenizer, [Segment(prompt, False), Segment(" " + row["original"], True)],
                                     row["images"], context_length, bos=behaviour.bos)
        if example is None:
            rejects.append({"id": row["id"], "reason": f"longer than context_length {context_length}"})
        else:
            examples.append(example)
    return examples, rejects


def rewrite(model, tokenizer, items: list[dict], template: str, decoding: Decoding) -> list[str]:
    """Revisions of `items` ({instruction, draft, images}), in order."""
    layout = model.behaviour.media_layout
    prompts = [rewriter_prompt(it["instruction"], it["draft"], len(it["images"]), template, layout) for it in items]
    return generate_texts(model, tokenizer, prompts, [it["images"] for it in items], decoding.batch_size,
                          **decoding.generate_kwargs())

"""Answers of a chat model (Clever Flamingo and the comparison models) to test samples, in batches."""
from __future__ import annotations

from ..decoding import Decoding
from ..model.generation import generate_texts
from ..prompts import chat_prompt


def chat_answers(model, tokenizer, items: list[dict], decoding: Decoding) -> list[str]:
    """One answer per item ({instruction, images}) to the Guanaco chat prompt with the system message."""
    prompts = [chat_prompt(it["instruction"], n_images=len(it["images"]), layout=model.behaviour.media_layout)
               for it in items]
    return generate_texts(model, tokenizer, prompts, [it["images"] for it in items], decoding.batch_size,
                          **decoding.generate_kwargs())

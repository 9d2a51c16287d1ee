"""Token ids and loss labels of training examples, built segment by segment.

An example is a list of segments: prompt text (no loss) and response text (loss, followed by EOS). Each
segment is tokenised on its own, so the label mask covers exactly the response tokens and the EOS after each,
as the paper trains (loss only on assistant spans; per-turn tokenisation to build the mask).
"""
from __future__ import annotations

from dataclasses import dataclass

IGNORE = -100


@dataclass(frozen=True)
class Segment:
    text: str
    trained: bool  # True for a response: its tokens (and the EOS after it) carry loss
    eos: bool = True  # a trained segment ends with EOS; captioning chunks end with <|endofchunk|> instead


def tokenize_segments(tokenizer, segments: list[Segment]) -> tuple[list[int], list[int]]:
    """(input_ids, labels) with labels = IGNORE outside the trained segments."""
    ids, labels = [], []
    for segment in segments:
        piece = tokenizer(segment.text, add_special_tokens=False)["input_ids"]
        if segment.trained:
            piece = piece + [tokenizer.eos_token_id] * segment.eos
            labels += piece
        else:
            labels += [IGNORE] * len(piece)
        ids += piece
    return ids, labels


def supervised_example(tokenizer, segments: list[Segment], images: list, max_length: int) -> dict | None:
    """A training example, or None when it does not fit `max_length` (a response is never cut)."""
    ids, labels = tokenize_segments(tokenizer, segments)
    if len(ids) > max_length:
        return None
    return {"input_ids": ids, "labels": labels, "images": images}

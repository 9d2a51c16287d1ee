"""Token ids and loss labels of training examples: the whole text tokenised at once, the loss on its responses.

An example is a list of segments: prompt text (no loss) and response text (loss, followed by EOS). The text of
all segments, with the tokenizer's EOS written after each response, is tokenised as one string, as the model meets
it, and a token carries the loss when it starts inside a response or is the EOS after one. Tokenising the
segments apart would be the same for byte-level BPE but not for SentencePiece (LLaMA's tokenizer), which starts
every separately tokenised piece with a `▁` the whole text does not have.
"""
from __future__ import annotations

from dataclasses import dataclass

IGNORE = -100


@dataclass(frozen=True)
class Segment:
    text: str
    trained: bool  # True for a response: its tokens (and the EOS after it) carry loss
    eos: bool = True  # a trained segment ends with EOS; captioning chunks end with <|endofchunk|> instead


def tokenize_segments(tokenizer, segments: list[Segment], *, bos: bool, continues: bool = False
                      ) -> tuple[list[int], list[int]]:
    """(input_ids, labels) with labels = IGNORE outside the trained segments.

    `bos`: the sequence starts with the tokenizer's BOS (the model's behaviour). `continues`: the segments follow
    a special token in a longer sequence (a later turn, after the previous turn's EOS; no BOS then): they are
    tokenised as they are inside that sequence, since a tokenizer may treat text at the start of a string
    differently from text after a special token.
    """
    text, trained_spans = "", []
    for segment in segments:
        start = len(text)
        text += segment.text + (tokenizer.eos_token if segment.trained and segment.eos else "")
        if segment.trained:
            trained_spans.append((start, len(text)))
    lead = tokenizer.eos_token if continues else ""
    encoding = tokenizer(lead + text, add_special_tokens=False, return_offsets_mapping=True)
    tokens = list(zip(encoding["input_ids"], encoding["offset_mapping"]))[1 if continues else 0:]
    ids, labels = [], []
    for token, (start, _) in tokens:
        start -= len(lead)
        ids.append(token)
        labels.append(token if any(a <= start < b for a, b in trained_spans) else IGNORE)
    if bos and not continues:
        ids, labels = [tokenizer.bos_token_id, *ids], [IGNORE, *labels]
    return ids, labels


def supervised_example(tokenizer, segments: list[Segment], images: list, max_length: int, *, bos: bool
                       ) -> dict | None:
    """A training example, or None when it does not fit `max_length` (a response is never cut)."""
    ids, labels = tokenize_segments(tokenizer, segments, bos=bos)
    if len(ids) > max_length:
        return None
    return {"input_ids": ids, "labels": labels, "images": images}

"""Multi-turn augmentation (Section 4.4): a training sequence is a sample followed by randomly drawn samples as
later turns, until the context is full, instead of padding.

Each turn is tokenised on its own, as it reads inside the sequence (`training.examples.tokenize_segments`: a
later turn follows the previous turn's EOS): the first carries the system message (and BOS where the model's
behaviour has one), later ones do not; each response ends with EOS and carries the loss; a turn's images travel with it, at most `max_images` per sequence. A turn that
would overflow the context or the image budget is not cut: another is drawn, and after `max_draws` misses the
sequence ends there.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from ..model.behaviour import Behaviour
from ..prompts import chat_prompt
from ..training.examples import Segment, tokenize_segments


@dataclass(frozen=True)
class Turn:
    instruction: str
    response: str
    images: tuple  # PIL images shown in this turn


def turn_tokens(tokenizer, turn: Turn, first: bool, behaviour: Behaviour) -> tuple[list[int], list[int]]:
    """Token ids and labels of one turn; the loss covers " " + response + EOS."""
    prompt = chat_prompt(turn.instruction, n_images=len(turn.images), system=first, layout=behaviour.media_layout)
    if not first:
        prompt = "\n" + prompt
    segments = [Segment(prompt, False), Segment(" " + turn.response, True)]
    return tokenize_segments(tokenizer, segments, bos=behaviour.bos, continues=not first)


@dataclass(frozen=True)
class TokenizedTurn:
    """A turn tokenised both ways: as the first turn of a sequence and as a later one."""
    first: tuple[list[int], list[int]]
    later: tuple[list[int], list[int]]
    images: tuple


def tokenized_turns(tokenizer, turns: list[Turn], behaviour: Behaviour) -> list[TokenizedTurn]:
    return [TokenizedTurn(turn_tokens(tokenizer, t, True, behaviour), turn_tokens(tokenizer, t, False, behaviour),
                          t.images) for t in turns]


def single_example(turn: TokenizedTurn, context_length: int, max_images: int) -> dict | None:
    """One turn alone (the padded baseline), or None when it does not fit."""
    ids, labels = turn.first
    if len(ids) > context_length or len(turn.images) > max_images:
        return None
    return {"input_ids": ids, "labels": labels, "images": list(turn.images)}


def packed_example(turns: list[TokenizedTurn], first: int, context_length: int, max_images: int,
                   rng: random.Random, max_draws: int = 8) -> dict | None:
    """Turn `first`, then random turns appended while they fit; None when turn `first` itself does not fit."""
    example = single_example(turns[first], context_length, max_images)
    if example is None:
        return None
    ids, labels, images = list(example["input_ids"]), list(example["labels"]), example["images"]
    misses = 0
    while misses < max_draws:
        candidate = turns[rng.randrange(len(turns))]
        more_ids, more_labels = candidate.later
        if len(ids) + len(more_ids) > context_length or len(images) + len(candidate.images) > max_images:
            misses += 1
            continue
        ids, labels, images = ids + more_ids, labels + more_labels, images + list(candidate.images)
    return {"input_ids": ids, "labels": labels, "images": images}


def epoch_examples(turns: list[TokenizedTurn], context_length: int, max_images: int, seed: int, epoch: int,
                   augment: bool) -> list[dict]:
    """One epoch's examples: every turn once as the first turn of its sequence (packed with random partners
    drawn afresh each epoch when `augment`); turns that cannot fit alone are left out."""
    examples = []
    for i in range(len(turns)):
        if augment:
            example = packed_example(turns, i, context_length, max_images, random.Random(f"{seed}/pack/{epoch}/{i}"))
        else:
            example = single_example(turns[i], context_length, max_images)
        if example is not None:
            examples.append(example)
    return examples

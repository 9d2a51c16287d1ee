"""Preference pairs for the tiny profile's reward model: a polite teacher response preferred over raw-style ones.

The paper measures politeness with OpenAssistant's reward model, trained on human preferences. What it has to
tell apart in the paper's plots (Figures 6, 8, 9) is one instruction answered politely or in the style of raw
annotations, so that is what the tiny profile's reward model learns from. Each polite record (instruction,
response) gives pairs (instruction, chosen = response, rejected = a raw-style variant), in these styles:

| style          | rejected response                                                          |
|----------------|----------------------------------------------------------------------------|
| answer         | the short gold answer ("4", "yes"), as VQA datasets annotate (if any)       |
| caption        | one of the record's COCO-style captions (if any)                           |
| emulator       | the LLM-distortion emulator's cold, compressed draft (Section 3.1)          |
| augment        | a random text augmentation: sentence drop/shuffle, character/word noise     |
| lowercase      | the response in lower case                                                 |
| no_punctuation | the response without punctuation and capitals (distortion command 1)        |

A variant equal to the response (an augmentation that changed nothing) or that fails (the emulator found
nothing but politeness) is skipped and the next style is tried. Records should come from prompts the rewriter
and the chat models never trained on (the polite sources' val split); `split_by_prompt` then keeps every
instruction text on one side, so held-out accuracy is measured on instructions the reward model never saw.
Everything is deterministic: each record draws from its own stream, seeded by (seed, record id).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Mapping, Sequence

from ..distortion.augment import augment_text
from ..distortion.commands import no_punctuation_no_capitals
from ..distortion.llm_emulator import EmulatedDistorter

STYLES = ("answer", "caption", "emulator", "augment", "lowercase", "no_punctuation")


@dataclass(frozen=True)
class PreferencePair:
    """`chosen` is preferred over `rejected` as the response to `instruction`; `style` names the rejected's style."""
    instruction: str
    chosen: str
    rejected: str
    style: str
    record_id: str


def rejected_variant(record: Mapping, style: str, rng: random.Random, seed: str) -> str | None:
    """The record's response in a raw `style`, or None where the record cannot give one."""
    response = record["response"]
    if style == "answer":
        return record.get("answer") or None
    if style == "caption":
        captions = [c for c in record.get("captions") or () if c.strip()]
        return rng.choice(captions) if captions else None
    if style == "emulator":
        return EmulatedDistorter().distort_one(record["instruction"], response, rng).text
    if style == "augment":
        return augment_text(response, seed).text
    if style == "lowercase":
        return response.lower()
    if style == "no_punctuation":
        return no_punctuation_no_capitals(response, rng)
    raise ValueError(f"unknown rejected style {style!r}; allowed: {STYLES}")


def record_pairs(record: Mapping, seed: int | str, per_chosen: int, styles: Sequence[str]) -> list[PreferencePair]:
    """Up to `per_chosen` pairs of one record, in distinct styles drawn in random order."""
    missing = [field for field in ("id", "instruction", "response") if field not in record]
    if missing:
        raise KeyError(f"a polite record needs the fields {missing} (sample schema) to make preference pairs")
    chosen = record["response"]
    if not isinstance(chosen, str) or not chosen.strip():
        return []
    rng = random.Random(f"{seed}/reward_pairs/{record['id']}")
    order = list(styles)
    rng.shuffle(order)
    pairs = []
    for style in order:
        rejected = rejected_variant(record, style, rng, f"{seed}/reward_pairs/{record['id']}/{style}")
        if rejected is not None and rejected.strip() and rejected.strip() != chosen.strip():
            pairs.append(PreferencePair(record["instruction"], chosen, rejected.strip(), style, record["id"]))
        if len(pairs) == per_chosen:
            break
    return pairs


def preference_pairs(records: Sequence[Mapping], seed: int | str, per_chosen: int = 3,
                     styles: Sequence[str] = STYLES) -> list[PreferencePair]:
    """(instruction, chosen, rejected) pairs from polite records, several rejected styles per response."""
    unknown = sorted(set(styles) - set(STYLES))
    if unknown or not styles:
        raise ValueError(f"reward.pairs.styles: unknown or none {unknown or list(styles)}; allowed: {STYLES}")
    if per_chosen < 1:
        raise ValueError(f"reward.pairs.per_chosen must be >= 1, got {per_chosen}")
    return [pair for record in records for pair in record_pairs(record, seed, per_chosen, styles)]


def split_by_prompt(pairs: Sequence[PreferencePair], heldout_share: float,
                    seed: int | str) -> tuple[list[PreferencePair], list[PreferencePair]]:
    """(train, held-out): a random `heldout_share` of the distinct instruction texts, and all their pairs, held out.

    Splitting by prompt rather than by pair keeps the same instruction (with its chosen response and the other
    rejected variants) from sitting on both sides, which would let a memorising model look accurate.
    """
    prompts = sorted({pair.instruction for pair in pairs})
    if len(prompts) < 2:
        raise ValueError(f"need at least two distinct instructions to split by prompt, got {len(prompts)}")
    if not 0.0 < heldout_share < 1.0:
        raise ValueError(f"reward.pairs.heldout_share must be in (0, 1), got {heldout_share}")
    random.Random(f"{seed}/reward_split").shuffle(prompts)
    n_heldout = min(len(prompts) - 1, max(1, round(heldout_share * len(prompts))))
    heldout = set(prompts[:n_heldout])
    return ([p for p in pairs if p.instruction not in heldout], [p for p in pairs if p.instruction in heldout])

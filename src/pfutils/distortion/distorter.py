"""What every distortion strategy returns, and the one interface the two LLM backends share.

A strategy never raises on a bad sample: it returns a `Distortion` whose `reject_reason` says what went wrong,
so one bad sample cannot stop a batch of thousands and the caller can keep the rejects in their own table.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol, Sequence


@dataclass(frozen=True)
class Distortion:
    """One distorted response.

    `text` is None exactly when `reject_reason` is non-empty. `command` is the Table 5 command number (1..24)
    the LLM was given, or None. `operations` names what was done, e.g. ("compress", "reverse_sentences") or
    ("sentence_drop", "char_swap"), so a notebook can count them.
    """
    text: str | None
    command: int | None = None
    operations: tuple[str, ...] = ()
    reject_reason: str = ""

    @staticmethod
    def rejected(reason: str, command: int | None = None, operations: tuple[str, ...] = ()) -> "Distortion":
        return Distortion(None, command, operations, reason)


class Distorter(Protocol):
    """An LLM-instructed distortion backend: the `hf` model or the tiny profile's `emulator`."""

    def distort(self, pairs: Sequence[tuple[str, str]], rng: random.Random) -> list[Distortion]:
        """One `Distortion` per (instruction, response) pair, in order; commands are drawn from `rng`."""
        ...


def input_problem(instruction: object, response: object) -> str:
    """Why an (instruction, response) pair cannot be distorted, or "" when it can."""
    if not isinstance(instruction, str):
        return f"instruction is {type(instruction).__name__}, not str"
    if not isinstance(response, str):
        return f"response is {type(response).__name__}, not str"
    if not response.strip():
        return "empty response"
    return ""


BACKENDS = ("hf", "emulator")


def llm_distorter(backend: str, **options) -> Distorter:
    """The backend a parameter names (`distortion.llm.backend`), built from its options.

    `hf` takes `model` (a hub name or a local directory) and the options of `HfDistorter.from_pretrained`;
    `emulator` takes those of `EmulatedDistorter`. Imports are local so the emulator never loads torch.
    """
    if backend == "hf":
        from .llm_hf import HfDistorter
        return HfDistorter.from_pretrained(**options)
    if backend == "emulator":
        from .llm_emulator import EmulatedDistorter
        return EmulatedDistorter(**options)
    raise ValueError(f"distortion.llm.backend must be one of {BACKENDS}, got {backend!r}")

"""The one interface every reward model shares, and the backend a parameter selects (`reward.backend`).

A reward model scores (instruction, response) pairs; higher means the response is preferred. `hf` is the paper's
OpenAssistant DeBERTa (or any sequence classifier with one output); `trained` is the tiny profile's LLaMA-style
model trained on preference pairs. Callers see only `score`, so filters, evaluation and figures never depend
on which one ran.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Protocol, Sequence

BACKENDS = ("hf", "trained")


class RewardModel(Protocol):
    def score(self, instructions: Sequence[str], responses: Sequence[str]) -> list[float]:
        """One reward per (instruction, response) pair, in order."""
        ...


def checked_pairs(instructions: Sequence[str], responses: Sequence[str]) -> list[tuple[str, str]]:
    """The pairs, or an error naming the first that is not a pair of strings (a None slips into scores silently)."""
    if len(instructions) != len(responses):
        raise ValueError(f"reward: {len(instructions)} instructions but {len(responses)} responses")
    for i, (instruction, response) in enumerate(zip(instructions, responses)):
        if not isinstance(instruction, str) or not isinstance(response, str):
            raise TypeError(f"reward: pair {i} is ({type(instruction).__name__}, {type(response).__name__}), "
                            "not (str, str)")
    return list(zip(instructions, responses))


def scores_in_batches(score_batch: Callable[[list[str], list[str]], list[float]], instructions: Sequence[str],
                      responses: Sequence[str], batch_size: int) -> list[float]:
    """Scores of all pairs, computed `batch_size` at a time in order of length (little padding), returned in order."""
    pairs = checked_pairs(instructions, responses)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    scores = [0.0] * len(pairs)
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        for i, value in zip(chunk, score_batch([pairs[i][0] for i in chunk], [pairs[i][1] for i in chunk])):
            scores[i] = value
    return scores


def reward_model(backend: str, model: str | Path, batch_size: int = 32, max_length: int | None = None,
                 device: str | None = None) -> RewardModel:
    """The backend `reward.backend` names, loaded from `model` (a hub name or a directory).

    Imports are local so choosing one backend never loads the other's code.
    """
    if backend == "hf":
        from .hf import HfRewardModel
        return HfRewardModel.from_pretrained(model, batch_size=batch_size, max_length=max_length, device=device)
    if backend == "trained":
        from .trained import TrainedRewardModel
        return TrainedRewardModel.from_pretrained(model, batch_size=batch_size, max_length=max_length,
                                                  device=device)
    raise ValueError(f"reward.backend must be one of {BACKENDS}, got {backend!r}")

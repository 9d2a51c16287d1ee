"""How well a reward model ranks preference pairs: the share of pairs whose chosen response scores higher.

This is the number the paper quotes for OpenAssistant's model (61-72% on human preference sets, 70.0% against
its own annotators) and the tiny profile's acceptance bar for its trained model, measured on held-out prompts.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from .pairs import PreferencePair
from .scorer import RewardModel


def pair_scores(model: RewardModel, pairs: Sequence[PreferencePair]) -> tuple[list[float], list[float]]:
    """(chosen scores, rejected scores), one per pair; each distinct (instruction, response) is scored once."""
    texts = sorted({(p.instruction, r) for p in pairs for r in (p.chosen, p.rejected)})
    scores = dict(zip(texts, model.score([i for i, _ in texts], [r for _, r in texts])))
    return ([scores[p.instruction, p.chosen] for p in pairs], [scores[p.instruction, p.rejected] for p in pairs])


def pairwise_accuracy(chosen: Sequence[float], rejected: Sequence[float]) -> float:
    """Share of pairs with chosen strictly above rejected (a tie is not a correct ranking)."""
    if len(chosen) != len(rejected):
        raise ValueError(f"{len(chosen)} chosen scores but {len(rejected)} rejected scores")
    if not chosen:
        raise ValueError("no pairs to measure pairwise accuracy on")
    return sum(c > r for c, r in zip(chosen, rejected)) / len(chosen)


def accuracy_by_style(pairs: Sequence[PreferencePair], chosen: Sequence[float],
                      rejected: Sequence[float]) -> dict[str, float]:
    """Pairwise accuracy per rejected style, to see which raw style the model still prefers."""
    if not len(pairs) == len(chosen) == len(rejected):
        raise ValueError(f"{len(pairs)} pairs but {len(chosen)} chosen and {len(rejected)} rejected scores")
    groups = defaultdict(lambda: ([], []))
    for pair, c, r in zip(pairs, chosen, rejected):
        groups[pair.style][0].append(c)
        groups[pair.style][1].append(r)
    return {style: pairwise_accuracy(c, r) for style, (c, r) in sorted(groups.items())}

"""Verdicts from uncertainty: a claim's effect, its 95% bootstrap interval over training seeds and evaluation items,
and the rule that turns the two into "holds", "contradicted", "inconclusive" or "not testable".

A claim states a direction of an effect (this model minus that one, on these items):
- `increase` holds when the interval lies above 0, and is contradicted when it lies below 0;
- `decrease` the mirror image;
- `maintain` (no worse than the baseline by more than `margin`) holds when the interval lies above -margin, and
  is contradicted when it lies below -margin;
- `no_gain` (no better than the baseline by more than `margin`) holds when the interval lies below +margin, and
  is contradicted when it lies above +margin.
An interval that touches the boundary decides nothing (inconclusive): a tie is never a verdict. A claim whose
baseline already sits at the bound in the claimed direction (e.g. "fewer unchanged samples" when the baseline
leaves none unchanged) cannot be shown either way and is "not testable", whatever the interval.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np

Direction = Literal["increase", "decrease", "maintain", "no_gain"]
VERDICTS = ("holds", "contradicted", "inconclusive", "not testable")


@dataclass(frozen=True)
class Effect:
    """A measured effect with its bootstrap interval."""
    estimate: float
    low: float
    high: float


def _seeds_by_items(sample) -> np.ndarray:
    """A sample as a (seeds, items) matrix: one value per evaluation item, one row per training seed (a 1-D
    sample is one seed's)."""
    values = np.asarray(sample, dtype=float)
    if values.ndim == 1:
        values = values[None, :]
    if values.ndim != 2:
        raise ValueError(f"a sample is one value per item, or a (seeds, items) matrix; got shape {values.shape}")
    return values


def bootstrap_effect(statistic: Callable[..., float], *samples: np.ndarray, paired: bool, resamples: int,
                     confidence: float, seed: int) -> Effect:
    """`statistic(*samples)` and its percentile interval over `resamples` two-level bootstrap draws.

    Each sample is one value per evaluation item, or a (seeds, items) matrix when the models were trained with
    several seeds. A draw resamples the seeds with replacement, then the items with replacement, so the interval
    covers both training noise and which items were drawn (with one seed, items alone). Paired samples (the same
    items in the same order, the same seeds in the same order: a stage-2 variant of seed k started from stage 1
    of seed k) share the drawn indices; unpaired ones are each resampled on their own. `statistic` gets the
    drawn (seeds, items) matrices."""
    samples = tuple(_seeds_by_items(s) for s in samples)
    if paired and len({s.shape for s in samples}) != 1:
        raise ValueError(f"paired samples must have one value per item (and seed) each; shapes "
                         f"{[s.shape for s in samples]}")
    if any(s.size == 0 for s in samples):
        raise ValueError("a bootstrap needs at least one item in every sample")
    rng = np.random.default_rng(seed)

    def drawn(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        seeds, items = shape
        return np.ix_(rng.integers(0, seeds, seeds), rng.integers(0, items, items))

    draws = np.empty(resamples)
    for k in range(resamples):
        if paired:
            index = drawn(samples[0].shape)
            draws[k] = statistic(*(s[index] for s in samples))
        else:
            draws[k] = statistic(*(s[drawn(s.shape)] for s in samples))
    tail = (1 - confidence) / 2
    low, high = np.nanquantile(draws, [tail, 1 - tail])  # NaN: a draw where the statistic is undefined
    return Effect(float(statistic(*samples)), float(low), float(high))


def bootstrap_seed_groups(statistic: Callable[..., float], groups: list[tuple[np.ndarray, ...]], resamples: int,
                          confidence: float, seed: int) -> Effect:
    """The mean over seeds of `statistic(*group)`, and its percentile interval over two-level bootstrap draws, for
    samples whose size differs from seed to seed (each seed's PF-1M keeps its own rewrites). `groups`: one tuple
    per training seed of arrays paired item by item (the same items in the same order). A draw resamples the seeds
    with replacement, then each drawn seed's items with replacement (the same indices for its paired arrays)."""
    groups = [tuple(np.asarray(a, dtype=float) for a in g) for g in groups]
    if not groups or any(len({len(a) for a in g}) != 1 or not len(g[0]) for g in groups):
        raise ValueError("every seed needs paired samples of one equal, non-zero length")
    rng = np.random.default_rng(seed)
    draws = np.empty(resamples)
    for k in range(resamples):
        values = []
        for s in rng.integers(0, len(groups), len(groups)):
            index = rng.integers(0, len(groups[s][0]), len(groups[s][0]))
            values.append(statistic(*(a[index] for a in groups[s])))
        draws[k] = np.mean(values)
    tail = (1 - confidence) / 2
    low, high = np.nanquantile(draws, [tail, 1 - tail])
    return Effect(float(np.mean([statistic(*g) for g in groups])), float(low), float(high))


def verdict(effect: Effect, direction: Direction, margin: float = 0.0, at_bound: bool = False) -> str:
    """The claim's verdict from its interval (see the module docstring); `at_bound`: the baseline cannot move in
    the claimed direction."""
    if at_bound:
        return "not testable"
    if direction == "increase":
        threshold, above_holds = 0.0, True
    elif direction == "decrease":
        threshold, above_holds = 0.0, False
    elif direction == "maintain":
        threshold, above_holds = -margin, True
    elif direction == "no_gain":
        threshold, above_holds = margin, False
    else:
        raise ValueError(f"unknown direction {direction!r}")
    if effect.low > threshold:
        return "holds" if above_holds else "contradicted"
    if effect.high < threshold:
        return "contradicted" if above_holds else "holds"
    return "inconclusive"

"""Choosing the CLIPScore threshold of the paragraph filter where the paper's 17.0 does not transfer.

17.0 belongs to ViT-L-14-336's score scale; the toyworld CLIP has its own. On a validation split toyworld
labels every paragraph hallucinated or not, so the threshold can be chosen like a classifier's: a paragraph is
dropped when its score is below the threshold, and the threshold maximises F1 of "dropped = hallucinated" (the
default: hallucinated paragraphs are the minority, and F1 weighs catching them against wasting good ones) or
Youden's J (true-positive rate minus false-positive rate, indifferent to the base rate). `threshold_curve` is the
table the notebook plots; ties go to the threshold that drops fewer paragraphs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Sequence

Criterion = Literal["f1", "youden_j"]


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    criterion: str
    value: float
    curve: list[dict]


def candidate_thresholds(scores: Sequence[float]) -> list[float]:
    """Every distinct way to split the scores: the lowest score (drop none), midpoints, just above the highest."""
    values = sorted(set(scores))
    return [values[0]] + [(a + b) / 2 for a, b in zip(values, values[1:])] + [math.nextafter(values[-1], math.inf)]


def threshold_curve(scores: Sequence[float], hallucinated: Sequence[bool]) -> list[dict]:
    """Precision, recall, F1, Youden's J and drop rate of "drop if score < t", for every candidate t.

    One pass over the scores in ascending order: each candidate drops every score below it.
    """
    if not scores or len(scores) != len(hallucinated):
        raise ValueError(f"need as many labels as scores (at least one), got {len(scores)} and {len(hallucinated)}")
    ranked = sorted(zip(scores, hallucinated))
    n, positives = len(ranked), sum(hallucinated)
    negatives = n - positives
    rows, dropped, caught = [], 0, 0
    for t in candidate_thresholds(scores):
        while dropped < n and ranked[dropped][0] < t:
            caught += ranked[dropped][1]
            dropped += 1
        precision = caught / dropped if dropped else None
        recall = caught / positives if positives else None
        p, r = precision or 0.0, recall or 0.0
        false_positive_rate = (dropped - caught) / negatives if negatives else 0.0
        rows.append({"threshold": t, "precision": precision, "recall": recall,
                     "f1": 2 * p * r / (p + r) if p + r else 0.0, "youden_j": r - false_positive_rate,
                     "drop_rate": dropped / n})
    return rows


def choose_threshold(scores: Sequence[float], hallucinated: Sequence[bool],
                     criterion: Criterion = "f1") -> ThresholdChoice:
    if criterion not in ("f1", "youden_j"):
        raise ValueError(f"unknown criterion {criterion!r}; known: ['f1', 'youden_j']")
    curve = threshold_curve(scores, hallucinated)
    best = max(curve, key=lambda row: (row[criterion], -row["drop_rate"]))
    return ThresholdChoice(best["threshold"], criterion, best[criterion], curve)

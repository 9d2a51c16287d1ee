"""Rouge-L F-measure with the `rouge-score` package, as the released PF-1M `rouge_score` and Section 5 use it.

On released PF-1M records `rouge_score` equals `RougeScorer(['rougeL'], use_stemmer=True)` of the output against
the original (reference first, prediction second), so that is the one definition here. `evaluate.load('rouge')`
needs the network; `rouge-score` works offline.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from rouge_score import rouge_scorer


@lru_cache(maxsize=1)
def _scorer() -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(reference: str, prediction: str) -> float:
    """Rouge-L F-measure of `prediction` against `reference` (symmetric in value, ordered as the package wants)."""
    return _scorer().score(reference, prediction)["rougeL"].fmeasure


def rouge_l_scores(references: Sequence[str], predictions: Sequence[str]) -> list[float]:
    if len(references) != len(predictions):
        raise ValueError(f"{len(references)} references but {len(predictions)} predictions")
    return [rouge_l(r, p) for r, p in zip(references, predictions)]

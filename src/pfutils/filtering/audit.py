"""How good is each filter? Its decisions held against toyworld's exact truth.

The paper could only show examples of what its filters catch; toyworld knows (`pfutils.toyworld.truth`), for
every rewrite, whether it changed the answer (`answer_changed`, the exact checker against the gold answer) and
whether a text mentions anything not in the scene (`hallucinated`). `filter_quality` compares a filter's drops
with such a truth label: precision (share of drops that were bad), recall (share of bad items dropped) and the base
rate (share bad). Real data has no scene: there the truth is not available (None), never made up, and
`truth.known_mean` averages over the records that have it. `filter_decisions` reads one filter's decisions back
from a run's kept records and rejects; `paragraph_table` scores every paragraph of multi-paragraph rewrites for
the CLIPScore filter's paragraph-level audit and threshold choice (`threshold.choose_threshold`).
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from ..scoring.clipscore import ClipScorer, split_paragraphs
from ..toyworld.truth import HALLUCINATION_KINDS, answer_changed, hallucinated, hallucination_kinds

FILTERS = ("length", "change", "sts", "clip", "nli")


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def filter_quality(dropped: Sequence[bool], truth: Sequence[bool]) -> dict:
    """Confusion counts, precision, recall, base rate and drop rate of "dropped" against "truly bad".

    A share of nothing (no drops, no bad items) is None, not NaN, so the result is JSON-safe.
    """
    if len(dropped) != len(truth):
        raise ValueError(f"{len(dropped)} decisions but {len(truth)} truth labels")
    tp = sum(d and t for d, t in zip(dropped, truth))
    fp = sum(d and not t for d, t in zip(dropped, truth))
    fn = sum(t and not d for d, t in zip(dropped, truth))
    n = len(truth)
    return {"n": n, "tp": tp, "fp": fp, "fn": fn, "tn": n - tp - fp - fn,
            "precision": _share(tp, tp + fp), "recall": _share(tp, tp + fn),
            "base_rate": _share(tp + fn, n), "drop_rate": _share(tp + fp, n)}


def filter_decisions(name: str, kept: Sequence[dict], rejects: Sequence[dict]) -> dict[str, bool]:
    """id -> dropped, for every record the filter `name` examined (its `applied_filters`, or rejected by it)."""
    decisions = {r["id"]: False for r in kept if name in r["applied_filters"]}
    decisions.update({r["id"]: False for r in rejects if name in r["applied_filters"]})
    decisions.update({r["id"]: True for r in rejects if r["stage"] == name})
    return decisions


def paragraph_table(records: Sequence[dict], clip: ClipScorer, categories: Sequence[str] = ("captioning",),
                    text_field: str = "rewrite", positions: bool = False) -> list[dict]:
    """One row per paragraph of every multi-paragraph text with a scene: its CLIPScore and whether it hallucinates.

    Scored against the record's first image, as the filter does; records without a scene (real data) are skipped.
    """
    chosen = [r for r in records if r["category"] in categories and r.get("scene") and r.get("images")
              and len(split_paragraphs(r[text_field])) > 1]
    paragraphs = [split_paragraphs(r[text_field]) for r in chosen]
    scores = clip.paragraph_scores([r["images"][0] for r in chosen], paragraphs)
    return [{"id": r["id"], "dataset": r["dataset"], "paragraph": k, "text": text, "clip_score": score,
             "hallucinated": hallucinated(text, r["scene"], positions)}
            for r, texts, values in zip(chosen, paragraphs, scores)
            for k, (text, score) in enumerate(zip(texts, values))]


def truth_table(records: Sequence[dict], kept: Sequence[dict], rejects: Sequence[dict]) -> pd.DataFrame:
    """One row per rewrite with a scene: whether its raw annotation, the rewrite and what PF-1M kept of it
    (empty: dropped) hallucinate each kind; whether it changed a VQA answer; each filter's decision (True dropped,
    False passed, empty: never reached it). Real data has no scene: no rows, but the header."""
    outputs = {r["id"]: r["output"] for r in kept}
    decisions = {name: filter_decisions(name, kept, rejects) for name in FILTERS}
    rows = []
    for r in records:
        if not r.get("scene"):
            continue
        row = {"id": r["id"], "dataset": r["dataset"], "category": r["category"], "in_pf1m": r["id"] in outputs,
               "answer_changed": answer_changed(r)}
        for name, text in (("raw", r["response"]), ("rewrite", r["rewrite"]), ("pf1m", outputs.get(r["id"]))):
            row.update({f"{name}_{kind}": value for kind, value in hallucination_kinds(text, r["scene"]).items()})
        row.update({f"dropped_by_{name}": d.get(r["id"]) for name, d in decisions.items()})
        rows.append(row)
    columns = (["id", "dataset", "category", "in_pf1m", "answer_changed"]
               + [f"{name}_{kind}" for name in ("raw", "rewrite", "pf1m") for kind in HALLUCINATION_KINDS]
               + [f"dropped_by_{name}" for name in FILTERS])
    return pd.DataFrame(rows, columns=columns)

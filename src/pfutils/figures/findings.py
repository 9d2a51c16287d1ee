"""Toyworld's exact truth, reported as findings whichever way they point (reports/findings.json and the second
half of claims.md).

The paper could only show examples of hallucination; toyworld knows every scene, so each of these is a measured
share with its 95% bootstrap interval:
- how often the raw annotations, Polite Flamingo's rewrites and PF-1M (what the filters kept) hallucinate, by
  kind: `objects` (a shape the image lacks: CHAIR), `attributes` (an absent object-attribute combination),
  `positions` (also a wrong place); each kind is stricter than the one before;
- each filter's precision (share of its drops that were bad) and recall (share of the bad it dropped) per kind of
  badness, beside the base rate: a filter whose precision sits at the base rate removes bad rewrites no more
  than good ones;
- whether filtering reduced hallucination at all: PF-1M's share minus the share among all rewrites;
- every evaluated model's hallucination in captions and in VQA answers that mention objects (intervals over
  training seeds and items).
Inputs: stage 04's per-rewrite truth table (`reports/tables/04_truth.csv`: one row per training seed's rewrite,
column `seed`; each seed has its own rewriter and PF-1M) and stage 07's per-item scores. Every interval resamples
the seeds, then the items (`evidence.bootstrap_effect` on (seeds, items) matrices).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..toyworld.truth import HALLUCINATION_KINDS
from .claims import seed_matrix
from .config import ClaimsParams
from .evidence import bootstrap_effect

BAD = {"objects": "rewrite_objects", "attributes": "rewrite_attributes", "positions": "rewrite_positions",
       "answer changed": "answer_changed"}
MODEL_COLUMNS = {"objects": "hallucinated_objects", "attributes": "hallucinated", "positions": "misplaced"}


def _bools(series: pd.Series) -> pd.Series:
    """A column of True/False/missing (as CSV reads it back) as 1.0/0.0/NaN."""
    return pd.to_numeric(series.astype(object), errors="coerce").astype(float)


def truth_matrix(truth: pd.DataFrame, column: str) -> np.ndarray:
    """(seeds, rewrites) matrix of a truth-table column as 1.0/0.0/NaN (NaN: unknown, or no such rewrite in that
    seed). A table without a `seed` column is one seed's."""
    if "seed" not in truth:
        truth = truth.assign(seed=0)
    values = truth[["id", "seed"]].assign(value=_bools(truth[column]))
    return values.pivot(index="seed", columns="id", values="value").to_numpy(dtype=float)


def _interval(values: np.ndarray, p: ClaimsParams, seed: int) -> dict:
    effect = bootstrap_effect(lambda v: float(np.nanmean(v)), values, paired=True, resamples=p.resamples,
                              confidence=p.confidence, seed=seed)
    return {"share": round(effect.estimate, 4), "ci_low": round(effect.low, 4), "ci_high": round(effect.high, 4)}


def conditional_share(outcome: np.ndarray, given: np.ndarray, p: ClaimsParams, seed: int) -> dict:
    """P(outcome | given) over items (1-D, or (seeds, items) matrices), with a bootstrap interval over seeds and
    items (`evidence.bootstrap_effect`, the two resampled together; a draw where `given` never occurs has no share
    and is left out); None where `given` never occurs at all."""
    outcome, given = np.asarray(outcome, dtype=bool), np.asarray(given, dtype=bool)
    if not given.any():
        return {"share": None, "ci_low": None, "ci_high": None, "n": 0}

    def share(drawn_outcome: np.ndarray, drawn_given: np.ndarray) -> float:
        mask = drawn_given.astype(bool)
        return float(drawn_outcome[mask].mean()) if mask.any() else float("nan")

    effect = bootstrap_effect(share, outcome.astype(float), given.astype(float), paired=True,
                              resamples=p.resamples, confidence=p.confidence, seed=seed)
    return {"share": round(effect.estimate, 4), "ci_low": round(effect.low, 4), "ci_high": round(effect.high, 4),
            "n": int(given.sum())}


def hallucination_of_texts(truth: pd.DataFrame, p: ClaimsParams, seed: int) -> list[dict]:
    """Share hallucinating, by kind, of the raw annotations, the rewrites (all of PF-raw) and PF-1M."""
    rows = []
    for source, label in (("raw", "raw annotations"), ("rewrite", "rewrites (PF-raw)"), ("pf1m", "PF-1M")):
        for kind in HALLUCINATION_KINDS:
            values = truth_matrix(truth, f"{source}_{kind}")
            if (~np.isnan(values)).any():
                rows.append({"texts": label, "kind": kind, "seeds": values.shape[0],
                             "n": int((~np.isnan(values)).sum()), **_interval(values, p, seed)})
    return rows


def filter_quality_by_kind(truth: pd.DataFrame, p: ClaimsParams, seed: int) -> list[dict]:
    """Each filter's precision and recall against each kind of badness, over the rewrites it examined (every
    seed's: a (seed, rewrite) the filter did not examine, or whose truth is unknown, counts for neither)."""
    rows = []
    for column in [c for c in truth if c.startswith("dropped_by_")]:  # one per filter (filtering.audit.FILTERS)
        name = column.removeprefix("dropped_by_")
        dropped = truth_matrix(truth, column)
        for kind, bad_column in BAD.items():
            bad = truth_matrix(truth, bad_column)
            known = ~np.isnan(dropped) & ~np.isnan(bad)
            if not known.any():
                continue
            d, b = np.where(known, dropped, 0) == 1, np.where(known, bad, 0) == 1
            rows.append({"filter": name, "bad": kind, "examined": int(known.sum()), "dropped": int(d.sum()),
                         "base_rate": round(float(b[known].mean()), 4),
                         "precision": conditional_share(b, d, p, seed),
                         "recall": conditional_share(d, b, p, seed)})
    return rows


def filtering_effect(truth: pd.DataFrame, p: ClaimsParams, seed: int) -> list[dict]:
    """Did filtering reduce hallucination? PF-1M's share minus the share among all rewrites it was filtered from
    (the same seeds and rewrites drawn for both: PF-1M is a subset of them), by kind; with a reading of the
    interval."""
    rows = []
    for kind in HALLUCINATION_KINDS:
        before, after = truth_matrix(truth, f"rewrite_{kind}"), truth_matrix(truth, f"pf1m_{kind}")
        if np.isnan(before).all() or np.isnan(after).all():
            continue

        def difference(a: np.ndarray, b: np.ndarray) -> float:
            return float(np.nanmean(a) - np.nanmean(b)) if (~np.isnan(a)).any() else float("nan")

        effect = bootstrap_effect(difference, after, before, paired=True, resamples=p.resamples,
                                  confidence=p.confidence, seed=seed)
        reading = ("filtering reduced it" if effect.high < 0 else "filtering raised it" if effect.low > 0
                   else "no reduction shown")
        rows.append({"kind": kind, "rewrites": round(float(np.nanmean(before)), 4),
                     "pf1m": round(float(np.nanmean(after)), 4),
                     "effect": round(effect.estimate, 4), "ci_low": round(effect.low, 4),
                     "ci_high": round(effect.high, 4), "n_rewrites": int((~np.isnan(before)).sum()), "n_pf1m": int((~np.isnan(after)).sum()),
                     "reading": reading})
    return rows


def model_hallucination(frames: dict[str, pd.DataFrame], p: ClaimsParams, seed: int) -> list[dict]:
    """Every model's hallucination by kind: in its captions, and in its VQA answers that mention an object
    (intervals over training seeds and items)."""
    rows = []
    for name, frame in frames.items():
        for task, label in (("captioning", "captions"), ("vqa", "VQA answers naming objects")):
            picked = frame[frame.task == "captioning"] if task == "captioning" else \
                frame[frame.task.isin(["vqa_held_in", "vqa_held_out"]) & (pd.to_numeric(frame.mentions) > 0)]
            for kind, column in MODEL_COLUMNS.items():
                if column not in picked or not len(picked):
                    continue
                matrix = seed_matrix(picked, tuple(picked.task.unique()), column).to_numpy().T
                if np.isnan(matrix).all():
                    continue
                rows.append({"model": name, "texts": label, "kind": kind, "seeds": matrix.shape[0],
                             "n": int((~np.isnan(matrix)).sum()), **_interval(matrix, p, seed)})
    return rows


def findings(truth: pd.DataFrame, frames: dict[str, pd.DataFrame], p: ClaimsParams, seed: int) -> dict:
    return {"texts": hallucination_of_texts(truth, p, seed), "filters": filter_quality_by_kind(truth, p, seed),
            "filtering_effect": filtering_effect(truth, p, seed), "models": model_hallucination(frames, p, seed)}


def _share(row: dict) -> str:
    return "n/a" if row["share"] is None else f"{row['share']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def findings_markdown(f: dict, p: ClaimsParams) -> str:
    """The findings as markdown tables (appended to claims.md)."""
    lines = ["## What toyworld's exact truth shows", "",
             f"Shares with {p.confidence:.0%} bootstrap intervals (`reports/findings.json`). Kinds of hallucination, "
             "each stricter than the one before: objects (a shape the image lacks, CHAIR), attributes (an absent "
             "object-attribute combination), positions (also a wrong place).", "",
             "### Raw annotations, rewrites and PF-1M", "",
             "Each training seed's rewriter rewrites the same raw annotations; n counts every seed's texts.", "",
             "| texts | kind | share hallucinating | seeds | n |", "|---|---|---|---|---|"]
    lines += [f"| {r['texts']} | {r['kind']} | {_share(r)} | {r['seeds']} | {r['n']} |" for r in f["texts"]]
    lines += ["", "### Did filtering reduce hallucination? (PF-1M minus all rewrites)", "",
              "| kind | rewrites | PF-1M | effect [interval] | reading |", "|---|---|---|---|---|"]
    lines += [f"| {r['kind']} | {r['rewrites']:.3f} | {r['pf1m']:.3f} | {r['effect']:+.3f} [{r['ci_low']:+.3f}, "
              f"{r['ci_high']:+.3f}] | {r['reading']} |" for r in f["filtering_effect"]]
    lines += ["", "### Each filter against each kind of badness (over the rewrites it examined, every seed's)", "",
              "| filter | bad = | examined | dropped | base rate | precision | recall |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['filter']} | {r['bad']} | {r['examined']} | {r['dropped']} | {r['base_rate']:.3f} | "
              f"{_share(r['precision'])} | {_share(r['recall'])} |" for r in f["filters"]]
    lines += ["", "### Every model's hallucination", "", "| model | texts | kind | share | seeds | n |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {r['model']} | {r['texts']} | {r['kind']} | {_share(r)} | {r['seeds']} | {r['n']} |"
              for r in f["models"]]
    return "\n".join(lines) + "\n"

"""Stage 08's findings from toyworld's exact truth: hallucination shares by kind, each filter's precision and
recall against the truth, whether filtering reduced hallucination, every model's hallucination (synthetic truth
tables here, where the answers are known)."""
import numpy as np
import pandas as pd
import pytest

from pfutils.figures.config import ClaimsParams
from pfutils.figures.findings import conditional_share, findings, findings_markdown, truth_matrix

PARAMS = ClaimsParams(resamples=300, confidence=0.95, margin=0.05)


def _truth(n: int = 400) -> pd.DataFrame:
    """Rewrites of which the first half hallucinate objects; `nli` drops exactly those (perfect), `sts` drops every
    fourth rewrite whatever it is (blind); PF-1M keeps what nli passed, and hallucinates as often as it would
    without it for attributes."""
    bad = np.arange(n) < n // 2
    return pd.DataFrame({
        "id": [f"r{i}" for i in range(n)], "dataset": "d", "category": "vqa_short",
        "in_pf1m": ~bad, "answer_changed": [None] * n,
        **{f"raw_{k}": bad for k in ("objects", "attributes", "positions")},
        **{f"rewrite_{k}": bad for k in ("objects", "attributes", "positions")},
        **{f"pf1m_{k}": np.where(bad, None, False) for k in ("objects", "attributes", "positions")},
        "dropped_by_nli": bad.astype(float), "dropped_by_sts": (np.arange(n) % 4 == 0).astype(float),
        "dropped_by_length": np.nan})


def _frames():
    rows = [{"task": "captioning", "id": f"c{i}", "seed": s, "hallucinated_objects": (i + s) % 2 == 0,
             "hallucinated": True, "misplaced": True, "mentions": 2} for s in (0, 1, 2) for i in range(50)]
    return {"stage3": pd.DataFrame(rows)}


def test_filters_are_held_to_the_truth_with_intervals():
    found = findings(_truth(), _frames(), PARAMS, seed=0)
    by = {(r["filter"], r["bad"]): r for r in found["filters"]}
    nli = by["nli", "objects"]
    assert nli["precision"]["share"] == 1.0 and nli["recall"]["share"] == 1.0 and nli["base_rate"] == 0.5
    sts = by["sts", "objects"]
    assert sts["precision"]["ci_low"] < 0.5 < sts["precision"]["ci_high"], "a blind filter's precision is the base rate"
    assert sts["recall"]["share"] == pytest.approx(0.25, abs=0.02)
    assert not any(r["filter"] == "length" for r in found["filters"]), "a filter that examined nothing has no row"
    assert not any(r["bad"] == "answer changed" for r in found["filters"]), "no answer truth, no row"


def test_the_filtering_effect_and_every_models_hallucination():
    found = findings(_truth(), _frames(), PARAMS, seed=0)
    effect = {r["kind"]: r for r in found["filtering_effect"]}
    assert effect["objects"]["rewrites"] == 0.5 and effect["objects"]["pf1m"] == 0.0
    assert effect["objects"]["reading"] == "filtering reduced it" and effect["objects"]["ci_high"] < 0
    texts = {(r["texts"], r["kind"]): r["share"] for r in found["texts"]}
    assert texts["raw annotations", "objects"] == 0.5 and texts["PF-1M", "positions"] == 0.0
    models = {(r["model"], r["kind"]): r for r in found["models"]}
    assert models["stage3", "objects"]["share"] == pytest.approx(0.5, abs=0.02)
    assert models["stage3", "objects"]["seeds"] == 3 and models["stage3", "attributes"]["share"] == 1.0
    markdown = findings_markdown(found, PARAMS)
    assert "| nli | objects |" in markdown and "filtering reduced it" in markdown


def test_a_share_given_something_that_never_happens_is_not_available():
    assert conditional_share(np.array([True, False]), np.array([False, False]), PARAMS, seed=0)["share"] is None


def test_a_conditional_share_counts_only_the_items_where_its_condition_holds():
    """P(outcome | given): 2 of the 3 items where `given` holds; the interval stays inside [0, 1] around it."""
    outcome, given = np.array([1, 1, 0, 1, 1, 1], bool), np.array([1, 1, 1, 0, 0, 0], bool)
    share = conditional_share(outcome, given, PARAMS, seed=0)
    assert share["share"] == pytest.approx(2 / 3, abs=1e-4) and share["n"] == 3
    assert 0.0 <= share["ci_low"] <= share["share"] <= share["ci_high"] <= 1.0


def test_every_seeds_rewrites_count_and_each_seed_is_resampled_as_a_whole():
    """Two training seeds, each with its own rewriter and PF-1M: the same raw annotations in both. Seed 0's filter
    removes every hallucinating rewrite, seed 1's keeps them all; the truth matrices are (seeds, rewrites), and an
    effect that differs between the seeds gets an interval that covers both."""
    one = _truth(200).assign(seed=0)
    other = _truth(200).assign(seed=1, in_pf1m=True, dropped_by_nli=0.0,
                                **{f"pf1m_{k}": np.arange(200) < 100 for k in ("objects", "attributes", "positions")})
    truth = pd.concat([one, other], ignore_index=True)
    assert truth_matrix(truth, "raw_objects").shape == (2, 200)
    found = findings(truth, _frames(), PARAMS, seed=0)
    texts = {(r["texts"], r["kind"]): r for r in found["texts"]}
    raw = texts["raw annotations", "objects"]
    assert raw["seeds"] == 2 and raw["n"] == 400 and raw["share"] == 0.5
    assert texts["PF-1M", "objects"]["share"] == pytest.approx((0 * 100 + 0.5 * 200) / 300, abs=1e-4)
    effect = {r["kind"]: r for r in found["filtering_effect"]}["objects"]
    assert effect["ci_low"] < -0.4 and effect["ci_high"] > -0.1, "seed 0 removes all of it, seed 1 none"
    nli = {(r["filter"], r["bad"]): r for r in found["filters"]}["nli", "objects"]
    assert nli["examined"] == 400 and nli["dropped"] == 100 and nli["precision"]["share"] == 1.0
    assert nli["recall"]["share"] == pytest.approx(0.5, abs=1e-4)

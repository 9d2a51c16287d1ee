"""Stage 08's claims: the verdict rule at ties, zero baselines and bounds; the bootstrap; the registry computing
every verdict from per-item results (synthetic ones here, where the truth is known)."""
import numpy as np
import pandas as pd
import pytest

from pfutils.figures.claims import COMPARISONS, claim_results, claims_markdown
from pfutils.figures.config import ClaimsParams
from pfutils.figures.evidence import Effect, bootstrap_effect, verdict

PARAMS = ClaimsParams(resamples=500, confidence=0.95, margin=0.05)


@pytest.mark.parametrize("effect, direction, expected", [
    (Effect(0.2, 0.1, 0.3), "increase", "holds"),
    (Effect(-0.2, -0.3, -0.1), "increase", "contradicted"),
    (Effect(0.1, -0.05, 0.25), "increase", "inconclusive"),
    (Effect(0.1, 0.0, 0.2), "increase", "inconclusive"),          # a tie at the boundary decides nothing
    (Effect(0.0, 0.0, 0.0), "increase", "inconclusive"),          # no difference at all
    (Effect(-0.2, -0.3, -0.1), "decrease", "holds"),
    (Effect(0.2, 0.1, 0.3), "decrease", "contradicted"),
    (Effect(-0.01, -0.04, 0.02), "maintain", "holds"),            # within the margin
    (Effect(-0.2, -0.3, -0.1), "maintain", "contradicted"),       # worse by more than the margin
    (Effect(-0.05, -0.12, 0.02), "maintain", "inconclusive"),
    (Effect(0.01, -0.02, 0.04), "no_gain", "holds"),
    (Effect(0.2, 0.1, 0.3), "no_gain", "contradicted"),
])
def test_the_verdict_rule(effect, direction, expected):
    assert verdict(effect, direction, margin=0.05) == expected


def test_a_baseline_at_the_bound_is_not_testable_whatever_the_interval():
    assert verdict(Effect(0.0, 0.0, 0.0), "decrease", at_bound=True) == "not testable"
    assert verdict(Effect(-0.1, -0.2, -0.05), "decrease", at_bound=True) == "not testable"


def test_bootstrap_is_seeded_paired_and_exact_without_variance():
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    b = a + 0.5  # the same items, each shifted: paired, the difference has no variance
    diff = lambda x, y: float(x.mean() - y.mean())  # noqa: E731
    paired = bootstrap_effect(diff, b, a, paired=True, resamples=300, confidence=0.95, seed=1)
    assert paired.low == pytest.approx(0.5) and paired.high == pytest.approx(0.5)
    unpaired = bootstrap_effect(diff, b, a, paired=False, resamples=300, confidence=0.95, seed=1)
    assert unpaired.low < 0.5 < unpaired.high, "unpaired, the items' own spread widens the interval"
    assert bootstrap_effect(diff, b, a, paired=False, resamples=300, confidence=0.95, seed=1) == unpaired
    with pytest.raises(ValueError, match="one value per item"):
        bootstrap_effect(diff, b[:10], a, paired=True, resamples=10, confidence=0.95, seed=1)


def _frame(correct_in: float, correct_out: float, reward: float, seed: int, n: int = 2000) -> pd.DataFrame:
    """A model's per-item results: each item correct with the given probability (independently of other models),
    rewards around `reward`."""
    rng = np.random.default_rng(seed)
    rows = []
    for task, share in (("vqa_held_in", correct_in), ("vqa_held_out", correct_out), ("captioning", None)):
        correct = (rng.random(n) < share) if share is not None else [None] * n
        rows.append(pd.DataFrame({"task": task, "id": [f"{task}/{i}" for i in range(n)], "correct": correct,
                                  "reward": reward + 0.1 * rng.normal(size=n),
                                  "rouge_l": 0.3 + 0.01 * rng.normal(size=n)}))
    return pd.concat(rows, ignore_index=True)


def _inputs(frames):
    n = len(frames["stage3"])
    raw = frames["stage3"][["task", "id"]].assign(reward=-3.0)
    rewards = pd.DataFrame({"group": ["raw annotations"] * 50 + ["PF-1M"] * 50,
                            "dataset": "d", "reward": np.r_[np.full(50, -2.0), np.full(50, 1.0)]})
    generations = pd.DataFrame({"generation": ["generation 1"] * 40 + ["generation 2"] * 40,
                                "id": [f"g{i}" for i in range(40)] * 2, "category": "vqa_short",
                                "reward": np.r_[np.full(40, 1.0), np.full(40, 1.5)], "unchanged": False,
                                "clipscore": np.nan})
    assert n
    return raw, rewards, generations


def test_the_registry_reads_verdicts_from_the_items():
    frames = {name: _frame(*rates, seed=seed) for seed, (name, rates) in enumerate({
        "base": (0.2, 0.2, -1.0), "stage1": (0.4, 0.4, 1.0), "stage2": (0.7, 0.4, 0.2), "stage3": (0.7, 0.45, 0.9),
        "raw_annotation": (0.705, 0.42, -2.0), "no_stage1": (0.7, 0.1, 0.2), "polite_only": (0.3, 0.3, 1.0)}.items())}
    results = {r.claim: r for r in claim_results(frames, *_inputs(frames), PARAMS, seed=0)}
    assert len(results) == len(COMPARISONS) + 4
    verdicts = {claim: r.verdict for claim, r in results.items()}
    assert verdicts["Stage 2 raises in-domain accuracy over stage 1"] == "holds"
    assert verdicts["Stage 3 recovers politeness over stage 2"] == "holds"
    assert verdicts["Stage 3 maintains stage 2's in-domain accuracy"] == "holds"
    assert verdicts["No stage 1 lowers held-out accuracy (stage-2 ablation)"] == "holds"
    assert verdicts["Raw annotations instead of PF-1M raise in-domain accuracy (stage-2 ablation)"] == "inconclusive"
    polite_only = "Clever Flamingo answers held-in questions better than the polite-only (LLaVA-like) model"
    assert verdicts[polite_only] == "holds"
    assert verdicts["Unfreezing LoRA raises in-domain accuracy (stage-2 ablation)"] == "not run"
    assert verdicts["The second-generation rewriter leaves fewer samples unchanged"] == "not testable"
    assert verdicts["The second-generation rewriter is more polite"] == "holds"
    assert verdicts["PF-1M is more polite than the raw annotations it was rewritten from"] == "holds"
    win = results["Clever Flamingo is preferred over the raw annotations"]
    assert win.verdict == "holds" and "control, the untuned base model: 100.0%" in win.measured
    frames["stage3"] = _frame(0.5, 0.45, 0.9, seed=3)  # stage 3 loses in-domain accuracy: "maintains" is contradicted
    again = {r.claim: r.verdict for r in claim_results(frames, *_inputs(frames), PARAMS, seed=0)}
    assert again["Stage 3 maintains stage 2's in-domain accuracy"] == "contradicted"
    markdown = claims_markdown(claim_results(frames, *_inputs(frames), PARAMS, seed=0), PARAMS)
    assert "| contradicted |" in markdown and "| not run |" in markdown and "95% bootstrap interval" in markdown


def test_a_comparison_without_scored_items_is_not_testable_not_a_crash():
    names = ("base", "stage1", "stage2", "stage3", "raw_annotation")
    frames = {name: _frame(0.5, 0.5, 0.0, seed=i) for i, name in enumerate(names)}
    frames = {name: frame[frame.task != "vqa_held_out"] for name, frame in frames.items()}  # no held-out set
    results = {r.claim: r for r in claim_results(frames, *_inputs(frames), PARAMS, seed=0)}
    assert results["Stage 2 raises in-domain accuracy over stage 1"].verdict == "inconclusive"
    held_out = results["Raw annotations instead of PF-1M raise held-out accuracy (stage-2 ablation)"]
    assert (held_out.verdict, held_out.measured) == ("not testable", "no evaluation items scored for held-out accuracy")

"""Stage 08's claims: the verdict rule at ties, zero baselines and bounds; the two-level bootstrap (seeds, items);
the registry computing every verdict from per-item results of several seeds (synthetic ones here, where the truth
is known); claims.json's fields."""
import numpy as np
import pandas as pd
import pytest

from pfutils.figures.claims import (COMPARISONS, UNSEEDED, VERDICTS, at_bound, claim_results, claims_json, claims_markdown,
                                    paired_matrices, seed_matrix)
from pfutils.figures.config import ClaimsParams
from pfutils.figures.evidence import Effect, bootstrap_effect, bootstrap_seed_groups, verdict

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


def test_which_baselines_sit_at_a_bound():
    assert at_bound("form score", 1.0, "increase") and at_bound("unchanged", 0.0, "decrease")
    assert at_bound("win rate", 1.0, "increase") and not at_bound("win rate", 1.0, "decrease")
    assert not at_bound("reward", 1e6, "increase"), "the reward has no bound"
    assert not at_bound("held-in accuracy", 0.99, "increase")


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


def test_two_level_bootstrap_widens_with_seed_noise_and_pairs_seeds():
    rng = np.random.default_rng(0)
    items = rng.normal(size=300)
    diff = lambda x, y: float(x.mean() - y.mean())  # noqa: E731
    steady = np.stack([items + 0.5] * 3), np.stack([items] * 3)  # every seed gains exactly 0.5
    effect = bootstrap_effect(diff, *steady, paired=True, resamples=300, confidence=0.95, seed=1)
    assert effect.low == pytest.approx(0.5) and effect.high == pytest.approx(0.5)
    noisy = np.stack([items + shift for shift in (0.0, 0.5, 1.0)]), np.stack([items] * 3)  # seeds disagree
    effect = bootstrap_effect(diff, *noisy, paired=True, resamples=300, confidence=0.95, seed=1)
    assert effect.estimate == pytest.approx(0.5) and effect.low < 0.25 and effect.high > 0.75
    with pytest.raises(ValueError, match="one value per item"):
        bootstrap_effect(diff, noisy[0][:2], noisy[1], paired=True, resamples=10, confidence=0.95, seed=1)


def test_seed_groups_of_different_sizes_resample_seeds_then_their_items():
    rng = np.random.default_rng(0)
    median_gain = lambda x, y: float(np.median(x) - np.median(y))  # noqa: E731
    items = [rng.normal(size=n) for n in (40, 45, 50)]  # each seed keeps its own samples
    steady = [(a + 2.0, a) for a in items]  # every seed's PF-1M gains exactly 2 on its own samples
    effect = bootstrap_seed_groups(median_gain, steady, resamples=300, confidence=0.95, seed=1)
    assert effect.estimate == pytest.approx(2.0) and effect.low == pytest.approx(2.0) == effect.high
    noisy = [(a + shift, a) for a, shift in zip(items, (1.0, 2.0, 3.0))]  # the seeds disagree
    effect = bootstrap_seed_groups(median_gain, noisy, resamples=300, confidence=0.95, seed=1)
    assert effect.estimate == pytest.approx(2.0) and effect.low < 1.5 and effect.high > 2.5
    assert bootstrap_seed_groups(median_gain, noisy, resamples=300, confidence=0.95, seed=1) == effect
    with pytest.raises(ValueError, match="paired samples"):
        bootstrap_seed_groups(median_gain, [(items[0], items[1])], resamples=10, confidence=0.95, seed=1)


def test_a_model_no_stage_trained_is_paired_with_every_seed():
    frame = lambda seeds, values: pd.DataFrame(  # noqa: E731
        [{"task": "t", "id": f"i{i}", "seed": s, "x": v + max(s, 0)} for s in seeds for i, v in enumerate(values)])
    tuned = seed_matrix(frame([0, 1, 2], [1.0, 2.0, 3.0, 4.0]), ("t",), "x")
    base = seed_matrix(frame([UNSEEDED], [0.0, 0.0, 0.0]), ("t",), "x").iloc[:3]  # one item fewer
    model, baseline = paired_matrices(tuned, base)
    assert model.shape == baseline.shape == (3, 3)
    assert (baseline == 0).all() and list(model[:, 0]) == [1.0, 2.0, 3.0]


def _frame(correct_in: float, correct_out: float, reward: float, seed: int, n: int = 600,
           seeds: tuple[int, ...] = (0, 1, 2)) -> pd.DataFrame:
    """A model's per-item results for each training seed: each item correct with the given probability
    (independently of other models), rewards around `reward`, form score 1 for rewards above 0."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in seeds:
        for task, share in (("vqa_held_in", correct_in), ("vqa_held_out", correct_out), ("captioning", None)):
            correct = (rng.random(n) < share) if share is not None else [None] * n
            rewards = reward + 0.1 * rng.normal(size=n)
            rows.append(pd.DataFrame({"task": task, "id": [f"{task}/{i}" for i in range(n)], "seed": s,
                                      "correct": correct, "reward": rewards, "form": (rewards > 0).astype(float),
                                      "rouge_l": 0.3 + 0.01 * rng.normal(size=n)}))
    return pd.concat(rows, ignore_index=True)


def _inputs(frames):
    raw = frames["stage3"][frames["stage3"].seed == 0][["task", "id"]].assign(reward=-3.0, form=0.0)
    # each seed's PF-1M keeps its own samples (48, 49, 50 of them), beside the raw annotations of the same ids
    rewards = pd.concat([pd.DataFrame({"group": group, "seed": s, "id": [f"r{i}" for i in range(48 + s)],
                                       "dataset": "d", "reward": reward, "form": form})
                         for s in (0, 1, 2) for group, reward, form in (("raw annotations", -2.0, 0.0),
                                                                        ("PF-1M", 1.0, 1.0))]
                        + [pd.DataFrame({"group": "polite sources", "seed": UNSEEDED, "id": ["p0"], "dataset": "d",
                                         "reward": 3.0, "form": 1.0})], ignore_index=True)
    ids = [f"g{i}" for i in range(40)]
    generations = pd.concat(
        [pd.DataFrame({"generation": "generation 1", "id": ids, "seed": s, "reward": 1.0, "form": 0.5,
                       "unchanged": False}) for s in (0, 1, 2)]
        + [pd.DataFrame({"generation": "generation 2", "id": ids, "seed": s, "reward": 1.5, "form": 1.0,
                         "unchanged": False}) for s in (0, 1, 2)], ignore_index=True)
    return raw, rewards, generations


MODELS = {"base": (0.2, 0.2, 1.0), "stage1": (0.4, 0.4, 1.0), "stage2": (0.7, 0.4, 0.2), "stage3": (0.7, 0.45, 0.9),
          "raw_annotation": (0.705, 0.42, -2.0), "no_stage1": (0.7, 0.1, 0.2), "polite_only": (0.3, 0.3, 1.0)}


def _frames(models=MODELS):
    return {name: _frame(*rates, seed=seed, seeds=(UNSEEDED,) if name == "base" else (0, 1, 2))
            for seed, (name, rates) in enumerate(models.items())}


def test_the_registry_reads_verdicts_from_the_items():
    frames = _frames()
    rows = claim_results(frames, *_inputs(frames), PARAMS, seed=0)
    results = {r.claim: r for r in rows}
    assert len(results) == len(rows) == len(COMPARISONS) + 9
    verdicts = {claim: r.verdict for claim, r in results.items()}
    assert verdicts["Stage 2 raises in-domain accuracy over stage 1"] == "holds"
    assert verdicts["Stage 3 recovers politeness over stage 2 (reward)"] == "holds"
    assert verdicts["Stage 3 recovers politeness over stage 2 (form score)"] == "holds"
    assert verdicts["Stage 3 maintains stage 2's in-domain accuracy"] == "holds"
    assert verdicts["No stage 1 lowers held-out accuracy (stage-2 ablation)"] == "holds"
    assert verdicts["Raw annotations instead of PF-1M raise in-domain accuracy (stage-2 ablation)"] == "inconclusive"
    polite_only = "Clever Flamingo answers held-in questions better than the polite-only (LLaVA-like) model"
    assert verdicts[polite_only] == "holds"
    assert verdicts["Unfreezing LoRA raises in-domain accuracy (stage-2 ablation)"] == "not run"
    assert verdicts["The second-generation rewriter leaves fewer samples unchanged"] == "not testable"
    assert verdicts["The second-generation rewriter is more polite (reward)"] == "holds"
    pf1m = results["PF-1M is more polite than the raw annotations it was rewritten from (reward)"]
    assert pf1m.verdict == "holds" and pf1m.seeds == 3 and pf1m.n == 49 and pf1m.effect.estimate == pytest.approx(3.0)
    assert results["The second-generation rewriter is more polite (reward)"].seeds == 3
    win = results["Clever Flamingo is preferred over the raw annotations (reward)"]
    assert win.verdict == "holds" and "base model (control): 100.0%" in win.control
    # the control: the base model (reward 1.0) already beats every raw annotation, so stage 3 cannot beat it more
    lift = results["Clever Flamingo beats the raw annotations more often than the untuned base model does (reward)"]
    assert lift.verdict == "not testable" and lift.effect.estimate == pytest.approx(0.0)
    assert verdicts["The second-generation rewriter is more polite (form score)"] == "holds"
    assert results["Stage 2 raises in-domain accuracy over stage 1"].seeds == 3
    assert "control" in results["Stage 2 lowers politeness below stage 1 (reward)"].control
    frames["stage3"] = _frame(0.5, 0.45, 0.9, seed=3)  # stage 3 loses in-domain accuracy: "maintains" is contradicted
    again = {r.claim: r.verdict for r in claim_results(frames, *_inputs(frames), PARAMS, seed=0)}
    assert again["Stage 3 maintains stage 2's in-domain accuracy"] == "contradicted"


def test_claims_json_has_the_published_fields_and_markdown_is_made_from_it():
    frames = _frames()
    claims = claims_json(claim_results(frames, *_inputs(frames), PARAMS, seed=0), PARAMS)
    for c in claims:
        assert {"claim", "paper", "direction", "effect", "ci_low", "ci_high", "seeds", "n", "verdict"} <= set(c)
        assert c["direction"] in (1, -1) and c["verdict"] in VERDICTS
        if c["verdict"] == "holds":  # its interval lies on the paper's side of zero (or of the margin)
            side = c["direction"] * np.array([c["ci_low"], c["ci_high"]])
            assert side.min() > -c["margin"], c
    markdown = claims_markdown(claims, PARAMS)
    assert markdown.count("\n| ") == len(claims) + 1
    assert "| not run |" in markdown and "two-level bootstrap interval" in markdown


def test_a_comparison_without_scored_items_is_not_testable_not_a_crash():
    frames = _frames({name: (0.5, 0.5, 0.0) for name in ("base", "stage1", "stage2", "stage3", "raw_annotation")})
    frames = {name: frame[frame.task != "vqa_held_out"] for name, frame in frames.items()}  # no held-out set
    results = {r.claim: r for r in claim_results(frames, *_inputs(frames), PARAMS, seed=0)}
    assert results["Stage 2 raises in-domain accuracy over stage 1"].verdict == "inconclusive"
    held_out = results["Raw annotations instead of PF-1M raise held-out accuracy (stage-2 ablation)"]
    assert (held_out.verdict, held_out.measured) == ("not testable", "no evaluation items scored for held-out accuracy")

"""reports/claims.md: every claim of the paper that toyworld can test, the comparison as the paper makes it, this
run's effect with its 95% bootstrap interval over evaluation items, and the verdict that interval supports
(`pfutils.figures.evidence`).

Every number is computed from this run's per-item results (`data/eval/*.parquet`, stage 07; the reward table of
stage 04); nothing is typed in but the paper's own numbers. A claim about a model this run did not train (a
stage-2 ablation left out of `tuning.comparisons`) is listed as "not run".
"""
from __future__ import annotations

from dataclasses import dataclass
import numpy as np
import pandas as pd

from .config import ClaimsParams
from .evidence import VERDICTS as INTERVAL_VERDICTS
from .evidence import Direction, Effect, bootstrap_effect, verdict

VERDICTS = (*INTERVAL_VERDICTS, "not run")
# metric name -> (the evaluation tasks it averages over, the per-item column of data/eval/<model>.parquet)
METRICS = {"held-in accuracy": ("vqa_held_in", "correct"), "held-out accuracy": ("vqa_held_out", "correct"),
            "VQA accuracy": (("vqa_held_in", "vqa_held_out"), "correct"),
            "reward": (("vqa_held_in", "vqa_held_out"), "reward"), "captioning Rouge-L": ("captioning", "rouge_l")}


@dataclass(frozen=True)
class Comparison:
    """One claim: `model` minus `baseline` on `metric` (a key of METRICS) moves in `direction`."""
    claim: str
    source: str
    paper: str
    model: str
    baseline: str
    metric: str
    direction: Direction


# The paper's comparisons (Section 5.3 and Figure 9: stage-2 variants against the default stage 2; Table 1).
COMPARISONS = (
    Comparison("Stage 2 raises in-domain accuracy over stage 1", "Figure 9", "QA InD up",
               "stage2", "stage1", "held-in accuracy", "increase"),
    Comparison("Stage 2 lowers politeness below stage 1", "Figure 9", "reward down (the U's dip)",
               "stage2", "stage1", "reward", "decrease"),
    Comparison("Stage 3 recovers politeness over stage 2", "Figure 9", "reward up (the U)",
               "stage3", "stage2", "reward", "increase"),
    Comparison("Stage 3 maintains stage 2's in-domain accuracy", "Figure 9", "QA InD about equal",
               "stage3", "stage2", "held-in accuracy", "maintain"),
    Comparison("Raw annotations instead of PF-1M raise in-domain accuracy (stage-2 ablation)", "Figure 9",
               "slightly up", "raw_annotation", "stage2", "held-in accuracy", "increase"),
    Comparison("Raw annotations instead of PF-1M raise held-out accuracy (stage-2 ablation)", "Figure 9",
               "slightly up", "raw_annotation", "stage2", "held-out accuracy", "increase"),
    Comparison("Raw annotations instead of PF-1M cost politeness: the alignment tax (stage-2 ablation)", "Figure 9",
               "reward far down", "raw_annotation", "stage2", "reward", "decrease"),
    Comparison("No stage 1 lowers held-out accuracy (stage-2 ablation)", "Figure 9", "QA OOD down",
               "no_stage1", "stage2", "held-out accuracy", "decrease"),
    Comparison("224 px instead of 336 px hurts accuracy (stage-2 ablation)", "Figure 9", "accuracy down",
               "low_resolution", "stage2", "VQA accuracy", "decrease"),
    Comparison("Unfreezing the ViT does not improve accuracy (stage-2 ablation)", "Figure 9", "no significant gain",
               "unfreeze_vit", "stage2", "VQA accuracy", "no_gain"),
    Comparison("Unfreezing LoRA raises in-domain accuracy (stage-2 ablation)", "Figure 9", "QA InD up",
               "unfreeze_lora", "stage2", "held-in accuracy", "increase"),
    Comparison("Unfreezing LoRA lowers held-out accuracy (stage-2 ablation)", "Figure 9", "QA OOD down",
               "unfreeze_lora", "stage2", "held-out accuracy", "decrease"),
    Comparison("Twice the stage-2 epochs lower held-out accuracy (stage-2 ablation)", "Figure 9", "QA OOD down",
               "more_epochs", "stage2", "held-out accuracy", "decrease"),
    Comparison("Clever Flamingo captions better than the raw-annotation-tuned model", "Table 1",
               "Rouge-L up", "stage3", "raw_annotation", "captioning Rouge-L", "increase"),
    Comparison("Clever Flamingo generalises better than the raw-annotation-tuned model", "Table 1",
               "held-out accuracy up", "stage3", "raw_annotation", "held-out accuracy", "increase"),
    Comparison("Clever Flamingo answers held-in questions better than the polite-only (LLaVA-like) model",
               "Table 1, Figure 8", "accuracy up", "stage3", "polite_only", "held-in accuracy", "increase"),
)


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    source: str
    paper: str
    measured: str
    effect: Effect | None
    verdict: str


def _mean_difference(model: np.ndarray, baseline: np.ndarray) -> float:
    return float(model.mean() - baseline.mean())


def _paired_values(frames: dict[str, pd.DataFrame], model: str, baseline: str, metric: str
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The two models' values of `metric` on the same items (joined on task and id)."""
    tasks, column = METRICS[metric]
    tasks = (tasks,) if isinstance(tasks, str) else tasks
    picked = [frames[name].loc[frames[name].task.isin(tasks), ["task", "id", column]] for name in (model, baseline)]
    joined = picked[0].merge(picked[1], on=["task", "id"], suffixes=("_model", "_baseline")).dropna()
    return (joined[f"{column}_model"].astype(float).to_numpy(), joined[f"{column}_baseline"].astype(float).to_numpy())


def comparison_result(c: Comparison, frames: dict[str, pd.DataFrame], p: ClaimsParams, seed: int) -> ClaimResult:
    if c.model not in frames or c.baseline not in frames:
        missing = [m for m in (c.model, c.baseline) if m not in frames]
        return ClaimResult(c.claim, c.source, c.paper, f"not run: add {', '.join(missing)} to tuning.comparisons",
                           None, "not run")
    model, baseline = _paired_values(frames, c.model, c.baseline, c.metric)
    if not len(model):
        return ClaimResult(c.claim, c.source, c.paper, f"no evaluation items scored for {c.metric}", None,
                           "not testable")
    effect = bootstrap_effect(_mean_difference, model, baseline, paired=True, resamples=p.resamples,
                              confidence=p.confidence, seed=seed)
    measured = (f"{c.metric} {baseline.mean():.3f} ({c.baseline}) -> {model.mean():.3f} ({c.model}), "
                f"n={len(model)}")
    return ClaimResult(c.claim, c.source, c.paper, measured, effect, verdict(effect, c.direction, p.margin))


def _wins_over(model: np.ndarray, other: np.ndarray) -> np.ndarray:
    return (model > other) + 0.5 * (model == other)


def win_rate_result(frames: dict[str, pd.DataFrame], raw: pd.DataFrame, p: ClaimsParams, seed: int) -> ClaimResult:
    """Figure 8: Clever Flamingo's reward beats the raw annotation's on the same item more often than not (ties
    half). The untuned base model is the control: a reward model that prefers any fluent answer to a terse
    annotation makes the claim automatic, and the base model's rate shows by how much."""
    def rate(name: str) -> tuple[np.ndarray, np.ndarray]:
        joined = frames[name][["task", "id", "reward"]].merge(raw, on=["task", "id"], suffixes=("", "_raw"))
        return _wins_over(joined.reward.to_numpy(), joined.reward_raw.to_numpy()), joined.reward_raw.to_numpy()

    clever, _ = rate("stage3")
    effect = bootstrap_effect(lambda wins: float(wins.mean() - 0.5), clever, paired=True, resamples=p.resamples,
                              confidence=p.confidence, seed=seed)
    control = f"; control, the untuned base model: {rate('base')[0].mean():.1%}" if "base" in frames else ""
    return ClaimResult("Clever Flamingo is preferred over the raw annotations", "Figure 8", "win rate 79.6%",
                       f"win rate {clever.mean():.1%} on {len(clever)} VQA items{control} (effect: rate - 50%)",
                       effect, verdict(effect, "increase"))


def pf1m_result(rewards: pd.DataFrame, p: ClaimsParams, seed: int) -> ClaimResult:
    """Figure 6: the median reward of PF-1M over that of the raw annotations it was rewritten from (two samples
    of different sizes: each resampled on its own)."""
    raw = rewards.loc[rewards.group == "raw annotations", "reward"].to_numpy()
    pf1m = rewards.loc[rewards.group == "PF-1M", "reward"].to_numpy()
    effect = bootstrap_effect(lambda a, b: float(np.median(a) - np.median(b)), pf1m, raw, paired=False,
                              resamples=p.resamples, confidence=p.confidence, seed=seed)
    return ClaimResult("PF-1M is more polite than the raw annotations it was rewritten from", "Figure 6",
                       "median reward -2.42 -> -0.50",
                       f"median reward {np.median(raw):.2f} (raw, n={len(raw)}) -> {np.median(pf1m):.2f} "
                       f"(PF-1M, n={len(pf1m)})", effect, verdict(effect, "increase"))


def generation_results(items: pd.DataFrame, p: ClaimsParams, seed: int) -> list[ClaimResult]:
    """Table 3: the second-generation rewriter against the first on the same raw samples."""
    pivot = {column: items.pivot(index="id", columns="generation", values=column).dropna()
             for column in ("reward", "unchanged")}
    g1, g2 = "generation 1", "generation 2"
    results = []
    for column, claim, paper, direction in (
            ("unchanged", "The second-generation rewriter leaves fewer samples unchanged", "11.53% -> 0.00%",
             "decrease"),
            ("reward", "The second-generation rewriter is more polite", "average reward -1.19 -> -0.68", "increase")):
        first, second = (pivot[column][g].astype(float).to_numpy() for g in (g1, g2))
        effect = bootstrap_effect(_mean_difference, second, first, paired=True, resamples=p.resamples,
                                  confidence=p.confidence, seed=seed)
        at_bound = column == "unchanged" and first.mean() == 0.0  # nothing left unchanged to reduce
        shown = (lambda v: f"{v:.2%}") if column == "unchanged" else (lambda v: f"{v:.2f}")
        results.append(ClaimResult(claim, "Table 3", paper,
                                   f"{column} {shown(first.mean())} -> {shown(second.mean())}, n={len(first)}",
                                   effect, verdict(effect, direction, at_bound=at_bound)))
    return results


def claim_results(frames: dict[str, pd.DataFrame], raw: pd.DataFrame, rewards: pd.DataFrame,
                  generations: pd.DataFrame, p: ClaimsParams, seed: int) -> list[ClaimResult]:
    """Every claim of the registry, in the paper's order (Figure 6, Figures 8-9, Table 1, Table 3)."""
    return ([pf1m_result(rewards, p, seed), win_rate_result(frames, raw, p, seed)]
            + [comparison_result(c, frames, p, seed) for c in COMPARISONS] + generation_results(generations, p, seed))


def claims_markdown(rows: list[ClaimResult], p: ClaimsParams) -> str:
    counts = ", ".join(f"{sum(r.verdict == v for r in rows)} {v}" for v in VERDICTS)
    lines = ["# The paper's claims, measured in toyworld", "",
             f"Written by stage 08 from this run's per-item results (`data/eval/`, `reports/tables/04_rewards.csv`). "
             f"Each effect is the claimed model minus its baseline, with its {p.confidence:.0%} bootstrap interval "
             f"over evaluation items ({p.resamples} resamples, paired where both are scored on the same items). "
             "A claim holds only when the interval excludes no effect in the paper's direction, is contradicted "
             f"when it excludes it in the other, and is inconclusive otherwise; \"maintains\" and \"no gain\" use "
             f"a margin of {p.margin}. One training seed: the intervals cover item sampling, not training "
             f"noise. {counts}.", "",
             f"| claim | paper | this run | effect [{p.confidence:.0%} interval] | verdict |", "|---|---|---|---|---|"]
    for r in rows:
        effect = f"{r.effect.estimate:+.3f} [{r.effect.low:+.3f}, {r.effect.high:+.3f}]" if r.effect else ""
        lines.append(f"| {r.claim} | {r.paper} ({r.source}) | {r.measured} | {effect} | {r.verdict} |")
    return "\n".join(lines) + "\n"

"""reports/claims.json and claims.md: every claim of the paper that toyworld can test, the comparison as the paper
makes it, this run's effect with its 95% bootstrap interval over training seeds and evaluation items, and the
verdict that interval supports (`pfutils.figures.evidence`).

Every number is computed from this run's per-item results (`reports/eval/*.csv`, stage 07, one row per model,
training seed and item; the reward table of stage 04); nothing is typed in but the paper's own statements.
Politeness is judged twice: by the reward model (the paper's measure; trained in the tiny profile) and by the
form score (`textstats.form_score`, which no stage trained). Every politeness comparison carries the untuned base
model as its control: a measure that prefers any fluent answer to a terse one rates the base model well too.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..evaluation.summary import UNSEEDED
from ..reward.win_rates import wins
from .config import ClaimsParams
from .evidence import VERDICTS as INTERVAL_VERDICTS
from .evidence import Direction, Effect, bootstrap_effect, bootstrap_seed_groups, verdict

VERDICTS = (*INTERVAL_VERDICTS, "not run")  # not run: a model left out of tuning.recipes
TASKS = {"held-in accuracy": ("vqa_held_in",), "held-out accuracy": ("vqa_held_out",),
         "VQA accuracy": ("vqa_held_in", "vqa_held_out"), "reward": ("vqa_held_in", "vqa_held_out"),
         "form score": ("vqa_held_in", "vqa_held_out"), "captioning Rouge-L": ("captioning",)}
COLUMNS = {"held-in accuracy": "correct", "held-out accuracy": "correct", "VQA accuracy": "correct",
           "reward": "reward", "form score": "form", "captioning Rouge-L": "rouge_l"}
POLITENESS = ("reward", "form score")
SIGN = {"increase": 1, "decrease": -1, "maintain": 1, "no_gain": -1}
BOUNDED = ("held-in accuracy", "held-out accuracy", "VQA accuracy", "form score", "captioning Rouge-L", "win rate",
           "unchanged")  # metrics that live in [0, 1]; the reward has no bound


def at_bound(metric: str, baseline: float, direction: Direction) -> bool:
    """Whether the baseline already sits where the claimed direction cannot go (a form score of 1 cannot rise,
    a share unchanged of 0 cannot fall): such a claim is "not testable", whatever the interval."""
    return metric in BOUNDED and ((direction == "increase" and baseline >= 1.0)
                                  or (direction == "decrease" and baseline <= 0.0))


@dataclass(frozen=True)
class Comparison:
    """One claim: `model` minus `baseline` on `metric` (a key of TASKS) moves in `direction`."""
    claim: str
    source: str
    paper: str
    model: str
    baseline: str
    metric: str
    direction: Direction


def _judged(c: Comparison, metric: str) -> Comparison:
    return Comparison(f"{c.claim} ({metric})", c.source, c.paper, c.model, c.baseline, metric, c.direction)


def _politeness(claim: str, source: str, paper: str, model: str, baseline: str, direction: Direction
                ) -> tuple[Comparison, ...]:
    """A politeness claim judged by the reward model and by the untrained form score."""
    c = Comparison(claim, source, paper, model, baseline, "reward", direction)
    return _judged(c, "reward"), _judged(c, "form score")


# The paper's comparisons (Section 5.3 and Figure 9: stage-2 variants against the default stage 2; Table 1).
COMPARISONS = (
    Comparison("Stage 2 raises in-domain accuracy over stage 1", "Figure 9", "QA InD up",
               "stage2", "stage1", "held-in accuracy", "increase"),
    *_politeness("Stage 2 lowers politeness below stage 1", "Figure 9", "reward down (the U's dip)",
                 "stage2", "stage1", "decrease"),
    *_politeness("Stage 3 recovers politeness over stage 2", "Figure 9", "reward up (the U)",
                 "stage3", "stage2", "increase"),
    Comparison("Stage 3 maintains stage 2's in-domain accuracy", "Figure 9", "QA InD about equal",
               "stage3", "stage2", "held-in accuracy", "maintain"),
    Comparison("Raw annotations instead of PF-1M raise in-domain accuracy (stage-2 ablation)", "Figure 9",
               "slightly up", "raw_annotation", "stage2", "held-in accuracy", "increase"),
    Comparison("Raw annotations instead of PF-1M raise held-out accuracy (stage-2 ablation)", "Figure 9",
               "slightly up", "raw_annotation", "stage2", "held-out accuracy", "increase"),
    *_politeness("Raw annotations instead of PF-1M cost politeness: the alignment tax (stage-2 ablation)",
                 "Figure 9", "reward far down", "raw_annotation", "stage2", "decrease"),
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
    direction: Direction
    measured: str
    effect: Effect | None
    verdict: str
    seeds: int = 0
    n: int = 0
    control: str = ""

    def as_json(self, margin: float) -> dict:
        """The row of reports/claims.json."""
        return {"claim": self.claim, "paper": f"{self.paper} ({self.source})", "direction": SIGN[self.direction],
                "effect": None if self.effect is None else round(self.effect.estimate, 4),
                "ci_low": None if self.effect is None else round(self.effect.low, 4),
                "ci_high": None if self.effect is None else round(self.effect.high, 4),
                "seeds": self.seeds, "n": self.n, "verdict": self.verdict, "measured": self.measured,
                "control": self.control or None,
                "margin": margin if self.direction in ("maintain", "no_gain") else 0.0}


def seed_matrix(frame: pd.DataFrame, tasks: tuple[str, ...], column: str) -> pd.DataFrame:
    """(task, id) x seed table of one model's per-item `column` on `tasks` (float; missing values NaN)."""
    picked = frame.loc[frame.task.isin(tasks), ["task", "id", "seed", column]]
    picked = picked.assign(**{column: pd.to_numeric(picked[column].astype(object), errors="coerce").astype(float)})
    return picked.pivot(index=["task", "id"], columns="seed", values=column)


def paired_matrices(model: pd.DataFrame, baseline: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The two (seeds, items) matrices on the same seeds and items, in the same order. A side no stage trained
    (one column, UNSEEDED) is repeated for every seed of the other; otherwise the seeds both have are kept (seed
    k of a variant started from seed k of its baseline's start). Items missing anywhere are dropped."""
    if list(model.columns) == [UNSEEDED]:
        model = pd.concat({seed: model[UNSEEDED] for seed in baseline.columns}, axis=1)
    if list(baseline.columns) == [UNSEEDED]:
        baseline = pd.concat({seed: baseline[UNSEEDED] for seed in model.columns}, axis=1)
    seeds = sorted(set(model.columns) & set(baseline.columns))
    joined = pd.concat([model[seeds], baseline[seeds]], axis=1, join="inner").dropna().to_numpy().T
    return joined[:len(seeds)], joined[len(seeds):]


def _mean_difference(model: np.ndarray, baseline: np.ndarray) -> float:
    return float(model.mean() - baseline.mean())


def _control(frames: dict[str, pd.DataFrame], metric: str) -> str:
    """The untuned base model's value of a politeness metric: the control every politeness claim is read with."""
    if metric not in POLITENESS or "base" not in frames:
        return ""
    values = seed_matrix(frames["base"], TASKS[metric], COLUMNS[metric])
    return f"{metric} of the untuned base model (control): {float(np.nanmean(values.to_numpy())):.3f}"


def comparison_result(c: Comparison, frames: dict[str, pd.DataFrame], p: ClaimsParams, seed: int) -> ClaimResult:
    missing = [m for m in (c.model, c.baseline) if m not in frames]
    if missing:
        return ClaimResult(c.claim, c.source, c.paper, c.direction,
                           f"not run: add {', '.join(missing)} to tuning.recipes", None, "not run")
    tasks, column = TASKS[c.metric], COLUMNS[c.metric]
    model, baseline = paired_matrices(seed_matrix(frames[c.model], tasks, column),
                                      seed_matrix(frames[c.baseline], tasks, column))
    if not model.size:
        return ClaimResult(c.claim, c.source, c.paper, c.direction, f"no evaluation items scored for {c.metric}",
                           None, "not testable")
    effect = bootstrap_effect(_mean_difference, model, baseline, paired=True, resamples=p.resamples,
                              confidence=p.confidence, seed=seed)
    measured = (f"{c.metric} {baseline.mean():.3f} ({c.baseline}) -> {model.mean():.3f} ({c.model}), "
                f"{model.shape[1]} items x {model.shape[0]} seeds")
    return ClaimResult(c.claim, c.source, c.paper, c.direction, measured, effect,
                       verdict(effect, c.direction, p.margin, at_bound(c.metric, baseline.mean(), c.direction)),
                       model.shape[0], model.shape[1],
                       _control(frames, c.metric))


def win_rate_results(frames: dict[str, pd.DataFrame], raw: pd.DataFrame, p: ClaimsParams, seed: int
                     ) -> list[ClaimResult]:
    """Figure 8: Clever Flamingo's answer beats the raw annotation of the same item more often than not (ties
    half), by the reward model and by the form score; then the control: does it win more often than the untuned
    base model does? A judge that prefers any fluent answer to a terse annotation makes the first automatic,
    and only the second says something about the tuning."""
    raw = raw.assign(seed=UNSEEDED)
    results = []
    for metric in POLITENESS:
        tasks, column = TASKS[metric], COLUMNS[metric]
        stage3 = seed_matrix(frames["stage3"], tasks, column)
        both = (stage3.join(seed_matrix(frames["base"], tasks, column).rename(columns={UNSEEDED: "base"}), how="inner")
                .join(seed_matrix(raw, tasks, column).rename(columns={UNSEEDED: "raw"}), how="inner").dropna())
        seeds = list(stage3.columns)
        clever = np.stack([wins(both[s].to_numpy(), both.raw.to_numpy()) for s in seeds])
        base = np.tile(wins(both.base.to_numpy(), both.raw.to_numpy()), (len(seeds), 1))
        shape = f"{clever.shape[1]} VQA items x {clever.shape[0]} seeds"
        effect = bootstrap_effect(lambda wins: float(wins.mean() - 0.5), clever, paired=True, resamples=p.resamples,
                                  confidence=p.confidence, seed=seed)
        results.append(ClaimResult(
            f"Clever Flamingo is preferred over the raw annotations ({metric})", "Figure 8", "win rate 79.6%",
            "increase", f"win rate {clever.mean():.1%} (effect: rate - 50%), {shape}", effect,
            verdict(effect, "increase"), clever.shape[0], clever.shape[1],
            f"win rate of the untuned base model (control): {base.mean():.1%}"))
        lift = bootstrap_effect(_mean_difference, clever, base, paired=True, resamples=p.resamples,
                                confidence=p.confidence, seed=seed)
        results.append(ClaimResult(
            f"Clever Flamingo beats the raw annotations more often than the untuned base model does ({metric})",
            "Figure 8, control", "the tuning makes the answers polite", "increase",
            f"win rate over raw annotations {base.mean():.1%} (base) -> {clever.mean():.1%} (stage3), {shape}",
            lift, verdict(lift, "increase", at_bound=at_bound("win rate", base.mean(), "increase")),
            clever.shape[0], clever.shape[1]))
    return results


def pf1m_results(rewards: pd.DataFrame, p: ClaimsParams, seed: int) -> list[ClaimResult]:
    """Figure 6: the median reward (and mean form score) of each training seed's PF-1M over that of the raw
    annotations it was rewritten from (the same samples, paired), averaged over the seeds; the interval resamples
    the seeds (their rewriters, filters and PF-1Ms) and then each seed's samples."""
    results = []
    for metric, column, statistic, name in (("reward", "reward", np.median, "median"),
                                            ("form score", "form", np.mean, "mean")):
        groups = []
        for _, rows in sorted(rewards[rewards.group.isin(["raw annotations", "PF-1M"])].groupby("seed")):
            raw = rows[rows.group == "raw annotations"].set_index("id")[column]
            pf1m = rows[rows.group == "PF-1M"].set_index("id")[column]
            ids = [i for i in pf1m.index if i in raw.index]
            groups.append((pf1m[ids].to_numpy(dtype=float), raw[ids].to_numpy(dtype=float)))
        effect = bootstrap_seed_groups(lambda a, b: float(statistic(a) - statistic(b)), groups,
                                       resamples=p.resamples, confidence=p.confidence, seed=seed)
        raw_value = float(np.mean([statistic(b) for _, b in groups]))
        pf1m_value = float(np.mean([statistic(a) for a, _ in groups]))
        sizes = [len(a) for a, _ in groups]
        results.append(ClaimResult(
            f"PF-1M is more polite than the raw annotations it was rewritten from ({metric})", "Figure 6",
            "median reward -2.42 -> -0.50", "increase",
            f"{name} {metric} {raw_value:.2f} (raw) -> {pf1m_value:.2f} (PF-1M), "
            f"{'/'.join(map(str, sizes))} samples x {len(groups)} seeds", effect,
            verdict(effect, "increase", at_bound=at_bound(metric, raw_value, "increase")),
            len(groups), round(float(np.mean(sizes)))))
    return results


def generation_results(items: pd.DataFrame, p: ClaimsParams, seed: int) -> list[ClaimResult]:
    """Table 3: the second-generation rewriter of each training seed (started from that seed's Clever Flamingo)
    against the first of the same seed, on the same raw samples."""
    first = items[items.generation == "generation 1"].assign(task="rewrite")
    second = items[items.generation == "generation 2"].assign(task="rewrite")
    results = []
    for column, claim, paper, direction in (
            ("unchanged", "The second-generation rewriter leaves fewer samples unchanged", "11.53% -> 0.00%",
             "decrease"),
            ("reward", "The second-generation rewriter is more polite (reward)", "average reward -1.19 -> -0.68",
             "increase"),
            ("form", "The second-generation rewriter is more polite (form score)", "average reward -1.19 -> -0.68",
             "increase")):
        two, one = paired_matrices(seed_matrix(second, ("rewrite",), column), seed_matrix(first, ("rewrite",), column))
        effect = bootstrap_effect(_mean_difference, two, one, paired=True, resamples=p.resamples,
                                  confidence=p.confidence, seed=seed)
        metric = {"unchanged": "unchanged", "reward": "reward", "form": "form score"}[column]
        shown = (lambda v: f"{v:.2%}") if column == "unchanged" else (lambda v: f"{v:.2f}")
        results.append(ClaimResult(claim, "Table 3", paper, direction,
                                   f"{column} {shown(one.mean())} -> {shown(two.mean())}, {two.shape[1]} samples x "
                                   f"{two.shape[0]} seeds", effect,
                                   verdict(effect, direction, at_bound=at_bound(metric, one.mean(), direction)),
                                   two.shape[0], two.shape[1]))
    return results


def claim_results(frames: dict[str, pd.DataFrame], raw: pd.DataFrame, rewards: pd.DataFrame,
                  generations: pd.DataFrame, p: ClaimsParams, seed: int) -> list[ClaimResult]:
    """Every claim of the registry, in the paper's order (Figure 6, Figures 8-9, Table 1, Table 3). `frames`:
    per-item results of every evaluated model (column `seed`: the training seed, UNSEEDED for the base model)."""
    return (pf1m_results(rewards, p, seed) + win_rate_results(frames, raw, p, seed)
            + [comparison_result(c, frames, p, seed) for c in COMPARISONS] + generation_results(generations, p, seed))


def claims_json(rows: list[ClaimResult], p: ClaimsParams) -> list[dict]:
    return [r.as_json(p.margin) for r in rows]


def claims_markdown(claims: list[dict], p: ClaimsParams) -> str:
    """reports/claims.md from the rows of claims.json (so the two never disagree)."""
    counts = ", ".join(f"{sum(c['verdict'] == v for c in claims)} {v}" for v in VERDICTS)
    seeds = sorted({c["seeds"] for c in claims})
    lines = ["# The paper's claims, measured in toyworld", "",
             "Written by stage 08 from `reports/claims.json`, itself computed from this run's per-item results "
             "(`reports/eval/`, `reports/tables/04_rewards.csv`). Each effect is the claimed model minus its "
             f"baseline, with its {p.confidence:.0%} two-level bootstrap interval ({p.resamples} resamples: training "
             "seeds, then evaluation items, paired where both sides answer the same items with the same seeds). A "
             "claim holds only when the interval excludes no effect in the paper's direction, is contradicted when "
             "it excludes it in the other, and is inconclusive otherwise; \"maintains\" and \"no gain\" use a "
             f"margin of {p.margin}; \"not testable\" when the baseline already sits at the bound the claimed direction "
             "cannot pass (a share of 0 or 1, a form score of 1). Training seed k is a whole chain: seed k's "
             "rewriter makes seed k's PF-1M, on which every model of seed k is tuned. Training seeds per claim: "
             f"{', '.join(map(str, seeds))}. {counts}.", "",
             f"| claim | paper | this run | effect [{p.confidence:.0%} interval] | verdict |", "|---|---|---|---|---|"]
    for c in claims:
        effect = f"{c['effect']:+.3f} [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}]" if c["effect"] is not None else ""
        measured = c["measured"] + (f"; {c['control']}" if c["control"] else "")
        lines.append(f"| {c['claim']} | {c['paper']} | {measured} | {effect} | {c['verdict']} |")
    return "\n".join(lines) + "\n"

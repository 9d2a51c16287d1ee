"""reports/claims.md: each claim of the paper, what this run measured, and whether the claim holds here.

Every verdict is computed from the metrics of this run; nothing is typed in.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    claim: str
    paper: str
    measured: str
    holds: bool


def claims(filtering: dict, evaluation: dict) -> list[Claim]:
    m = evaluation["models"]
    raw_median, pf1m_median = filtering["reward_median"]["raw annotations"], filtering["reward_median"]["PF-1M"]
    clever, raw_model, s1, s2 = m["stage3"], m.get("raw_annotation"), m["stage1"], m["stage2"]
    gens = evaluation["second_generation"]
    g1, g2 = gens["generation 1"], gens["generation 2"]
    out = [
        Claim("PF-1M is more polite than the raw annotations it was rewritten from",
              "median reward -2.42 (raw) -> -0.50 (PF-1M), Figure 6",
              f"median reward {raw_median:.2f} (raw) -> {pf1m_median:.2f} (PF-1M)", pf1m_median > raw_median),
        Claim("Stage 2 raises in-domain accuracy over stage 1", "Figure 9",
              f"held-in VQA accuracy {s1['vqa_held_in_accuracy']:.3f} -> {s2['vqa_held_in_accuracy']:.3f}",
              s2["vqa_held_in_accuracy"] > s1["vqa_held_in_accuracy"]),
        Claim("Stage 2 lowers politeness; stage 3 recovers it (the U)", "Figure 9",
              f"mean reward stage 1 {s1['reward_mean']:.2f}, stage 2 {s2['reward_mean']:.2f}, "
              f"stage 3 {clever['reward_mean']:.2f}",
              s2["reward_mean"] < s1["reward_mean"] and clever["reward_mean"] > s2["reward_mean"]),
        Claim("Clever Flamingo is preferred over the raw annotations", "win rate 79.6%, Figure 8",
              f"win rate {evaluation['win_rate_vs_raw']['stage3']:.1%}", evaluation["win_rate_vs_raw"]["stage3"] > 0.5),
        Claim("The second-generation rewriter leaves fewer samples unchanged", "11.53% -> 0.00% on A-OKVQA, Table 3",
              f"{g1['unchanged_share']:.2%} -> {g2['unchanged_share']:.2%}",
              g2["unchanged_share"] <= g1["unchanged_share"]),
        Claim("The second-generation rewriter is more polite", "average reward -1.19 -> -0.68, Table 3",
              f"{g1['reward_mean']:.2f} -> {g2['reward_mean']:.2f}", g2["reward_mean"] > g1["reward_mean"]),
    ]
    if raw_model is not None:
        out.append(Claim(
            "Tuning on raw annotations costs politeness (the multi-modal alignment tax) for little accuracy",
            "raw-annotation stage 2: accuracy slightly up, politeness far down, Figure 9",
            f"reward {raw_model['reward_mean']:.2f} (raw-annotation model) vs {clever['reward_mean']:.2f} (Clever); "
            f"held-in accuracy {raw_model['vqa_held_in_accuracy']:.3f} vs {clever['vqa_held_in_accuracy']:.3f}",
            raw_model["reward_mean"] < clever["reward_mean"]
            and abs(raw_model["vqa_held_in_accuracy"] - clever["vqa_held_in_accuracy"]) <= 0.10))
    return out


def claims_markdown(rows: list[Claim]) -> str:
    lines = ["# The paper's claims, measured in toyworld", "",
             "Written by stage 08 from this run's metrics (`reports/metrics/04_filtering.json`, "
             "`07_evaluation.json`).", "",
             "| claim | paper | this run | holds |", "|---|---|---|---|"]
    lines += [f"| {c.claim} | {c.paper} | {c.measured} | {'yes' if c.holds else 'no'} |" for c in rows]
    return "\n".join(lines) + "\n"

"""The figures of Section 5, each from a table this run computed; PNG and SVG."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..storage import atomic_file
from . import paper


def save(fig, stem: str | Path) -> list[Path]:
    """PNG and SVG, byte-identical from one run to the next (no date stamp, fixed SVG ids), so a rerun that
    changes no number changes no file. Each file is moved into place when complete."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    with plt.rc_context({"svg.hashsalt": "pfutils"}):
        for path in paths:
            metadata = {"Date": None} if path.suffix == ".svg" else {"Software": None}
            with atomic_file(path) as tmp:
                fig.savefig(tmp, format=path.suffix[1:], bbox_inches="tight", dpi=130, metadata=metadata)
    return paths


def figure6(rewards: pd.DataFrame):
    """Reward distributions of raw annotations, PF-1M and the polite sources, the paper's medians noted (every
    training seed's PF-1M and raw annotations pooled)."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    order = ["raw annotations", "PF-1M", "polite sources"]
    sns.boxplot(rewards, x="reward", y="group", order=order, ax=ax, showfliers=False)
    medians = rewards.groupby("group").reward.median()
    for i, group in enumerate(order):
        ax.text(ax.get_xlim()[1], i, f" median {medians[group]:.2f}", va="center", fontsize=8)
    note = ", ".join(f"{k} {v:+.2f}" for k, v in paper.FIGURE6_MEDIANS.items())
    seeds = rewards.loc[rewards.group == "PF-1M", "seed"].nunique() if "seed" in rewards else 1
    ax.set_title(f"Figure 6: reward of raw annotations vs PF-1M ({seeds} rewriter seeds) vs polite data\n"
                 "(paper medians: " + note + ")",
                 fontsize=9)
    return fig


def figure8(wins: pd.DataFrame):
    """Pairwise win rates on reward, row model vs column model."""
    fig, ax = plt.subplots(figsize=(1 + 0.8 * len(wins), 0.7 + 0.6 * len(wins)))
    sns.heatmap(wins, annot=True, fmt=".2f", cmap="RdBu_r", vmin=0, vmax=1, ax=ax, cbar=False)
    note = ", ".join(f"{k} {v:.1%}" for k, v in paper.FIGURE8_CLEVER_WIN_RATES.items())
    ax.set_title(f"Figure 8: win rate of row over column (reward)\npaper, Clever Flamingo vs: {note}", fontsize=9)
    return fig


def figure9(by_seed: pd.DataFrame, stages: list[str], variants: list[str]):
    """The U across stages 1-3, and Figure 9's stage-2 variants beside stage 2: in-domain and out-of-domain
    accuracy, reward and the untrained form score. `by_seed`: one row per (model, seed); a marker is the mean over
    training seeds, its bar the range of the seeds."""
    panels = [("vqa_held_in_accuracy", "in-domain VQA accuracy"), ("vqa_held_out_accuracy", "out-of-domain VQA accuracy"),
              ("reward_mean", "reward (politeness)"), ("form_mean", "form score (untrained judge)")]
    means = by_seed.groupby(level="model").mean()
    low, high = by_seed.groupby(level="model").min(), by_seed.groupby(level="model").max()
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.2))
    labels = stages + [f"2: {v}" for v in variants]
    for ax, (column, title) in zip(axes, panels):
        for i, (model, label) in enumerate(zip(stages + variants, labels)):
            mean = means.loc[model, column]
            ax.errorbar([i], [mean], yerr=[[mean - low.loc[model, column]], [high.loc[model, column] - mean]],
                        fmt="o" if model in stages else "x", color="C0" if model in stages else f"C{1 + i % 9}",
                        capsize=3)
        ax.plot(range(len(stages)), means.loc[stages, column], color="C0")
        ax.axhline(means.loc["stage2", column], color="grey", lw=0.6, ls=":")
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
    seeds = len(by_seed.loc[stages[0]])
    fig.suptitle("Figure 9: Clever Flamingo's stages (line) and the stage-2 ablations (x, vs stage 2's dotted line); "
                 f"mean of {seeds} training seed(s), bars their range.\nThe paper: stage 2 raises in-domain accuracy "
                 "and lowers politeness; stage 3 recovers it", fontsize=10)
    fig.tight_layout()
    return fig

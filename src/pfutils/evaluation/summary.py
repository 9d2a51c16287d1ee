"""What stage 08 makes of the per-item scores every evaluation stage commits (`reports/eval/<model>.csv`):
each model's means (Tables 1-2, Figure 9), per training seed, and the pairwise win rates of Figure 8. Reads
tables only, so the figures stage needs no model.
"""
from __future__ import annotations

import pandas as pd

from ..reward.win_rates import win_rate_matrix

UNSEEDED = -1  # the `seed` of per-item results no training seed made (the base model, the raw annotations)

# The per-item scores committed under reports/eval/ (no texts: those stay in data/eval/), enough to recompute
# every number and interval of stage 08.
SCORE_COLUMNS = ("task", "dataset", "id", "seed", "correct", "reward", "form", "rouge_l", "sts", "object_recall",
                 "hallucinated_objects", "hallucinated", "misplaced", "mentions")


def summary(frame: pd.DataFrame) -> dict[str, float]:
    """The model's numbers for Tables 1-2 and Figure 9 (means over samples; NaN-free)."""
    def mean(task, column):
        values = frame.loc[frame.task == task, column].dropna() if column in frame else pd.Series(dtype=float)
        return round(float(values.astype(float).mean()), 4) if len(values) else None

    vqa = frame[frame.task.isin(["vqa_held_in", "vqa_held_out"])]
    grounded = frame[frame.mentions > 0]
    return {
        "captioning_rouge_l": mean("captioning", "rouge_l"),
        "captioning_object_recall": mean("captioning", "object_recall"),
        "captioning_hallucinated_objects": mean("captioning", "hallucinated_objects"),
        "captioning_hallucinated": mean("captioning", "hallucinated"),
        "captioning_misplaced": mean("captioning", "misplaced"),
        "vqa_held_in_accuracy": mean("vqa_held_in", "correct"),
        "vqa_held_out_accuracy": mean("vqa_held_out", "correct"),
        "multi_image_held_in_sts": mean("multi_image_held_in", "sts"),
        "multi_image_held_in_rouge_l": mean("multi_image_held_in", "rouge_l"),
        "multi_image_held_out_sts": mean("multi_image_held_out", "sts"),
        "multi_image_held_out_rouge_l": mean("multi_image_held_out", "rouge_l"),
        "multi_image_held_out_accuracy": mean("multi_image_held_out", "correct"),
        "reward_mean": round(float(vqa.reward.mean()), 4),
        "reward_median": round(float(vqa.reward.median()), 4),
        "form_mean": round(float(vqa.form.mean()), 4),
        "hallucinated_objects_answers": round(float(grounded.hallucinated_objects.mean()), 4) if len(grounded) else None,
        "hallucinated_answers": round(float(grounded.hallucinated.mean()), 4) if len(grounded) else None,
        "misplaced_answers": round(float(grounded.misplaced.mean()), 4) if len(grounded) else None,
    }


def score_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The per-item scores of `answer_frame` rows (SCORE_COLUMNS that exist), texts left out: a small table."""
    return frame[[c for c in SCORE_COLUMNS if c in frame.columns]]


def seed_summaries(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """`summary` of every model and training seed: one row per (model, seed), for figures with seed spread."""
    rows = [{"model": name, "seed": int(seed), **summary(part)}
            for name, frame in frames.items() for seed, part in frame.groupby("seed", sort=True)]
    return pd.DataFrame(rows).set_index(["model", "seed"])


def vqa_rewards(frame: pd.DataFrame, seed: int) -> list[float]:
    """The reward of every VQA answer a model gave in training seed `seed`'s round (the base model and the raw
    annotations, unseeded, take part in every round), in item order."""
    rows = frame[frame.task.isin(["vqa_held_in", "vqa_held_out"]) & frame.seed.isin([seed, UNSEEDED])]
    return list(rows.reward)


def win_rates(frames: dict[str, pd.DataFrame], raw_annotations: pd.DataFrame, seeds: list[int]) -> pd.DataFrame:
    """Figure 8's matrix: each training seed's models compete on the same VQA items (raw annotations counted
    as a model); the mean over seeds."""
    rounds = [win_rate_matrix({**{name: vqa_rewards(frame, seed) for name, frame in frames.items()},
                               "raw annotations": vqa_rewards(raw_annotations, seed)}) for seed in seeds]
    return sum(rounds) / len(rounds)

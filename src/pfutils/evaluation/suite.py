"""The evaluation suite of Section 5 applied to one model: answers to every test set, scored per sample.

Tasks: detailed captioning (Rouge-L to the reference; plus exact hallucination and object recall), VQA
held-in and held-out (accuracy by the NLI judge or the exact checker), multi-image held-in and held-out (STS and
Rouge-L to the reference; accuracy where the reference is an answer), and politeness (reward of every VQA answer).
"""
from __future__ import annotations

from pathlib import Path

import datasets
import pandas as pd

from .config import UNSEEDED, EvaluationParams  # noqa: F401 (UNSEEDED: the notebook's import)
from .predict import chat_answers
from ..textstats import form_score
from .scores import hallucination, object_recall, rouge_to_reference, vqa_correct

TASKS = ("captioning", "vqa_held_in", "vqa_held_out", "multi_image_held_in", "multi_image_held_out")
# The per-item scores committed under reports/eval/ (no texts: those stay in data/eval/), enough to recompute
# every number and interval of stage 08.
SCORE_COLUMNS = ("task", "dataset", "id", "seed", "correct", "reward", "form", "rouge_l", "sts", "object_recall",
                 "hallucinated_objects", "hallucinated", "misplaced", "mentions")


def test_rows(sources: Path, p: EvaluationParams) -> dict[str, list[dict]]:
    """The first `samples_per_dataset` test samples of every dataset of every task (all of them when it is None)."""
    rows = {}
    for task in TASKS:
        rows[task] = []
        for name in getattr(p.sets, task):
            test = datasets.load_from_disk(str(sources / name))["test"]
            limit = test.num_rows if p.samples_per_dataset is None else min(p.samples_per_dataset, test.num_rows)
            rows[task] += list(test.select(range(limit)))
    return rows


def answer_frame(model, tokenizer, rows: dict[str, list[dict]], p: EvaluationParams, judge, sts, reward) -> pd.DataFrame:
    """One row per (task, sample): the answer and every score that applies to it."""
    frames = []
    for task, items in rows.items():
        if not items:
            continue
        instructions = [p.captioning_instruction if task == "captioning" else r["instruction"] for r in items]
        answers = chat_answers(model, tokenizer, [{"instruction": i, "images": r["images"]}
                                                  for i, r in zip(instructions, items)], p.decoding)
        frame = pd.DataFrame({"task": task, "id": [r["id"] for r in items], "dataset": [r["dataset"] for r in items],
                              "instruction": instructions, "answer": answers,
                              "reference": [r["response"] for r in items]})
        frame["rouge_l"] = rouge_to_reference(items, answers)
        flags = [hallucination(a, r["scene"]) for a, r in zip(answers, items)]
        frame["hallucinated_objects"] = [f[0] for f in flags]
        frame["hallucinated"] = [f[1] for f in flags]
        frame["misplaced"] = [f[2] for f in flags]
        frame["mentions"] = [f[3] for f in flags]
        if task == "captioning":
            frame["object_recall"] = [object_recall(a, r["scene"]) for a, r in zip(answers, items)]
        if task.startswith("multi_image"):
            frame["sts"] = sts.similarities([r["response"] for r in items], answers)
        if any(r["answer"] for r in items):
            frame["correct"] = vqa_correct(items, answers, judge)
        frame["reward"] = reward.score(instructions, answers)
        frame["form"] = [form_score(a) for a in answers]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def reference_frame(rows: dict[str, list[dict]], reward) -> pd.DataFrame:
    """The raw annotations as a "model" (Figure 8 counts them): their reward and form score on the VQA items."""
    items = [r for task in ("vqa_held_in", "vqa_held_out") for r in rows[task]]
    return pd.DataFrame({"task": ["vqa_held_in"] * len(rows["vqa_held_in"]) + ["vqa_held_out"] * len(rows["vqa_held_out"]),
                         "id": [r["id"] for r in items],
                         "reward": reward.score([r["instruction"] for r in items], [r["response"] for r in items]),
                         "form": [form_score(r["response"]) for r in items]})


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

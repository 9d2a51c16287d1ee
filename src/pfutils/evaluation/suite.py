"""The evaluation suite of Section 5 applied to one model: answers to every test set, scored per sample.

Tasks: detailed captioning (Rouge-L to the reference; plus exact hallucination and object recall), VQA
held-in and held-out (accuracy by the NLI judge or the exact checker), multi-image held-in and held-out (STS and
Rouge-L to the reference; accuracy where the reference is an answer), and politeness (reward of every VQA answer).
"""
from __future__ import annotations

from pathlib import Path

import datasets
import pandas as pd

from ..schema import undecoded
from ..textstats import form_score
from ..toyworld.truth import hallucination, object_recall
from .config import EvaluationParams
from .predict import chat_answers
from .scores import rouge_to_reference, vqa_correct

TASKS = ("captioning", "vqa_held_in", "vqa_held_out", "multi_image_held_in", "multi_image_held_out")


def test_rows(sources: Path, p: EvaluationParams) -> dict[str, list[dict]]:
    """The first `samples_per_dataset` test samples of every dataset of every task (all of them when it is None)."""
    rows = {}
    for task in TASKS:
        rows[task] = []
        for name in getattr(p.sets, task):
            test = undecoded(datasets.load_from_disk(str(sources / name))["test"])  # decoded per batch
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

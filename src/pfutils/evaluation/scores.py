"""Per-sample scores of model answers by the paper's metrics (toyworld's exact ones: `pfutils.toyworld.truth`)."""
from __future__ import annotations

from ..scoring.nli import NliItem
from ..scoring.rouge import rouge_l_scores


def vqa_correct(rows: list[dict], answers: list[str], judge) -> list[bool]:
    """Correct = the judge (NLI cross-encoder, or the exact checker) finds the answer entails the gold one,
    on the paper's pair template."""
    items = [NliItem(question=r["instruction"], candidate=a, reference=r["answer"], answer=r["answer"],
                     answer_type=r["answer_type"], choices=tuple(r["choices"])) for r, a in zip(rows, answers)]
    return [result.label == "entailment" for result in judge.judge(items)]


def rouge_to_reference(rows: list[dict], answers: list[str]) -> list[float]:
    return rouge_l_scores([r["response"] for r in rows], answers)

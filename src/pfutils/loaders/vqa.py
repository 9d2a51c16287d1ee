"""VQA-v2 (raw short answers, Table 6: 210,743 samples in PF-1M) and OK-VQA (held-out, Table 1), which is
released in VQA-v2's format.

Released format (visualqa.org, okvqa.allenai.org): a questions file {"data_subtype": "train2014", "questions":
[{"question_id", "image_id", "question"}]} and an annotations file {"annotations": [{"question_id",
"question_type", "multiple_choice_answer" (VQA-v2 only), "answers": [{"answer"}, ...]}]}; images are
`COCO_{data_subtype}_{image_id:012d}.jpg`. The raw response is the short answer itself, as in toyworld.
"""
from __future__ import annotations

from pathlib import Path

from .common import (
    Collector,
    Download,
    Malformed,
    answer_type,
    listed,
    majority,
    read_json,
    require,
)

VQAV2 = Download("VQA-v2 (questions, annotations and the COCO 2014 images)", "https://visualqa.org/download.html")
OKVQA = Download("OK-VQA (questions, annotations and the COCO val2014 images)", "https://okvqa.allenai.org/download.html")


def _load(name: str, label: str, category: str, source: Download, questions: str | Path, annotations: str | Path,
          image_root: str | Path, split: str, limit: int | None) -> tuple[list[dict], list[dict]]:
    root = require(image_root, "COCO image folder", source)
    question_data = read_json(questions, f"{label} questions file", source)
    answer_data = read_json(annotations, f"{label} annotations file", source)
    if not isinstance(question_data, dict) or "data_subtype" not in question_data:
        raise ValueError(f"{questions}: not a VQA questions file (no 'data_subtype')")
    if not isinstance(answer_data, dict) or not isinstance(answer_data.get("annotations"), list):
        raise ValueError(f"{annotations}: not a VQA annotations file (no 'annotations' list)")
    subtype = question_data["data_subtype"]
    by_question = {a["question_id"]: a for a in answer_data["annotations"]
                   if isinstance(a, dict) and "question_id" in a}
    out = Collector(name, category, split, limit)

    def rows_of(question: dict):
        annotation = by_question.get(question["question_id"])
        if annotation is None:
            raise Malformed("no annotation for this question")
        answer = annotation.get("multiple_choice_answer") or majority(a["answer"] for a in annotation["answers"])
        yield [root / f"COCO_{subtype}_{int(question['image_id']):012d}.jpg"], {
            "task": annotation.get("question_type") or "vqa", "instruction": question["question"].strip(),
            "response": answer, "answer": answer, "answer_type": answer_type(answer)}

    records = listed(question_data.get("questions"), questions, "VQA questions file", "question_id")
    return out.collect(records, rows_of)


def load_vqav2(questions: str | Path, annotations: str | Path, *, image_root: str | Path, split: str,
               limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """One sample per question: the annotators' consensus answer (multiple_choice_answer)."""
    return _load("vqav2", "VQA-v2", "vqa_short", VQAV2, questions, annotations, image_root, split, limit)


def load_okvqa(questions: str | Path, annotations: str | Path, *, image_root: str | Path, split: str,
               limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """One held-out sample per question: the most frequent of the ten annotator answers."""
    return _load("okvqa", "OK-VQA", "heldout_vqa", OKVQA, questions, annotations, image_root, split, limit)

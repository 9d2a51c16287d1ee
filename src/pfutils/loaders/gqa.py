"""GQA: compositional questions on Visual Genome images with raw short answers (Table 6, 223,244 samples).

Released format (cs.stanford.edu/people/dorarad/gqa): `questions1.2/{split}_balanced_questions.json`, a JSON
object question id -> {"imageId", "question", "answer", "fullAnswer", "types": {"structural", "semantic",
"detailed"}, ...}; images are `images/{imageId}.jpg`. The raw response is the short `answer` (the `fullAnswer`
sentence is already half-polite, so it is not the raw annotation the paper rewrites).
"""
from __future__ import annotations

from pathlib import Path

from .common import Collector, Download, answer_type, read_json, require

GQA = Download("GQA (balanced questions and images)", "https://cs.stanford.edu/people/dorarad/gqa/download.html")


def load_gqa(questions: str | Path, *, image_root: str | Path, split: str,
             limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """One sample per question; the task is GQA's detailed question type (e.g. "relS")."""
    root = require(image_root, "GQA images folder", GQA)
    data = read_json(questions, "GQA questions file", GQA)
    if not isinstance(data, dict):
        raise ValueError(f"{questions}: not a GQA questions file (expected a JSON object keyed by question id)")
    out = Collector("gqa", "vqa_short", split, limit)

    def rows_of(record: dict):
        answer = record["answer"].strip()
        yield [root / f"{record['imageId']}.jpg"], {
            "task": (record.get("types") or {}).get("detailed") or "gqa", "instruction": record["question"].strip(),
            "response": answer, "answer": answer, "answer_type": answer_type(answer)}

    return out.collect(data.items(), rows_of)

"""A-OKVQA: VQA with rationales (Table 6, 14,868 samples in PF-1M; the Table 3 second-generation comparison).

Released format (github.com/allenai/aokvqa): `aokvqa_v1p0_{split}.json`, a JSON list of {"question_id",
"image_id", "question", "choices", "correct_choice_idx", "direct_answers", "rationales"}; images are COCO 2017's
`{image_id:012d}.jpg`. Mapped like toyworld's A-OKVQA analogue: the choices listed in the instruction, the raw
response "{answer}. {rationales}". The test split has no answers, so its records are rejects.
"""
from __future__ import annotations

from pathlib import Path

from .common import Collector, Download, Malformed, listed, read_json, require

AOKVQA = Download("A-OKVQA (and the COCO 2017 images of the split)", "https://github.com/allenai/aokvqa")


def load_aokvqa(annotations: str | Path, *, image_root: str | Path, split: str,
                limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """One multiple-choice sample per question; every annotator's rationale kept, in order."""
    root = require(image_root, "COCO 2017 image folder", AOKVQA)
    records = listed(read_json(annotations, "A-OKVQA annotation file", AOKVQA), annotations,
                     "A-OKVQA annotation file", "question_id")
    out = Collector("aokvqa", "vqa_rationale", split, limit)

    def rows_of(record: dict):
        choices = [str(c) for c in record["choices"]]
        index = record["correct_choice_idx"]
        if not isinstance(index, int) or not 0 <= index < len(choices):
            raise Malformed(f"correct_choice_idx {index!r} does not index the {len(choices)} choices")
        rationale = " ".join(r.strip() for r in record["rationales"])
        if not rationale:
            raise Malformed("no rationales")
        yield [root / f"{int(record['image_id']):012d}.jpg"], {
            "task": "aokvqa", "instruction": f"{record['question']}\nChoices: {', '.join(choices)}.",
            "response": f"{choices[index]}. {rationale}", "answer": choices[index], "answer_type": "choice",
            "choices": choices, "rationale": rationale}

    return out.collect(records, rows_of)

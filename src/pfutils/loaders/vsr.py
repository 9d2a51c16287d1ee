"""VSR (Visual Spatial Reasoning): held-out true/false statements about spatial relations (Table 1).

Released format (github.com/cambridgeltl/visual-spatial-reasoning; hub: cambridgeltl/vsr_random): JSON lines of
{"image": "000000050403.jpg", "caption": "The teddy bear is in front of the person.", "label": 1 | 0,
"relation", ...}; the images are COCO 2017's, all in one folder. Mapped like toyworld's VSR analogue: the statement
asked as true or false, the answer "true" or "false".
"""
from __future__ import annotations

from pathlib import Path

from .common import Collector, Download, Malformed, choose, read_jsonl, require

VSR = Download("VSR (the jsonl splits and the COCO 2017 images)",
               "https://github.com/cambridgeltl/visual-spatial-reasoning")
STATEMENT_TEMPLATES = ("{statement} Is this statement true or false?", "True or false: {statement}")


def load_vsr(data: str | Path, *, image_root: str | Path, split: str,
             limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """One true/false sample per annotated caption (VSR records have no id: rejects name their line)."""
    root = require(image_root, "VSR (COCO 2017) image folder", VSR)
    out = Collector("vsr", "heldout_vqa", split, limit)

    def rows_of(record: dict):
        if record["label"] not in (0, 1):
            raise Malformed(f"label {record['label']!r} is not 0 or 1")
        statement = record["caption"].strip()
        answer = "true" if record["label"] == 1 else "false"
        template = choose(STATEMENT_TEMPLATES, f"vsr/{record['image']}/{statement}")
        yield [root / record["image"]], {
            "task": "spatial_statement", "instruction": template.format(statement=statement),
            "response": answer, "answer": answer, "answer_type": "boolean"}

    return out.collect(read_jsonl(data, "VSR jsonl file", VSR), rows_of)

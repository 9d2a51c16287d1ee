"""What Polite Flamingo is given for each raw annotation: an instruction per task family and the draft.

The draft is the raw annotation itself, except for COCO-style captioning, whose draft is the captions and
boxes in the exact layout the rewriter saw in training ("retrieve captions & bounding boxes", Section 3.1).
Captioning gets a detailed-description instruction (LLaVA's), since that is what the rewrite becomes; every
other family keeps its own question ("What is this?", the VQA question with its choices, the change request).
"""
from __future__ import annotations

import random

from ..distortion.boxes import captions_and_boxes_text
from ..prompts import DETAIL_INSTRUCTIONS


def rewriting_input(sample: dict, seed: int) -> dict:
    """{instruction, draft} for one raw sample of the schema; the instruction choice is seeded by its id."""
    if sample["category"] == "captioning":
        instruction = random.Random(f"{seed}/instruction/{sample['id']}").choice(DETAIL_INSTRUCTIONS)
        draft = (captions_and_boxes_text(sample["captions"], sample["boxes"])
                 if sample["captions"] and sample["boxes"] else sample["response"])
        return {"instruction": instruction, "draft": draft}
    return {"instruction": sample["instruction"], "draft": sample["response"]}

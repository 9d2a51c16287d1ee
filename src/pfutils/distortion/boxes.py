"""Retrieve captions & bounding boxes (Section 3.1): a detailed description's draft is what GPT-4 was given.

LLaVA's GPT-4 wrote each detailed description from five COCO captions and the object boxes, so those make the
most faithful "raw annotation" of the description. The draft's layout is that of the released PF-1M records
(which follow LLaVA's detail_description prompt files, plus the sentence GPT-4's system message used for the
boxes):

    caption 1
    ...
    caption 5
    <blank line>
    The followings are specific object locations within the image, ... bottom right y.
    label: [x1, y1, x2, y2]
    ...

with one trailing line break. Coordinates are rounded to 3 decimals and printed as Python prints floats, as in
LLaVA's files and PF-1M ("[0.44, 0.176, 0.591, 0.316]", "1.0"), not padded to "0.440".
"""
from __future__ import annotations

import math
from numbers import Real

from .distorter import Distortion

BOXES_PREAMBLE = (
    "The followings are specific object locations within the image, along with detailed coordinates. These "
    "coordinates are in the form of bounding boxes, represented as (x1, y1, x2, y2) with floating numbers "
    "ranging from 0 to 1. These values correspond to the top left x, top left y, bottom right x, and bottom "
    "right y."
)
COORDINATES = ("x1", "y1", "x2", "y2")


def box_line(box: dict) -> str:
    """`label: [x1, y1, x2, y2]` with each coordinate rounded to 3 decimals."""
    return f"{box['label']}: [{', '.join(str(round(float(box[k]), 3)) for k in COORDINATES)}]"


def captions_and_boxes_text(captions: list[str], boxes: list[dict]) -> str:
    """The draft: captions one per line (a caption's own line breaks become spaces), a blank line, the
    preamble, one line per box."""
    lines = [c.replace("\n", " ") for c in captions] + ["", BOXES_PREAMBLE] + [box_line(b) for b in boxes]
    return "\n".join(lines) + "\n"


def annotation_problem(captions: object, boxes: object) -> str:
    """Why captions and boxes cannot make a draft, or "" when they can."""
    if not isinstance(captions, list) or not captions:
        return "no captions"
    if not all(isinstance(c, str) and c.strip() for c in captions):
        return "a caption is empty or not a string"
    if not isinstance(boxes, list) or not boxes:
        return "no boxes"
    for box in boxes:
        if not isinstance(box, dict) or not isinstance(box.get("label"), str) or not box["label"].strip():
            return f"box without a label: {box!r}"
        values = [box.get(k) for k in COORDINATES]
        if not all(isinstance(v, Real) and math.isfinite(v) for v in values):
            return f"box coordinates missing or not numbers: {box!r}"
        if not all(0.0 <= v <= 1.0 for v in values):
            return f"box coordinates outside [0, 1]: {box!r}"
    return ""


def distort_with_boxes(captions: object, boxes: object) -> Distortion:
    """The captions-and-boxes draft of one detailed description, or a reject naming the bad annotation."""
    problem = annotation_problem(captions, boxes)
    if problem:
        return Distortion.rejected(problem, operations=("captions", "boxes"))
    return Distortion(captions_and_boxes_text(captions, boxes), None, ("captions", "boxes"))
